"""Instances that are a host process tree whose output carries probe lines.

Shared by every runtime whose instance is "a process on the host": native,
chroot, box. ``ProcessInstance`` owns the child, reads its output without
threads (poll(2) on the pipe) and timestamps each line the moment the host
reads it, which is what launch → READY is measured against. How the child
was started, reaped and signalled is the subclass's business:
``SpawnedInstance`` starts a command with subprocess; box forks its own.

On the clock: from the launch to the exit, what this process does adds to
the figures whenever the child is waiting for our CPU, and it often is: the
ready line's write wakes us on the child's own CPU (a pipe's wake-up is
"sync", so the scheduler moves the reader next to the writer), so whatever
we do before sleeping again comes before the child's exit. So the path from
the launch to the exit does nothing that could be done before or after it
(tests/perf/test_harness.py holds native's figure to hyperfine's).
"""

from __future__ import annotations

import abc
import os
import select
import signal
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

import psutil

from runtimes.kernel.errors import InstanceError
from runtimes.kernel.messages import Message, say
from runtimes._wait import exit_code
from runtimes.base import Instance, TimedLine, split_lines
from runtimes.probe import ProbeLine, parse_line

STOP_GRACE_S = 2.0  # SIGTERM first; PID 1 in a container may ignore it, so SIGKILL after this


class ProcessInstance(Instance):
    """A workload that is host process ``pid``; its output arrives on ``output_fd``.

    The subclass must have started the child before calling this constructor,
    and registered its own clean-up on ``self._cleanup`` first.
    """

    def __init__(self, name: str, pid: int, output_fd: int) -> None:
        super().__init__()
        self.name, self.pid, self._fd = name, pid, output_fd
        # From here on the process exists: if anything below fails (or Ctrl-C
        # lands here), kill it, or nobody would.
        self._cleanup.callback(self._kill_if_running)
        try:
            self._poller = select.poll()
            self._poller.register(output_fd, select.POLLIN | select.POLLHUP)
            # A pidfd becomes readable when the process exits (pidfd_open(2)), so
            # wait() blocks in poll(2) with a timeout instead of sleeping in a
            # loop as Popen.wait(timeout) does, which would add up to a millisecond.
            # Opened now, while the child is still starting, not once its output
            # has ended: by then it is exiting, and any work of ours delays that
            # (see "On the clock" above).
            pidfd = os.pidfd_open(pid)  # unreaped, so the PID is still its own
            self._cleanup.callback(os.close, pidfd)
            self._exit_poller = select.poll()
            self._exit_poller.register(pidfd, select.POLLIN)
        except BaseException:
            self._cleanup.close()
            raise
        self._buffer = b""
        self._lines: list[TimedLine] = []
        self._eof = False
        self.returncode: int | None = None

    # -- how the child is reaped and signalled: the subclass's part --------
    @abc.abstractmethod
    def _poll(self) -> int | None:
        """The exit status if the child has exited (reaping it: call it through _reap_if_exited), else None."""

    @abc.abstractmethod
    def _reap(self) -> int:
        """Wait for the child (known to have exited or been killed) and return its status."""

    def _signal_tree(self, sig: int) -> None:
        """Send ``sig`` to the whole instance (default: the child's process group)."""
        try:
            os.killpg(self.pid, sig)
        except ProcessLookupError:
            pass

    # -- observers ---------------------------------------------------------
    @property
    def host_pids(self) -> tuple[int, ...]:
        try:
            root = psutil.Process(self.pid)
            return (root.pid, *(c.pid for c in root.children(recursive=True)))
        except psutil.NoSuchProcess:
            return ()

    @property
    def workload_pid(self) -> int | None:
        # The launcher (e.g. chroot(8)) execs the workload, so the PID is the same.
        return self.pid

    @property
    def lines(self) -> list[TimedLine]:
        return self._lines

    # -- reading output ------------------------------------------------------
    def _read_some(self, deadline_ns: int) -> None:
        """Read what the pipe has, waiting until ``deadline_ns`` at most."""
        if not self._poller.poll(self._remaining_ms(deadline_ns)):
            return
        chunk = os.read(self._fd, 65536)
        at_ns = time.monotonic_ns()
        if chunk:
            self._buffer = split_lines(self._buffer, chunk, at_ns, self._lines)
            return
        self._eof = True
        if self._buffer:  # a last line without its newline
            self._buffer = split_lines(self._buffer, chunk, at_ns, self._lines)

    def _exited_within(self, timeout_ms: int) -> bool:
        """True once the process has exited (it can then be reaped at once)."""
        return bool(self._exit_poller.poll(timeout_ms))

    def _remaining_ms(self, deadline_ns: int) -> int:
        return max(0, (deadline_ns - time.monotonic_ns()) // 1_000_000)

    # -- lifecycle -----------------------------------------------------------
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
                if self._exited_within(self._remaining_ms(deadline)):
                    self.returncode = self._reap()
                    raise InstanceError(self._exited_early_message(self.returncode))
                raise InstanceError(say("instance.output-closed", runtime=self.name))
            if time.monotonic_ns() >= deadline:
                raise InstanceError(say("instance.no-ready-line", runtime=self.name, seconds=float(timeout_s)))
            self._read_some(deadline)

    def _exited_early_message(self, status: int) -> Message:
        return say("instance.exited-early", runtime=self.name, status=status, said=self.output_tail())

    def wait(self, timeout_s: float) -> int:
        deadline = time.monotonic_ns() + int(timeout_s * 1e9)
        while not self._eof:
            if time.monotonic_ns() >= deadline:
                raise InstanceError(say("instance.still-running", runtime=self.name, seconds=float(timeout_s)))
            self._read_some(deadline)
        if self.returncode is None:
            if not self._exited_within(self._remaining_ms(deadline)):
                raise InstanceError(say("instance.no-exit", runtime=self.name, seconds=float(timeout_s)))
            self.returncode = self._reap()
        return self.returncode

    def _reap_if_exited(self) -> bool:
        """True if the child has exited, reaping it (once: a reaped PID is no longer ours to wait for)."""
        if self.returncode is None:
            self.returncode = self._poll()
        return self.returncode is not None

    def stop(self) -> None:
        if self._reap_if_exited():
            self._signal_tree(signal.SIGKILL)  # stray descendants of an exited leader
            return
        self._signal_tree(signal.SIGTERM)
        if not self._exited_within(int(STOP_GRACE_S * 1000)):
            self._signal_tree(signal.SIGKILL)
        self.returncode = self._reap()
        self._signal_tree(signal.SIGKILL)  # descendants that outlived the leader
        self._drain()

    def _kill_if_running(self) -> None:
        if not self._reap_if_exited():
            self._signal_tree(signal.SIGKILL)
            self.returncode = self._reap()

    def _drain(self) -> None:
        """Keep what the workload printed while stopping (e.g. its stopped line)."""
        deadline = time.monotonic_ns() + 200_000_000
        while not self._eof and time.monotonic_ns() < deadline:
            self._read_some(deadline)


class SpawnedInstance(ProcessInstance):
    """A command started on the host with subprocess, in a session of its own."""

    def __init__(self, name: str, argv: Sequence[str], cwd: Path | None = None, pass_fds: Sequence[int] = (),
                 stdin: int = subprocess.DEVNULL) -> None:
        # stderr joins stdout so an error message lands next to the probe lines
        # it explains; start_new_session lets stop() signal the whole tree.
        # pass_fds: descriptors the command is handed by number (e.g. a namespace for nsenter).
        # stdin: /dev/null by default; a caller that launches often may hand
        # its own open descriptor of it, saving an open and a close per launch.
        # The output pipe is our own rather than Popen's (stdout=PIPE): we read
        # its descriptor directly, and the file object Popen would wrap it in
        # costs time on the clock (see "On the clock").
        read_fd, write_fd = os.pipe2(os.O_CLOEXEC)
        try:
            self._proc = subprocess.Popen(
                argv, cwd=cwd, stdin=stdin, stdout=write_fd,
                stderr=subprocess.STDOUT, start_new_session=True, pass_fds=pass_fds,
            )
        except OSError as err:
            os.close(read_fd)
            raise InstanceError(say("instance.cannot-launch", runtime=name, program=argv[0], said=err.strerror or str(err))) from None
        except BaseException:
            os.close(read_fd)
            raise
        finally:
            os.close(write_fd)  # the child has its own copies, as its stdout and stderr
        try:
            super().__init__(name, self._proc.pid, read_fd)
        except BaseException:
            os.close(read_fd)
            raise
        self._cleanup.callback(os.close, read_fd)

    # Reaped with waitpid(2) itself, as ForkedInstance does, rather than through
    # Popen.poll()/wait(): their locks and bookkeeping run between the exit and
    # the harness's clock reading. Popen is then told the status, so that it
    # never waits for the PID again. The status is a shell's (128 + N for
    # signal N, where Popen says -N), as ForkedInstance's is.
    def _poll(self) -> int | None:
        pid, status = os.waitpid(self.pid, os.WNOHANG)
        return None if pid == 0 else self._reaped(status)

    def _reap(self) -> int:
        return self._reaped(os.waitpid(self.pid, 0)[1])

    def _reaped(self, status: int) -> int:
        self._proc.returncode = code = exit_code(status)
        return code


class ForkedInstance(ProcessInstance):
    """A child this process forked itself (box, vz): reaped with waitpid(2)."""

    def _poll(self) -> int | None:
        pid, status = os.waitpid(self.pid, os.WNOHANG)
        return None if pid == 0 else exit_code(status)

    def _reap(self) -> int:
        return exit_code(os.waitpid(self.pid, 0)[1])
