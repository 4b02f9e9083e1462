"""A foreground container (`box run`, `box exec`): its terminal or pipes, our signals passed on, its end.

Without ``-t`` the container never gets our terminal itself: ``tty.shield``
puts pipes in its place and box copies between them and the terminal, so
nothing inside can reach the caller's session (test_box_terminal.py). With
``-t`` it gets a fresh pty and box proxies it, in raw mode when ``-i``.
"""

from __future__ import annotations

import contextlib
import os
import signal

from runtimes._wait import wait_forwarding_signals
from runtimes.box.container import Container, Engine, Started
from runtimes.box.errors import BoxError
from runtimes.kernel import tty

FORWARDED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2)


def check_setup(engine: Engine, container: Container, started: Started) -> None:
    """Raise, with the step that failed, if the container never reached box-init (and clean up after it)."""
    error = started.setup_error()
    os.close(started.error_fd)
    if error:
        os.waitpid(started.pid, 0)
        engine.finish(container)
        if container.config.auto_remove:
            engine.remove(container)
        raise BoxError(f"container {container.short_id} could not start: {error}")


def check_exec(started: Started) -> None:
    error = started.setup_error()
    os.close(started.error_fd)
    if error:
        os.waitpid(started.pid, 0)
        raise BoxError(f"exec failed: {error}")


def run_attached(engine: Engine, container: Container, interactive: bool, use_tty: bool) -> int:
    """Start with our terminal (or a pty) attached; wait; return the command's exit code."""
    if use_tty:
        with tty.pseudo_terminal() as (master, slave, path):
            started = engine.start(container, (slave, slave, slave), die_with_parent=True, console=path)
            check_setup(engine, container, started)
            os.close(slave)
            return conclude(engine, container, proxy_terminal(started.pid, master, interactive))
    stdin = 0 if interactive else os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
    with tty.shield((stdin, 1, 2)) as shielded:  # never our terminal itself: pipes in its place
        started = engine.start(container, shielded.stdio, die_with_parent=True)
        shielded.close_container_ends()
        if stdin != 0:
            os.close(stdin)
        check_setup(engine, container, started)
        # Our signals go to box-init, which passes them on (Docker's --sig-proxy).
        return conclude(engine, container, wait_relaying(started.pid, shielded, FORWARDED_SIGNALS))


def wait_relaying(pid: int, shielded: tty.Shield, forward: tuple[int, ...]) -> int:
    """``pid``'s wait status; meanwhile box copies between our terminal and the pipes that replace it."""
    if not shielded.active:  # no terminal: the container has our fds, nothing to copy
        return wait_forwarding_signals(pid, forward)
    pidfd = os.pidfd_open(pid)
    try:
        tty.relay(shielded, pidfd, forward)
    finally:
        os.close(pidfd)
    return os.waitpid(pid, 0)[1]


def proxy_terminal(pid: int, master: int, interactive: bool) -> int:
    """Copy between our terminal (raw, with -i) and the container's pty until ``pid`` ends; its wait status."""
    pidfd = os.pidfd_open(pid)
    try:
        with tty.raw_mode(0) if interactive else contextlib.nullcontext():
            tty.proxy(master, pidfd, stdin=0 if interactive else -1)
    finally:
        os.close(pidfd)
    return os.waitpid(pid, 0)[1]


def conclude(engine: Engine, container: Container, status: int) -> int:
    """Record how the container ended (removing it with --rm); the command's exit code."""
    engine.finish(container, status)
    code = container.state.exit_code or 0
    if container.config.auto_remove:
        engine.remove(container)
    return code
