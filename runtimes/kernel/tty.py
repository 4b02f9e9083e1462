"""An interactive terminal for `box run -it` and `box exec -it`, as Docker gives one.

The container gets the *slave* side of a new pseudo-terminal (pty(7)) as its
stdin, stdout and stderr; box keeps the *master* side and copies bytes both
ways between it and the user's terminal, which it puts in raw mode so that
every key — Ctrl-C, Ctrl-D, arrows — goes to the container unchanged and the
container's own terminal line discipline decides what it means (Ctrl-C
becomes SIGINT for the foreground process there, Ctrl-D an end of file).
When the user's window changes size (SIGWINCH), the new size is passed on.

Without ``-t`` the container gets no terminal at all, as with Docker: a
terminal handed over as it is would let the container read the user's
keystrokes, change the terminal's settings (stty), or with CAP_SYS_ADMIN
push input into it with TIOCSTI (tty_ioctl(4)). So each of box's stdin,
stdout and stderr that is a terminal is replaced by a pipe (``shield``),
and box copies bytes between the pipe and the terminal (``relay``). When
none is a terminal (a script, a benchmark) the container gets box's own
fds, and box costs nothing more.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import os
import select
import signal
import struct
import termios
import tty
from collections.abc import Iterator, Sequence


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
    if source_fd < 0:  # `-t` without `-i`: no stdin of ours to take the size from
        return
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


# -- without -t: pipes in place of the caller's terminal ---------------------
@dataclasses.dataclass
class Shield:
    """What the container gets in place of box's stdio, and which pipe ends box copies between."""

    stdio: tuple[int, int, int]        # the container's fds 0, 1, 2
    inbound: tuple[int, int] | None    # (our terminal, pipe write end): what the user types, with -i
    outbound: list[tuple[int, int]]    # (pipe read end, our terminal): what the container prints
    container_ends: list[int]          # pipe ends only the container keeps: box closes them once it started
    owned: list[int]                   # every pipe end still open in box

    @property
    def active(self) -> bool:
        """True when a terminal was replaced and box must copy; False: the container got our fds as they are."""
        return self.inbound is not None or bool(self.outbound)

    def close(self, fd: int) -> None:
        """Close one of our pipe ends, once: a second close could hit an fd number reused meanwhile."""
        if fd in self.owned:
            self.owned.remove(fd)
            os.close(fd)

    def close_container_ends(self) -> None:
        """Box's copies of the container's ends, so that the container's exit is an end of file here."""
        for fd in self.container_ends:
            self.close(fd)


@contextlib.contextmanager
def shield(stdio: tuple[int, int, int]) -> Iterator[Shield]:
    """Replace each of ``stdio`` that is a terminal by a pipe; every pipe closed on exit.

    stdout and stderr on the same terminal share one pipe, so that what the
    container writes to both arrives in the order it was written, as on a
    terminal (Docker, which keeps two streams, may reorder them).
    """
    made = Shield(stdio, None, [], [], [])
    try:
        given = list(stdio)
        if os.isatty(stdio[0]):
            read_end, write_end = _pipe(made)
            given[0], made.inbound = read_end, (stdio[0], write_end)
            made.container_ends.append(read_end)
            os.set_blocking(write_end, False)  # a container that never reads must not stop box copying its output
        terminals: list[tuple[os.stat_result, int]] = []  # each terminal replaced so far, and its pipe's write end
        for index in (1, 2):
            if not os.isatty(stdio[index]):
                continue
            seen = os.fstat(stdio[index])
            write_end = next((w for st, w in terminals if os.path.samestat(st, seen)), -1)
            if write_end < 0:
                read_end, write_end = _pipe(made)
                made.outbound.append((read_end, stdio[index]))
                made.container_ends.append(write_end)
                terminals.append((seen, write_end))
            given[index] = write_end
        made.stdio = (given[0], given[1], given[2])
        yield made
    finally:
        for fd in list(made.owned):
            made.close(fd)


def _pipe(made: Shield) -> tuple[int, int]:
    ends = os.pipe()  # O_CLOEXEC (PEP 446): box-init gets only what dup2 puts on its 0, 1 and 2
    made.owned.extend(ends)
    return ends


def relay(shielded: Shield, pidfd: int, forward: Sequence[int] = ()) -> None:
    """Copy between the pipes and our terminal until the process behind ``pidfd`` exits.

    One thread, poll(2) on the pipes, the terminal and the pidfd (pidfd_open(2)),
    as ``proxy`` does for -t. Each signal in ``forward`` that box receives is
    passed to the process (Docker's --sig-proxy): Ctrl-C on our terminal is
    SIGINT for box, and becomes SIGINT for the container's command.
    """
    previous = {sig: signal.signal(sig, lambda s, _: _send(pidfd, s)) for sig in forward}
    try:
        _Copier(shielded, pidfd).run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _send(pidfd: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # it has exited; the copy loop sees that next
        signal.pidfd_send_signal(pidfd, sig)


class _Copier:
    """One relay's state: the pipes still open, and typed bytes the container has not taken yet."""

    def __init__(self, shielded: Shield, pidfd: int) -> None:
        self.shield, self.pidfd = shielded, pidfd
        self.outbound = dict(shielded.outbound)  # pipe read end → our terminal
        self.terminal_in, self.pipe_in = shielded.inbound or (-1, -1)
        self.typed = b""  # read from our terminal, waiting for room in the container's stdin pipe
        self.poller = select.poll()

    def run(self) -> None:
        self.poller.register(self.pidfd, select.POLLIN)
        for read_end in self.outbound:
            self.poller.register(read_end, select.POLLIN)
        if self.pipe_in >= 0:
            self.poller.register(self.terminal_in, select.POLLIN)
        exited = False
        while not exited:
            for fd, _ in self.poller.poll():
                if fd == self.pidfd:
                    exited = True
                elif fd in self.outbound:
                    self._output(fd)
                elif fd == self.terminal_in:
                    self._typed()
                elif fd == self.pipe_in:
                    self._feed()
        # What it wrote before it exited is in the pipes: take that, and not what a
        # process it left behind (after `box exec`) may go on writing.
        while ready := [fd for fd, _ in self.poller.poll(0) if fd in self.outbound]:
            for fd in ready:
                self._output(fd)
        self._close_input()

    def _output(self, read_end: int) -> None:
        data = os.read(read_end, 65536)
        if not data:  # every writer has closed it
            self.poller.unregister(read_end)
            del self.outbound[read_end]
            return
        with contextlib.suppress(OSError):  # our terminal hung up: go on draining, so the container never blocks
            _write_all(self.outbound[read_end], data)

    def _typed(self) -> None:
        try:
            data = os.read(self.terminal_in, 65536)
        except OSError:  # EIO: our terminal hung up
            data = b""
        if not data:  # Ctrl-D at the start of a line, or a hang-up: the container's stdin ends
            self._close_input()
            return
        self.typed = data
        self._feed()

    def _feed(self) -> None:
        """Into the container's stdin; while its pipe is full, wait for room (POLLOUT) and read no more keys."""
        try:
            self.typed = self.typed[os.write(self.pipe_in, self.typed):]
        except BlockingIOError:
            pass
        except BrokenPipeError:  # the container closed its stdin: nobody wants what is typed
            self._close_input()
            return
        waiting = bool(self.typed)
        with contextlib.suppress(KeyError):
            self.poller.unregister(self.terminal_in if waiting else self.pipe_in)
        self.poller.register(*((self.pipe_in, select.POLLOUT) if waiting else (self.terminal_in, select.POLLIN)))

    def _close_input(self) -> None:
        if self.pipe_in < 0:
            return
        for fd in (self.terminal_in, self.pipe_in):
            with contextlib.suppress(KeyError):
                self.poller.unregister(fd)
        self.shield.close(self.pipe_in)  # the container reads an end of file
        self.pipe_in = self.terminal_in = -1


def _write_all(fd: int, data: bytes) -> None:
    while data:
        data = data[os.write(fd, data):]
