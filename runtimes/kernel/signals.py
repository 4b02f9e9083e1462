"""Holding Ctrl-C back while a resource and the undo that releases it are made together.

Python raises KeyboardInterrupt between any two bytecodes, so a Ctrl-C that
lands after ``mkdtemp`` returns but before its ``rmtree`` is registered, or
inside ``subprocess.Popen`` after the fork but before the object exists,
leaves a directory or a child behind. Blocking the signals at the kernel
(pthread_sigmask(3)) keeps them pending instead; they are delivered, and the
KeyboardInterrupt raised, the moment the block ends, when the undo is in place.
A child started inside the block inherits the mask (signal(7)): it can still
be killed, which is how its undo stops it.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator

HELD = frozenset({signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGALRM})


@contextlib.contextmanager
def held() -> Iterator[None]:
    """Within the block, SIGINT, SIGTERM, SIGHUP and SIGALRM wait; they arrive when it ends."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, HELD)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
