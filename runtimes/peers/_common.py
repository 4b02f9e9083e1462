"""What the peers share: instance names, a writable copy of the image, tool checks, the instance type.

Names: every container a peer makes is called ``isobench-<tag>-<runtime>-<8 hex>``,
where the tag names the state directory (as the libvirt runtime's domains
are): ``crun list``, ``podman ps`` or ``lxc-ls`` tell which suite run a
container belongs to, and the tests' leak check sees only its own session's.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import psutil

from runtimes._process import SpawnedInstance
from runtimes.base import Availability, Instance, InstanceSpec, Runtime
from runtimes.kernel import cgroups
from runtimes.image import Image
from runtimes.kernel.paths import scratch_root, state_dir
from runtimes.kernel.messages import Message, say


def session_tag() -> str:
    """Six hex digits naming this state directory (one suite run, or one test session)."""
    return hashlib.sha256(str(state_dir()).encode()).hexdigest()[:6]


def name_prefix(runtime: str) -> str:
    return f"isobench-{session_tag()}-{runtime}-"


def instance_name(runtime: str) -> str:
    """A fresh, unique container name for one instance."""
    return f"{name_prefix(runtime)}{uuid.uuid4().hex[:8]}"


def first_line(argv: Sequence[str]) -> str | Message:
    """The first line a command prints (its version, say), or why it printed none (a message)."""
    try:
        done = subprocess.run(list(argv), capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as err:
        return say("version.unknown-said", said=str(err))
    return ((done.stdout or done.stderr).strip().splitlines() or [say("version.unknown")])[0]


def check_tools(tools: dict[str, str]) -> Availability | None:
    """Root and every tool (name → Debian package) present; else the Availability saying what is missing."""
    if os.geteuid() != 0:
        return Availability.no(say("peers.needs-root"), say("fix.run-as-root"))
    for tool, package in tools.items():
        if shutil.which(tool) is None:
            return Availability.no(say("tool.not-found", tool=tool), say("fix.install-or-provision", package=package))
    return None


def check_answers(argv: Sequence[str], package: str) -> Availability:
    """The tool runs and exits 0 (e.g. ``crun --version``): installed *and* working."""
    try:
        done = subprocess.run(list(argv), capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as err:
        return Availability.no(say("tool.failed", command=" ".join(argv), said=str(err)),
                               say("fix.reinstall", package=package))
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip().splitlines()
        return Availability.no(say("tool.exited", command=" ".join(argv), status=done.returncode,
                                   said=said[-1] if said else say("tool.no-output")),
                               say("fix.reinstall", package=package))
    return Availability.yes()


def writable_copy(image: Image, runtime: str, cleanup: Callable[[Callable[[], None]], None]) -> Path:
    """A private, writable copy of the image's tree for one runtime's setup; removed at its cleanup.

    The probe writes its files (``io``) into its root, and the image itself
    is a shared cache that must stay untouched. ``cleanup`` is the runtime's
    ExitStack ``callback``-like registration.
    """
    parent = Path(tempfile.mkdtemp(prefix=f"{runtime}-", dir=scratch_root()))
    cleanup(lambda: shutil.rmtree(parent, ignore_errors=True))
    shutil.copytree(image.rootfs, parent / "rootfs", symlinks=True)
    return parent


def cgroup_names(parent: str, prefix: str) -> list[str]:
    """Names of the groups ``parent/NAME`` in any hierarchy whose NAME starts with ``prefix``."""
    root = Path("/sys/fs/cgroup")
    return sorted({d.name for hierarchy in [*root.glob(f"*/{parent}"), root / parent] if hierarchy.is_dir()
                   for d in hierarchy.iterdir() if d.is_dir() and d.name.startswith(prefix)})


def remove_cgroups(parent: str, names: Iterable[str], timeout_s: float = 5.0) -> None:
    """Kill what is left in the groups ``parent/NAME`` of every hierarchy, then remove them.

    A tool removes its own groups when its container ends normally; this is
    for the other paths (its launcher was killed, and the container, in a
    session of its own, lived on). rmdir(2) fails with EBUSY while a process
    of the group has not been reaped yet, so it is retried until ``timeout_s``.
    """
    root = Path("/sys/fs/cgroup")
    groups = [d for hierarchy in [*root.glob(f"*/{parent}"), root / parent] for name in names
              if (d := hierarchy / name).is_dir()]
    for group in groups:
        with contextlib.suppress(OSError):
            for pid in (group / "cgroup.procs").read_text().split():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(pid), signal.SIGKILL)
    deadline = time.monotonic() + timeout_s
    for group in groups:
        try:
            tree = sorted(group.glob("**/"), key=lambda p: len(p.parts), reverse=True)  # children first
        except FileNotFoundError:  # its tool removed it meanwhile (runc does, once the init is reaped)
            continue
        for d in tree:
            cgroups.remove_group_dir(d, deadline)


class PeerInstance(SpawnedInstance):
    """A peer's launcher on the host (``crun run``, ``lxc-execute``, ``bwrap`` …) and what it started.

    The launcher stays in the foreground until the workload ends, as each
    tool does when run by hand, so its process tree holds the instance; a
    tool that hands the container to a daemon of its own (podman's conmon)
    names those processes with ``extra_roots``. ``finish`` callbacks run at
    close, after the workload is gone: deleting the container's state, its
    bundle, the cgroups the tool left.
    """

    def __init__(self, name: str, argv: Sequence[str], workload_argv0: str, *, cgroup: Path | None = None,
                 pass_fds: Sequence[int] = (), finish: Iterable[Callable[[], None]] = ()) -> None:
        finish = list(finish)
        try:
            super().__init__(name, argv, pass_fds=pass_fds)
        except BaseException:
            # Nothing was launched, or it is already reaped: undo what the runtime made for it (a mount, a cgroup).
            with contextlib.ExitStack() as undo:
                for callback in finish:
                    undo.callback(callback)
            raise
        self._argv0 = workload_argv0
        self._cgroup_dir = cgroup
        self._workload: int | None = None
        # Registered after the base class's own clean-up, so these run first on
        # close; each makes sure the launcher is gone before it removes anything.
        # The stack runs last-in first, so they are pushed in reverse to run in order.
        for callback in reversed(finish):
            self._cleanup.callback(self._after_exit, callback)

    def _after_exit(self, callback: Callable[[], None]) -> None:
        try:
            self._kill_if_running()
        finally:
            callback()  # a failed kill must not leave the runtime's mount or cgroup behind

    def extra_roots(self) -> tuple[int, ...]:
        """Host processes of the instance that are not the launcher's descendants."""
        return ()

    def _tree(self) -> list[psutil.Process]:
        found = []
        for pid in (self.pid, *self.extra_roots()):
            try:
                root = psutil.Process(pid)
                found += [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                continue
        return found

    @property
    def host_pids(self) -> tuple[int, ...]:
        return tuple(dict.fromkeys(p.pid for p in self._tree()))

    @property
    def workload_pid(self) -> int | None:
        """The process running the workload's program, inside the container."""
        if self._workload is None or not psutil.pid_exists(self._workload):
            self._workload = None
            for proc in self._tree():
                try:
                    if proc.pid != self.pid and proc.cmdline()[:1] == [self._argv0]:
                        self._workload = proc.pid
                        break
                except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
                    continue
        return self._workload

    @property
    def cgroup(self) -> Path | None:
        return self._cgroup_dir if self._cgroup_dir is not None and self._cgroup_dir.is_dir() else None


class CopiedRootRuntime(Runtime):
    """A peer that runs the probe in a private, writable copy of the image (``writable_copy``), made at setup."""

    def setup(self) -> None:
        self.root = writable_copy(self.image, self.name, self._cleanup.callback) / "rootfs"

    def start(self, spec: InstanceSpec) -> Instance:
        self.ensure_set_up()
        return PeerInstance(self.name, self.argv(spec), spec.argv[0], pass_fds=spec.inherited_fds)

    def argv(self, spec: InstanceSpec) -> list[str]:
        """The command line that starts ``spec``'s workload in ``self.root``."""
        raise NotImplementedError
