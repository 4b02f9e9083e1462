"""box as a runtime of the suite: the probe in a box container, via the library API.

Each instance is what `box run --rm` does, minus the command line: create a
container from the suite's image, start it with its output on a pipe, and
remove it afterwards. The suite's one image is imported into box's store once
under a fixed name (``isobench:latest``), re-imported only when its content
digest changes, so box starts the very bytes every other runtime starts.
"""

from __future__ import annotations

import functools
import os
import shutil
from pathlib import Path

import psutil

from runtimes._process import ForkedInstance
from runtimes.base import Availability, Instance, InstanceSpec, Orphan, Runtime
from runtimes.kernel import cgroups, seccomp
from runtimes.kernel.messages import Message, message_of, say
from runtimes.box.container import Container, Engine, Started, root_dir
from runtimes.box.errors import BoxError, NoSuchImage
from runtimes.box.state import Status, load_config, load_state
from runtimes.kernel.process import age_s, is_running, parent_pid

SUITE_IMAGE = "isobench:latest"
DIGEST_LABEL = "org.isobench.image.digest"


class BoxInstance(ForkedInstance):
    """A running box container; its host process is box-init, PID 1 inside."""

    def __init__(self, engine: Engine, container: Container, started: Started, output_fd: int) -> None:
        self._engine, self._container, self._started = engine, container, started
        super().__init__("box", started.pid, output_fd)
        # Registered after the base class's clean-up, so they run first on close:
        # the container is finished and removed once its process is gone.
        self._cleanup.callback(self._remove)
        self._cleanup.callback(os.close, started.error_fd)
        self._cleanup.callback(os.close, output_fd)
        self._cgroup = container.cgroup()

    def _signal_tree(self, sig: int) -> None:
        # box-init passes SIGTERM on to the command; SIGKILL to PID 1 kills
        # every process of its PID namespace at once (pid_namespaces(7)).
        try:
            os.kill(self.pid, sig)
        except ProcessLookupError:
            pass

    def _exited_early_message(self, status: int) -> Message:
        setup = self._started.setup_error()
        if setup:
            return say("box.setup-failed", said=setup)
        return super()._exited_early_message(status)

    @property
    def cgroup(self) -> Path | None:
        return self._cgroup.path

    @property
    def workload_pid(self) -> int | None:
        """The command box-init started: its only child."""
        try:
            children = psutil.Process(self.pid).children()
        except psutil.NoSuchProcess:
            return None
        return children[0].pid if children else None

    def observations(self) -> dict[str, float]:
        """The container's cgroup usage, and how long each containment step took."""
        self._started.setup_error()  # the pipe is at EOF by now: this only parses what came
        figures: dict[str, float | None] = {f"box_step_{k}_s": v for k, v in self._started.step_seconds.items()}
        if self._cgroup.exists():
            usage = self._cgroup.usage()
            figures |= {"cgroup_cpu_s": usage.cpu_s, "cgroup_memory_peak_bytes": usage.memory_peak_bytes,
                        "cgroup_io_read_bytes": usage.io_read_bytes, "cgroup_io_write_bytes": usage.io_write_bytes}
        return {k: float(v) for k, v in figures.items() if v is not None}

    def _remove(self) -> None:
        if self.returncode is None:
            self._kill_if_running()
        self._engine.finish(self._container)
        self._engine.remove(self._container, force=True)


def _is_orphan(directory: Path) -> bool:
    """A `--rm` container whose process is gone (or a directory a killed `create` left without its config)."""
    if not (directory / "config.json").exists():
        return age_s(directory) > 60
    try:
        config, st = load_config(directory), load_state(directory)
    except (OSError, ValueError, TypeError, KeyError):
        return age_s(directory) > 60
    if not config.auto_remove:
        return False  # an exited container is kept until `box rm`, as Docker keeps it
    if st.status is Status.CREATED:
        # Made, maybe forked, but its start not recorded: a suite run killed in
        # between. Anyone else's is left a minute to start; so is a suite
        # container whose cgroup holds a process that still has its parent.
        members = cgroups.for_host(config.id).pids() if cgroups.for_host(config.id).exists() else []
        if config.image == SUITE_IMAGE and not config.detach:
            return all(parent_pid(pid) in (1, None) for pid in members)
        return age_s(directory) > 60
    if not (st.status is Status.RUNNING and is_running(st.pid, st.pid_start)):
        return True
    # Still running: an orphan if nobody is attached any more. A killed parent
    # normally takes it along (die_with_parent), unless it died before the
    # child's prctl(PR_SET_PDEATHSIG); then the kernel gave it to init.
    return not config.detach and parent_pid(st.pid) == 1


def _remove_directory(engine: Engine, directory: Path) -> None:
    try:
        engine.remove(engine.get(directory.name), force=True)
    except (BoxError, OSError, ValueError, TypeError, KeyError):
        shutil.rmtree(directory, ignore_errors=True)
        group = cgroups.for_host(directory.name)
        if group.exists():
            group.destroy()


class BoxRuntime(Runtime):
    name = "box"
    summary = "isobench's own container runtime: namespaces, cgroups, OverlayFS, pivot_root (runtimes/box/)"
    launch = ("fork of the harness into a new PID namespace, then in the child: cgroup, namespaces, OverlayFS, "
              "pivot_root, /proc /sys /dev, capabilities and seccomp, exec of box-init, which starts the probe")

    @classmethod
    def available(cls) -> Availability:
        if os.geteuid() != 0:
            return Availability.no(say("box.needs-root"), say("fix.run-as-root"))
        if "overlay" not in Path("/proc/filesystems").read_text():
            return Availability.no(say("kernel.no-filesystem", filesystem="OverlayFS"), say("fix.modprobe", module="overlay"))
        try:
            cgroups.for_host("availability-check")
        except OSError as err:
            return Availability.no(say("cgroups.unusable", reason=message_of(err)), say("fix.mount-cgroups"))
        if not seccomp.available():  # box refuses to start a container it cannot filter
            return Availability.no(say("seccomp.binding-missing"), say("fix.install-or-provision", package="python3-seccomp"))
        return Availability.yes()

    @classmethod
    def orphans(cls) -> list[Orphan]:
        """Suite containers (``--rm``) whose process is gone but whose directory stayed, and groups nobody owns.

        The harness starts its containers with die_with_parent, so a killed
        `bench run` takes their processes along; what stays is the state on
        disk and the cgroup. An empty group of box's with no container in
        this BOX_ROOT is removed once it is a minute old (a `box run` of
        another BOX_ROOT may be creating it right now).
        """
        if os.geteuid() != 0 or not root_dir().is_dir():
            return []
        engine = Engine()
        found, known = [], set()
        for directory in sorted(engine.containers_dir.iterdir()):
            known.add(directory.name)
            if _is_orphan(directory):
                found.append(Orphan(cls.name, "container", directory.name[:12],
                                    functools.partial(_remove_directory, engine, directory)))
        try:
            parent = cgroups.for_host("orphans").path.parent
        except OSError:
            return found
        for group in sorted(parent.iterdir()) if parent.is_dir() else []:
            cgroup = cgroups.for_host(group.name)
            if group.is_dir() and group.name not in known and not cgroup.pids() and age_s(group) > 60:
                found.append(Orphan(cls.name, "cgroup", f"{parent.name}/{group.name}", cgroup.destroy))
        return found

    def versions(self) -> dict[str, str]:
        return {"cgroup": cgroups.host_version(),
                "seccomp": say("seccomp.filter") if seccomp.available() else say("seccomp.none")}

    def setup(self) -> None:
        self.engine = Engine()
        try:
            current = self.engine.images.resolve(SUITE_IMAGE)
            fresh = current.config.get("config", {}).get("Labels", {}).get(DIGEST_LABEL) == self.image.digest
        except NoSuchImage:
            fresh = False
        if not fresh:
            self.engine.images.import_rootfs(self.image.rootfs, SUITE_IMAGE, labels={DIGEST_LABEL: self.image.digest})

    def start(self, spec: InstanceSpec) -> Instance:
        self.ensure_set_up()
        container = self.engine.create(SUITE_IMAGE, spec.argv, hostname=spec.hostname, limits=spec.limits,
                                       auto_remove=True)
        read_fd, write_fd = os.pipe()
        devnull = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
        try:
            started = self.engine.start(container, (devnull, write_fd, write_fd), die_with_parent=True)
        except BaseException:
            os.close(read_fd)
            self.engine.remove(container, force=True)
            raise
        finally:
            os.close(write_fd)
            os.close(devnull)
        return BoxInstance(self.engine, container, started, read_fd)
