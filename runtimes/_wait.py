"""Waiting for a child process: its exit code as a shell reports it, and signal forwarding.

Kept apart from ``runtimes._process`` (which needs psutil) so that the `box`
and `vz` commands can use it without paying for that import at start-up.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Sequence


def exit_code(status: int) -> int:
    """A wait status as a shell reports it: the exit code, or 128 + N when signal N ended it."""
    return os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)


def wait_forwarding_signals(pid: int, signals: Sequence[int]) -> int:
    """Wait for child ``pid``, passing it each of ``signals`` we receive meanwhile; return its wait status.

    This is how a foreground `box run` or `vz exec` lets Ctrl-C reach the
    command (Docker's --sig-proxy). Our own handlers are restored afterwards.
    """
    handlers = {sig: signal.signal(sig, lambda s, _: os.kill(pid, s)) for sig in signals}
    try:
        while True:
            try:
                return os.waitpid(pid, 0)[1]
            except InterruptedError:
                continue
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
