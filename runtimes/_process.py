"""An Instance that is one host process tree whose stdout carries probe lines.

Shared by every runtime whose launch is "run a command on the host" (native,
chroot, and later the container runtimes): it owns the process, reads its
output without threads (poll(2) on the pipe) and timestamps each line the
moment the host reads it, which is what launch → READY is measured against.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

import psutil

from bench.errors import InstanceError
from runtimes.base import Instance, TimedLine
from runtimes.probe import ProbeLine, parse_line

STOP_GRACE_S = 2.0  # SIGTERM first; PID 1 in a container may ignore it, so SIGKILL after this


class ProcessInstance(Instance):
    """A workload launched as a host process (and its descendants)."""

    def __init__(self, name: str, argv: Sequence[str], cwd: Path | None = None) -> None:
        super().__init__()
        self.name = name
        # stderr joins stdout so an error message lands next to the probe lines
        # it explains; start_new_session lets stop() signal the whole tree.
        try:
            self._proc = subprocess.Popen(
                list(argv), cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, start_new_session=True,
            )
        except OSError as err:
            raise InstanceError(f"{name}: cannot launch {argv[0]}: {err.strerror}") from None
        self._cleanup.callback(self._proc.stdout.close)  # type: ignore[union-attr]
        # From here on the process exists: if anything below fails (or Ctrl-C
        # lands here), kill it, or nobody would.
        self._cleanup.callback(self._kill_if_running)
        try:
            self._fd = self._proc.stdout.fileno()  # type: ignore[union-attr]
            self._poller = select.poll()
            self._poller.register(self._fd, select.POLLIN | select.POLLHUP)
            # A pidfd becomes readable when the process exits (pidfd_open(2)), so
            # wait() can block in poll(2) with a timeout instead of sleeping in a
            # loop as Popen.wait(timeout) does, which would add up to a millisecond.
            self._pidfd = os.pidfd_open(self._proc.pid)  # unreaped, so the PID is still its own
            self._cleanup.callback(os.close, self._pidfd)
        except BaseException:
            self._cleanup.close()
            raise
        self._buffer = b""
        self._lines: list[TimedLine] = []
        self._eof = False
        self._returncode: int | None = None

    @property
    def host_pids(self) -> tuple[int, ...]:
        try:
            root = psutil.Process(self._proc.pid)
            return (root.pid, *(c.pid for c in root.children(recursive=True)))
        except psutil.NoSuchProcess:
            return ()

    @property
    def workload_pid(self) -> int | None:
        # The launcher (e.g. chroot(8)) execs the workload, so the PID is the same.
        return self._proc.pid

    @property
    def lines(self) -> list[TimedLine]:
        return self._lines

    def _read_some(self, deadline_ns: int) -> None:
        """Read what the pipe has, waiting until ``deadline_ns`` at most."""
        timeout_ms = max(0, (deadline_ns - time.monotonic_ns()) // 1_000_000)
        if not self._poller.poll(timeout_ms):
            return
        chunk = os.read(self._fd, 65536)
        now = time.monotonic_ns()
        if not chunk:
            self._eof = True
            chunk = b"\n" if self._buffer else b""
        self._buffer += chunk
        *complete, self._buffer = self._buffer.split(b"\n")
        self._lines.extend(TimedLine(c.decode(errors="replace").rstrip("\r"), now) for c in complete)

    def wait_ready(self, timeout_s: float) -> ProbeLine:
        deadline = time.monotonic_ns() + int(timeout_s * 1e9)
        seen = 0
        while True:
            for line in self._lines[seen:]:
                parsed = parse_line(line.text, line.at_ns)
                if parsed and parsed.event == "ready":
                    return parsed
            seen = len(self._lines)
            if self._eof:
                if self._exited_within(max(0, (deadline - time.monotonic_ns()) // 1_000_000)):
                    code = self._proc.wait()
                    raise InstanceError(f"{self.name}: workload exited with status {code} before it was ready: {self.output_tail()}")
                raise InstanceError(f"{self.name}: workload closed its output before it was ready")
            if time.monotonic_ns() >= deadline:
                raise InstanceError(f"{self.name}: no ready line within {timeout_s:g} s")
            self._read_some(deadline)

    def wait(self, timeout_s: float) -> int:
        deadline = time.monotonic_ns() + int(timeout_s * 1e9)
        while not self._eof:
            if time.monotonic_ns() >= deadline:
                raise InstanceError(f"{self.name}: still running after {timeout_s:g} s")
            self._read_some(deadline)
        if not self._exited_within(max(0, (deadline - time.monotonic_ns()) // 1_000_000)):
            raise InstanceError(f"{self.name}: output closed but the process did not exit within {timeout_s:g} s")
        self._returncode = self._proc.wait()
        return self._returncode

    def _exited_within(self, timeout_ms: int) -> bool:
        """True once the process has exited (it is then reaped at once)."""
        exited = select.poll()
        exited.register(self._pidfd, select.POLLIN)
        return bool(exited.poll(timeout_ms))

    def _signal_tree(self, sig: int) -> None:
        try:
            os.killpg(self._proc.pid, sig)
        except ProcessLookupError:
            pass

    def stop(self) -> None:
        if self._proc.poll() is not None:
            self._signal_tree(signal.SIGKILL)  # stray descendants of an exited leader
            return
        self._signal_tree(signal.SIGTERM)
        if not self._exited_within(int(STOP_GRACE_S * 1000)):
            self._signal_tree(signal.SIGKILL)
        self._proc.wait()
        self._signal_tree(signal.SIGKILL)  # descendants that outlived the leader
        self._drain()

    def _kill_if_running(self) -> None:
        if self._proc.poll() is None:
            self._signal_tree(signal.SIGKILL)
            self._proc.wait()

    def _drain(self) -> None:
        """Keep what the workload printed while stopping (e.g. its stopped line)."""
        deadline = time.monotonic_ns() + 200_000_000
        while not self._eof and time.monotonic_ns() < deadline:
            self._read_some(deadline)
