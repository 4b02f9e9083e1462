"""An interactive terminal for `box run -it` and `box exec -it`, as Docker gives one.

The container gets the *slave* side of a new pseudo-terminal (pty(7)) as its
stdin, stdout and stderr; box keeps the *master* side and copies bytes both
ways between it and the user's terminal, which it puts in raw mode so that
every key — Ctrl-C, Ctrl-D, arrows — goes to the container unchanged and the
container's own terminal line discipline decides what it means (Ctrl-C
becomes SIGINT for the foreground process there, Ctrl-D an end of file).
When the user's window changes size (SIGWINCH), the new size is passed on.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import signal
import struct
import termios
import tty
from collections.abc import Iterator


@contextlib.contextmanager
def pseudo_terminal() -> Iterator[tuple[int, int, str]]:
    """A new pty: (master fd, slave fd, slave path); both closed on exit."""
    master, slave = os.openpty()
    try:
        yield master, slave, os.ttyname(slave)
    finally:
        for fd in (master, slave):
            with contextlib.suppress(OSError):
                os.close(fd)


def copy_window_size(source_fd: int, target_fd: int) -> None:
    """TIOCGWINSZ from the user's terminal, TIOCSWINSZ on the container's (tty_ioctl(4))."""
    with contextlib.suppress(OSError):
        size = fcntl.ioctl(source_fd, termios.TIOCGWINSZ, struct.pack("HHHH", 0, 0, 0, 0))
        fcntl.ioctl(target_fd, termios.TIOCSWINSZ, size)


@contextlib.contextmanager
def raw_mode(fd: int) -> Iterator[None]:
    """The user's terminal in raw mode, restored however we leave."""
    if not os.isatty(fd):
        yield
        return
    saved = termios.tcgetattr(fd)
    try:
        tty.setraw(fd)
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def proxy(master: int, pidfd: int, stdin: int = 0, stdout: int = 1) -> None:
    """Copy stdin → master and master → stdout until the container's process exits."""
    previous = signal.signal(signal.SIGWINCH, lambda *_: copy_window_size(stdin, master))
    copy_window_size(stdin, master)
    watching = [master, pidfd] + ([stdin] if stdin >= 0 else [])
    try:
        while True:
            ready, _, _ = select.select(watching, [], [])
            if master in ready:
                try:
                    data = os.read(master, 65536)
                except OSError:  # EIO: every slave fd is closed, the container is gone
                    data = b""
                if not data:
                    break
                os.write(stdout, data)
            if stdin in ready:
                data = os.read(stdin, 65536)
                if data:
                    os.write(master, data)
                else:
                    watching.remove(stdin)  # our stdin ended (a pipe): keep showing output
            if pidfd in ready and master not in ready:
                break
    finally:
        signal.signal(signal.SIGWINCH, previous)
