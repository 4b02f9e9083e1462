"""Driving an interactive program through a pseudo-terminal, as a person at a terminal would.

    with Terminal.spawn([sys.executable, "-m", "runtimes.box", "run", "-it", "--rm", "busybox", "sh"]) as term:
        term.read_until(b"# ")
        term.write(b"echo hi\\r")
        term.read_until(b"\\nhi\\r\\n")
        term.write(b"\\x04")
        assert term.wait() == 0

A program's output reaches us in reads of whatever size the kernel hands
over, so the text we wait for may arrive with more after it (the next prompt,
say) in the same read. ``Terminal`` keeps that rest for the next wait instead
of dropping it. Leaving the ``with`` block kills and reaps the program and
everything it started if it is still running, so a failed test leaves no
process behind for the leak check to find.
"""

from __future__ import annotations

import contextlib
import os
import pty
import select
import signal
import time
from collections.abc import Iterator, Mapping, Sequence

import psutil

CURSOR_QUERY, CURSOR_REPLY = b"\x1b[6n", b"\x1b[1;1R"  # ECMA-48 DSR 6 and its CPR answer


class Terminal:
    """The master side of a pty with a program on the slave side."""

    def __init__(self, fd: int, pid: int | None = None) -> None:
        self.fd, self.pid = fd, pid
        self.pending = b""            # read from the terminal, not yet returned by read_until
        self.status: int | None = None  # the program's wait status, once reaped

    @classmethod
    @contextlib.contextmanager
    def spawn(cls, argv: Sequence[str], env: Mapping[str, str] | None = None) -> Iterator["Terminal"]:
        """Run ``argv`` on a new pty (pty(7)) as the session leader; kill and reap it on the way out."""
        pid, fd = pty.fork()
        if pid == 0:  # the child: never returns into pytest, whatever happens
            try:
                os.execve(argv[0], list(argv), dict(env if env is not None else os.environ))
            finally:
                os._exit(127)
        term = cls(fd, pid)
        try:
            yield term
        finally:
            term.close()

    def write(self, data: bytes) -> None:
        os.write(self.fd, data)

    def read_until(self, wanted: bytes, timeout: float = 10) -> bytes:
        """Everything up to and including the first ``wanted``; what follows stays for the next call.

        busybox's line editor asks where the cursor is (ESC [6n) before each
        prompt and reads the answer from its input; a real terminal replies at
        once, and so must we, or our next keystroke would be taken as the reply.
        """
        deadline = time.monotonic() + timeout
        while wanted not in self.pending and time.monotonic() < deadline:
            if not self._read_some(0.1):
                break
        seen, found, rest = self.pending.partition(wanted)
        assert found, f"{wanted!r} never came within {timeout} s; the terminal showed: {seen!r}"
        self.pending = rest
        return seen + found

    def read_to_end(self, timeout: float = 30) -> bytes:
        """All the rest, until every program on the terminal has closed it (the master then reads EIO)."""
        deadline = time.monotonic() + timeout
        while self._read_some(0.1):
            assert time.monotonic() < deadline, f"the terminal is still open after {timeout} s: {self.pending!r}"
        rest, self.pending = self.pending, b""
        return rest

    def _read_some(self, wait_s: float) -> bool:
        """One read into ``pending``; False once the program's side is closed (Linux: EIO on the master)."""
        if not select.select([self.fd], [], [], wait_s)[0]:
            return True
        try:
            chunk = os.read(self.fd, 4096)
        except OSError:
            return False
        # Answered as the query arrives, not when a caller gets to it: the program waits for it now.
        for _ in range(chunk.count(CURSOR_QUERY)):
            os.write(self.fd, CURSOR_REPLY)
        self.pending += chunk
        return bool(chunk)

    def wait(self, timeout: float = 20) -> int:
        """The program's exit code (or -N for signal N) once it exits; reading on so it never blocks on output."""
        assert self.pid is not None, "not started by Terminal.spawn"
        deadline = time.monotonic() + timeout
        while self.status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = status
                break
            assert time.monotonic() < deadline, f"still running after {timeout} s; it showed: {self.pending!r}"
            self._read_some(0.05)
        return os.waitstatus_to_exitcode(self.status)

    def close(self) -> None:
        """Kill what is still running (the program and its descendants), reap it, close the pty."""
        if self.pid is not None and self.status is None:
            _kill_tree(self.pid)
            self.status = os.waitpid(self.pid, 0)[1]
        with contextlib.suppress(OSError):
            os.close(self.fd)


def _kill_tree(pid: int, timeout: float = 10) -> None:
    """SIGKILL ``pid`` and every descendant, and wait until they are gone (a container's too)."""
    try:
        leader = psutil.Process(pid)
        tree = [leader, *leader.children(recursive=True)]
    except psutil.NoSuchProcess:
        return
    for proc in reversed(tree):  # leaves first, so nothing is reparented away before it is killed
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.send_signal(signal.SIGKILL)
    psutil.wait_procs(tree[1:], timeout=timeout)  # not the leader: our child, reaped by waitpid


def read_until(fd: int, wanted: bytes, timeout: float = 10) -> bytes:
    """Read ``fd`` until ``wanted`` appears; return all that was read, the rest after ``wanted`` too.

    For callers that keep a whole transcript and wait for one thing at a
    time; a caller that waits for several things in a row uses a Terminal,
    which keeps what came after each one for the next wait.
    """
    term = Terminal(fd)
    seen = term.read_until(wanted, timeout)
    return seen + term.pending
