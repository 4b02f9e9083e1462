"""The isolation scorecard's host side: targets to reach for, and reading the verdicts.

``probe iso`` (bench/workload/iso.c) tries, from inside an instance, to
reach the host in every way a class asks about — escape its root, see and
signal a host process, mount the host's disk, write kernel settings — and
whether memory, processes and CPU are limited. To try for real it needs real
targets on the host, which ``HostTargets`` provides for as long as the
scenario runs:

- a host process (``probe target``, run natively) to see, signal (signal 0)
  and trace (PTRACE_SEIZE, which never stops it);
- an abstract unix socket that process listens on (abstract sockets belong to
  a network namespace, unix(7));
- a host block device holding a filesystem: a small ext4 image on a loop
  device, so the check does not depend on whether the host's own disk may be
  opened (it may not, on some CI hosts);
- the leaks of a careless caller (CVE-2024-21626 class): a directory fd on
  the host's "/" and a terminal, both left inheritable and handed to every
  instance (``inherited_fds``) as a shell hands its open fds to any command;
  the terminal is a pty whose master the harness holds, so the probe's
  TIOCSTI can only ever type into it, never into a user's terminal;
- the host's facts the probe compares against: its root directory's device
  and inode, hostname, boot id (another one means a guest kernel), first
  network interface, UTS and network namespaces, the handed terminal's
  device number, and which kernel features it lacks (no
  /proc/sysrq-trigger, no module loading).

The same probe lines are parsed here for the tests (``parse_verdicts``) and
stored by the runner for the report (``iso_<check>_blocked``), so the
scorecard and the escape tests cannot disagree.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import secrets
import socket
import subprocess
import tempfile
import tty
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

from bench.errors import BenchError
from bench.metrics import ISOLATION_CHECKS
from bench.scenario import Scenario
from runtimes.base import Limits
from runtimes.image import Image
from runtimes.kernel.paths import scratch_root
from runtimes.probe import ProbeLine, parse_line

MODE = "iso"
DISK_PREFIX = "iso-disk-"     # scratch_root()/iso-disk-*.img: the target disk's backing file
DISK_SIZE_MIB = 8
READY_TIMEOUT_S = 5.0


@dataclasses.dataclass(frozen=True)
class Verdict:
    """One check's outcome inside one instance: blocked (isolated), reached (got through) or not decidable."""

    check: str
    outcome: str        # "blocked" | "reached" | "na"
    errno: str          # the refusing errno's name (EPERM…) or "none"
    note: str           # what decided it, one token (e.g. "host-root", "guest-kernel")

    @property
    def blocked(self) -> bool | None:
        return None if self.outcome == "na" else self.outcome == "blocked"


def parse_verdicts(lines: Iterable[ProbeLine]) -> dict[str, Verdict]:
    """The probe's iso result lines, by check name."""
    out = {}
    for line in lines:
        if line.event == "result" and line.mode == MODE and "check" in line.fields:
            f = line.fields
            out[f["check"]] = Verdict(f["check"], f.get("outcome", "?"), f.get("errno", "?"), f.get("note", "?"))
    return out


KILLED_STATUS = 137  # 128 + SIGKILL: what the OOM killer's victim exits with


def killed_at_memory_limit(lines: Iterable[ProbeLine], status: float | None) -> dict[str, float] | None:
    """The verdicts of an iso run whose whole instance was killed by its memory check, or None.

    Where the memory limit covers the runtime's own machinery as well as the
    workload (gVisor's Sentry lives in the sandbox's cgroup), going over it
    kills the whole instance, not one process: the limit held, the way a
    VM's would. The checks before it stand as printed; the ones after were
    never tried, so they stay unmeasured rather than guessed.
    """
    if status != KILLED_STATUS:
        return None
    verdicts = parse_verdicts(lines)
    order = [c.name for c in ISOLATION_CHECKS]
    dying = order.index("mem_limit")
    if set(verdicts) != set(order[:dying]):
        return None  # killed elsewhere: a failed run like any other
    figures = {f"iso_{name}_blocked": 1.0 if v.outcome == "blocked" else 0.0
               for name, v in verdicts.items() if v.outcome != "na"}
    figures["iso_mem_limit_blocked"] = 1.0
    return figures


def verdicts_from_text(texts: Iterable[str]) -> dict[str, Verdict]:
    return parse_verdicts(p for t in texts if (p := parse_line(t)) is not None)


def _first_interface() -> tuple[str, int] | None:
    """The host's first network interface other than loopback, and its index."""
    for entry in sorted(Path("/sys/class/net").iterdir()):
        if entry.name != "lo":
            with contextlib.suppress(OSError, ValueError):
                return entry.name, int((entry / "ifindex").read_text())
    return None


def _ns_inode(kind: str) -> int:
    link = os.readlink(f"/proc/self/ns/{kind}")  # e.g. "uts:[4026531838]"
    return int(link.partition("[")[2].rstrip("]"))


class HostTargets:
    """The host-side targets of ``probe iso``; a context manager that removes them all."""

    def __init__(self, image: Image) -> None:
        self.image = image
        self.socket_name = f"isobench-target-{secrets.token_hex(6)}"
        self._cleanup = contextlib.ExitStack()

    def __enter__(self) -> HostTargets:
        try:
            self._start_target()
            self._make_disk()
            self._leak_fds()
        except BaseException:
            self._cleanup.close()
            raise
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._cleanup.close()

    def _start_target(self) -> None:
        self.target = subprocess.Popen([str(self.image.probe), "target", "--socket", self.socket_name],
                                       stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        self._cleanup.callback(self._stop_target)
        assert self.target.stdout is not None
        line = parse_line(self.target.stdout.readline())  # blocks until ready (or the target died)
        if line is None or line.event != "ready":
            raise BenchError(f"isolation: the host-side target (probe target) did not start: {line}")
        with open(f"/proc/{self.target.pid}/stat") as f:
            self.target_start = int(f.read().rpartition(")")[2].split()[19])  # proc(5) field 22

    def _stop_target(self) -> None:
        self.target.terminate()
        try:
            self.target.wait(READY_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.target.kill()
            self.target.wait()
        if self.target.stdout:
            self.target.stdout.close()

    def _make_disk(self) -> None:
        """A small ext4 filesystem on a loop device: the host disk the probe tries to open and mount."""
        from runtimes.kernel import loop

        fd, name = tempfile.mkstemp(prefix=DISK_PREFIX, suffix=".img", dir=scratch_root())
        os.close(fd)
        self.disk_image = Path(name)
        self._cleanup.callback(self.disk_image.unlink, missing_ok=True)
        os.truncate(self.disk_image, DISK_SIZE_MIB * 2**20)
        done = subprocess.run(["mkfs.ext4", "-q", "-F", "-L", "isohost", str(self.disk_image)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise BenchError(f"isolation: mkfs.ext4 {self.disk_image}: {done.stderr.strip()} (sudo scripts/provision)")
        # AUTOCLEAR: the device unbinds itself when this fd closes, even if the harness is killed.
        loop_fd, self.disk_device = loop.attach(self.disk_image)
        self._cleanup.callback(os.close, loop_fd)
        self.disk_rdev = os.stat(self.disk_device).st_rdev

    def _leak_fds(self) -> None:
        """What a shell's `exec 9</` and its terminal would leave open: inheritable, closed at the end."""
        self.leaked_dir = os.open("/", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        self._cleanup.callback(os.close, self.leaked_dir)
        master, self.leaked_tty = os.openpty()
        self._cleanup.callback(os.close, master)
        self._cleanup.callback(os.close, self.leaked_tty)
        # Raw: no echo, so what the probe types never comes out of the master and needs no reader
        # (the probe reads its byte back from the terminal itself); one byte is one read (termios(3)).
        tty.setraw(self.leaked_tty)
        for fd in (self.leaked_dir, self.leaked_tty):
            os.set_inheritable(fd, True)

    @property
    def inherited_fds(self) -> tuple[int, ...]:
        """The leaked descriptors, for ``InstanceSpec.inherited_fds``."""
        return (self.leaked_dir, self.leaked_tty)

    def argv(self, limits: Limits = Limits()) -> tuple[str, ...]:
        """The probe's ``iso`` arguments: the targets, the host's facts and the limits to test."""
        root = os.stat("/")
        facts: dict[str, object] = {
            "pid": self.target.pid, "pid_start": self.target_start, "socket": self.socket_name,
            "hostname": socket.gethostname(), "boot_id": Path("/proc/sys/kernel/random/boot_id").read_text().strip(),
            "root_dev": root.st_dev, "root_ino": root.st_ino, "disk_dev": self.disk_rdev, "disk_fstype": "ext4",
            "uts_ns": _ns_inode("uts"), "net_ns": _ns_inode("net"), "tty_rdev": os.fstat(self.leaked_tty).st_rdev,
        }
        interface = _first_interface()
        if interface:
            facts |= {"netif": interface[0], "netif_index": interface[1]}
        lacks = [name for name, path in (("sysrq", "/proc/sysrq-trigger"), ("module", "/proc/modules"))
                 if not os.path.exists(path)]
        if lacks:
            facts["lacks"] = "+".join(lacks)
        if limits.memory_bytes:
            facts["mem_limit_mib"] = limits.memory_bytes // 2**20
        if limits.pids:
            facts["pids_limit"] = limits.pids
        if limits.cpus:
            facts["cpu_limit_milli"] = max(1, round(limits.cpus * 1000))
        # KEY=VALUE words rather than --options: a VM's kernel hands at most ~30 words to its init.
        return tuple(f"{key}={value}" for key, value in facts.items())


def prepare(scenario: Scenario, image: Image, stack: contextlib.ExitStack) -> Scenario:
    """The scenario with the iso mode's host targets added to its arguments (others: unchanged).

    The targets live on ``stack``, so they go when the scenario's runtimes do.
    """
    if scenario.mode != MODE:
        return scenario
    targets = stack.enter_context(HostTargets(image))
    return dataclasses.replace(scenario, args=(*scenario.args, *targets.argv(scenario.limits)),
                               inherited_fds=targets.inherited_fds)


__all__ = ["ISOLATION_CHECKS", "HostTargets", "Verdict", "parse_verdicts", "prepare", "verdicts_from_text"]
