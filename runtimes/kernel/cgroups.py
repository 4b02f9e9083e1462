"""Control groups: where a container's resource limits are written and read back.

Two kernels' worth of interface behind one small manager (like crun's
``libcrun_cgroup_manager``): ``create`` (make the group, write the limits),
``usage`` (read what the group used), ``destroy`` (kill what is left, remove
the group). ``CgroupV1`` writes one directory per controller
(/sys/fs/cgroup/memory/box/ID, …/cpu/box/ID, …); ``CgroupV2`` one directory
in the unified tree (/sys/fs/cgroup/box/ID). ``for_host()`` picks the one this
kernel uses, at run time.

A process joins a group by writing its PID to ``cgroup.procs`` (v1 also has
``tasks``, one thread at a time); the container's first process does that
itself, before it execs anything, so the workload is charged from its first
instruction. ``self_join_files`` says which file, and why it matters for speed.

``create`` also limits the devices the group's processes may open or make
(devices.py: one list of rules; v1 writes devices.deny and devices.allow, v2
attaches a BPF device program), before any process is in the group.

Kernel docs: Documentation/admin-guide/cgroup-v2.rst and, for v1,
Documentation/admin-guide/cgroup-v1/{memory,pids}.rst and scheduler/sched-bwc.rst.
"""

from __future__ import annotations

import abc
import dataclasses
import functools
import os
import signal
import time
from collections.abc import Sequence
from pathlib import Path

from runtimes.kernel.limits import Limits
from runtimes.kernel import devices
from runtimes.kernel.devices import DeviceRule
from runtimes.kernel.messages import Message, say


class CgroupsMissing(OSError):
    """The controllers a cgroup needs are not there; carries why as a ``Message`` for the report."""

    def __init__(self, message: Message) -> None:
        super().__init__(str(message))
        self.message = message

ROOT = Path("/sys/fs/cgroup")
PARENT = "box"               # every group box makes lives under this one (vz passes parent="vz")
CFS_PERIOD_US = 100_000      # the CFS bandwidth period the quota is a share of (sched-bwc.rst)


@dataclasses.dataclass(frozen=True)
class Usage:
    """What a group has used, read from the kernel; None where this kernel does not say."""

    memory_current_bytes: int | None = None
    memory_peak_bytes: int | None = None
    anon_bytes: int | None = None      # anonymous memory (heap, stacks)
    file_bytes: int | None = None      # page cache charged to the group
    cpu_s: float | None = None         # CPU time of every process, user + system
    io_read_bytes: int | None = None
    io_write_bytes: int | None = None
    pids_current: int | None = None
    oom_kills: int | None = None       # processes the OOM killer killed for the memory limit


def _read(path: Path) -> str | None:
    try:
        return path.read_text()
    except OSError:
        return None


def _read_int(path: Path) -> int | None:
    text = _read(path)
    return int(text) if text is not None and text.strip().isdigit() else None


def _keyed(path: Path) -> dict[str, int]:
    """A flat-keyed file ('key value' per line), e.g. memory.stat."""
    out = {}
    for line in (_read(path) or "").splitlines():
        key, _, value = line.partition(" ")
        if value.strip().isdigit():
            out[key] = int(value)
    return out


def _write(path: Path, value: str) -> None:
    try:
        path.write_text(value)
    except OSError as err:
        raise OSError(err.errno, f"write {value!r} to {path}: {err.strerror}") from None


class Cgroup(abc.ABC):
    """One container's control group."""

    version: str

    def __init__(self, name: str, parent: str = PARENT) -> None:
        self.name = name
        self.parent = parent

    @property
    @abc.abstractmethod
    def path(self) -> Path:
        """The directory with memory accounting (what observers read)."""

    @property
    @abc.abstractmethod
    def procs_files(self) -> list[Path]:
        """The cgroup.procs files a process writes its PID to, to join."""

    @property
    @abc.abstractmethod
    def self_join_files(self) -> list[Path]:
        """The files a freshly forked, single-threaded process writes "0" to, to move itself in."""

    @abc.abstractmethod
    def controller_path(self, controller: str) -> Path:
        """The directory holding ``controller``'s files (v1: one per controller; v2: the group's)."""

    @abc.abstractmethod
    def create(self, limits: Limits, allowed_devices: Sequence[DeviceRule] | None = devices.DEFAULT_RULES) -> None:
        """Make the group and write its limits; any error leaves nothing behind.

        ``allowed_devices``: the only devices its processes may open or make
        (devices.py); None leaves devices unrestricted, as on the host.
        """

    @abc.abstractmethod
    def _write_limits(self, limits: Limits) -> None: ...

    def update(self, limits: Limits) -> None:
        """Change a live group's limits (the ones not None).

        Unlike ``create``, a refusal (e.g. a memory limit below what the group
        already uses: EBUSY) leaves the group and its processes as they were.
        """
        self._write_limits(limits)

    @abc.abstractmethod
    def usage(self) -> Usage: ...

    @abc.abstractmethod
    def _dirs(self) -> list[Path]:
        """Every directory this group owns."""

    def pids(self) -> list[int]:
        """Host PIDs of every process in the group."""
        text = _read(self.procs_files[0]) or ""
        return [int(p) for p in text.split()]

    def exists(self) -> bool:
        return any(d.is_dir() for d in self._dirs())

    def destroy(self, timeout_s: float = 5.0) -> None:
        """Kill whatever is still inside, then remove the group's directories.

        rmdir(2) fails with EBUSY while a process is still in a group (even a
        zombie being reaped), so it is retried until ``timeout_s``.
        """
        deadline = time.monotonic() + timeout_s
        for pid in self.pids() if self.exists() else []:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for d in self._dirs():
            remove_group_dir(d, deadline)

    def _undo_on_error(self, steps) -> None:  # type: ignore[no-untyped-def]
        try:
            steps()
        except BaseException:
            self.destroy()
            raise


@functools.cache
def _v1_mounts() -> dict[str, Path]:
    """Controller name → where its v1 hierarchy is mounted (from /proc/self/mountinfo, read once)."""
    out: dict[str, Path] = {}
    for line in (_read(Path("/proc/self/mountinfo")) or "").splitlines():
        left, _, right = line.partition(" - ")
        fields = right.split()
        if fields and fields[0] == "cgroup":
            for option in fields[2].split(","):
                out.setdefault(option, Path(left.split()[4]))
    return out


class CgroupV1(Cgroup):
    """cgroup v1: one hierarchy per controller, so one directory per controller."""

    version = "v1"
    # devices: every process of the container must be in its devices group too,
    # `box exec`'s included, so it is joined like the others (self_join_files).
    CONTROLLERS = ("memory", "cpu", "cpuacct", "pids", "blkio", "devices")

    def __init__(self, name: str, parent: str = PARENT) -> None:
        super().__init__(name, parent)
        mounts = _v1_mounts()
        missing = [c for c in self.CONTROLLERS if c not in mounts]
        if missing:
            raise CgroupsMissing(say("cgroups.v1-not-mounted", controllers=", ".join(missing)))
        self._dir = {c: mounts[c] / parent / name for c in self.CONTROLLERS}

    @property
    def path(self) -> Path:
        return self._dir["memory"]

    @property
    def procs_files(self) -> list[Path]:
        return [d / "cgroup.procs" for d in dict.fromkeys(self._dir.values())]

    @property
    def self_join_files(self) -> list[Path]:
        # `tasks` moves one thread. When that thread is the writer itself, the
        # kernel skips the global cgroup_threadgroup_rwsem whose write side
        # waits for an RCU grace period: 0.4 ms instead of 7-20 ms per join
        # (kernel/cgroup/cgroup.c, cgroup_procs_write_start). A forked child
        # has one thread, so moving it moves the whole process.
        return [d / "tasks" for d in dict.fromkeys(self._dir.values())]

    def _dirs(self) -> list[Path]:
        return list(dict.fromkeys(self._dir.values()))

    def controller_path(self, controller: str) -> Path:
        return self._dir[controller]

    def create(self, limits: Limits, allowed_devices: Sequence[DeviceRule] | None = devices.DEFAULT_RULES) -> None:
        for d in self._dirs():
            d.mkdir(parents=True, exist_ok=True)

        def limit() -> None:
            self._limit_devices(allowed_devices)
            self._write_limits(limits)
        self._undo_on_error(limit)

    def _limit_devices(self, rules: Sequence[DeviceRule] | None) -> None:
        """Deny every device, then allow each rule (cgroup-v1/devices.rst).

        A new group starts with its parent's list (for box/, the root's "a *:* rwm"),
        so "a" must be denied first. The kernel takes one rule per write(2).
        """
        if rules is None:
            return
        directory = self._dir["devices"]
        _write(directory / "devices.deny", "a")
        fd = os.open(directory / "devices.allow", os.O_WRONLY | os.O_CLOEXEC)
        try:
            for line in devices.v1_lines(rules):
                try:
                    os.write(fd, line.encode())
                except OSError as err:
                    raise OSError(err.errno, f"write {line!r} to {directory / 'devices.allow'}: {err.strerror}") from None
        finally:
            os.close(fd)

    def _write_limits(self, limits: Limits) -> None:
        mem, cpu = self._dir["memory"], self._dir["cpu"]
        if limits.memory_bytes is not None:
            files = [mem / "memory.limit_in_bytes"]
            if (mem / "memory.memsw.limit_in_bytes").exists():  # no swapping past the limit either
                files.append(mem / "memory.memsw.limit_in_bytes")
            # memsw may never be below the memory limit (EINVAL), so when a live
            # group's limit is raised (update), memsw has to move first.
            current = _read_int(mem / "memory.limit_in_bytes")
            if current is not None and limits.memory_bytes > current:
                files.reverse()
            for f in files:
                _write(f, str(limits.memory_bytes))
        if limits.cpus is not None:
            _write(cpu / "cpu.cfs_period_us", str(CFS_PERIOD_US))
            _write(cpu / "cpu.cfs_quota_us", str(max(1000, round(limits.cpus * CFS_PERIOD_US))))
        if limits.pids is not None:
            _write(self._dir["pids"] / "pids.max", str(limits.pids))

    def usage(self) -> Usage:
        mem = self._dir["memory"]
        stat = _keyed(mem / "memory.stat")
        io = {"Read": 0, "Write": 0}
        for line in (_read(self._dir["blkio"] / "blkio.throttle.io_service_bytes_recursive") or "").splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1] in io:
                io[parts[1]] += int(parts[2])
        cpu_ns = _read_int(self._dir["cpuacct"] / "cpuacct.usage")
        return Usage(
            memory_current_bytes=_read_int(mem / "memory.usage_in_bytes"),
            memory_peak_bytes=_read_int(mem / "memory.max_usage_in_bytes"),
            anon_bytes=stat.get("total_rss"), file_bytes=stat.get("total_cache"),
            cpu_s=cpu_ns / 1e9 if cpu_ns is not None else None,
            io_read_bytes=io["Read"], io_write_bytes=io["Write"],
            pids_current=_read_int(self._dir["pids"] / "pids.current"),
            oom_kills=_keyed(mem / "memory.oom_control").get("oom_kill"),
        )


class CgroupV2(Cgroup):
    """cgroup v2: one unified tree; controllers are switched on for children
    by writing "+memory +cpu …" to the parent's cgroup.subtree_control."""

    version = "v2"
    CONTROLLERS = ("memory", "cpu", "pids", "io")

    def __init__(self, name: str, root: Path = ROOT, parent: str = PARENT) -> None:
        super().__init__(name, parent)
        self._root = root
        self._dir = root / parent / name

    @property
    def path(self) -> Path:
        return self._dir

    @property
    def procs_files(self) -> list[Path]:
        return [self._dir / "cgroup.procs"]

    @property
    def self_join_files(self) -> list[Path]:
        # cgroup.threads works only in threaded subtrees; a domain group is
        # joined whole (clone3's CLONE_INTO_CGROUP would avoid the move).
        return self.procs_files

    def _dirs(self) -> list[Path]:
        return [self._dir]

    def controller_path(self, controller: str) -> Path:
        return self._dir

    def _enable_controllers(self, parent: Path) -> None:
        available = set((_read(parent / "cgroup.controllers") or "").split())
        wanted = [c for c in self.CONTROLLERS if c in available]
        enabled = set((_read(parent / "cgroup.subtree_control") or "").split())
        if set(wanted) - enabled:
            _write(parent / "cgroup.subtree_control", " ".join(f"+{c}" for c in wanted))

    def create(self, limits: Limits, allowed_devices: Sequence[DeviceRule] | None = devices.DEFAULT_RULES) -> None:
        self._enable_controllers(self._root)
        (self._root / self.parent).mkdir(exist_ok=True)
        self._enable_controllers(self._root / self.parent)
        self._dir.mkdir(exist_ok=True)

        def limit() -> None:
            # v2 has no devices files: a BPF program attached to the group decides (cgroup-v2.rst, "Device controller").
            if allowed_devices is not None:
                devices.attach(self._dir, allowed_devices)
            self._write_limits(limits)
        self._undo_on_error(limit)

    def _write_limits(self, limits: Limits) -> None:
        d = self._dir
        if limits.memory_bytes is not None:
            _write(d / "memory.max", str(limits.memory_bytes))
            if (d / "memory.swap.max").exists():
                _write(d / "memory.swap.max", "0")
        if limits.cpus is not None:
            _write(d / "cpu.max", f"{max(1000, round(limits.cpus * CFS_PERIOD_US))} {CFS_PERIOD_US}")
        if limits.pids is not None:
            _write(d / "pids.max", str(limits.pids))

    def usage(self) -> Usage:
        d = self._dir
        stat = _keyed(d / "memory.stat")
        cpu_us = _keyed(d / "cpu.stat").get("usage_usec")
        read = write = 0
        for line in (_read(d / "io.stat") or "").splitlines():
            for field in line.split()[1:]:
                key, _, value = field.partition("=")
                read += int(value) if key == "rbytes" else 0
                write += int(value) if key == "wbytes" else 0
        return Usage(
            memory_current_bytes=_read_int(d / "memory.current"),
            memory_peak_bytes=_read_int(d / "memory.peak"),  # Linux 5.19 and later
            anon_bytes=stat.get("anon"), file_bytes=stat.get("file"),
            cpu_s=cpu_us / 1e6 if cpu_us is not None else None,
            io_read_bytes=read, io_write_bytes=write,
            pids_current=_read_int(d / "pids.current"),
            oom_kills=_keyed(d / "memory.events").get("oom_kill"),
        )

    def destroy(self, timeout_s: float = 5.0) -> None:
        if (self._dir / "cgroup.kill").exists():  # Linux 5.14: kill every process in one write
            try:
                _write(self._dir / "cgroup.kill", "1")
            except OSError:
                pass
        super().destroy(timeout_s)


def remove_group_dir(directory: Path, deadline: float) -> None:
    """rmdir(2) a group's directory, retrying while it is EBUSY: its last process is not reaped yet."""
    while directory.is_dir():
        try:
            directory.rmdir()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.005)


def host_version(root: Path = ROOT) -> str:
    """'v2' when the unified hierarchy holds the controllers, else 'v1'.

    ``BOX_CGROUP=v1|v2`` overrides, for tests.
    """
    forced = os.environ.get("BOX_CGROUP")
    if forced in ("v1", "v2"):
        return forced
    return "v2" if (root / "cgroup.controllers").exists() else "v1"


def for_host(name: str, parent: str = PARENT) -> Cgroup:
    """The manager for this kernel's cgroup layout, for a group ``parent/name``."""
    return CgroupV2(name, parent=parent) if host_version() == "v2" else CgroupV1(name, parent=parent)
