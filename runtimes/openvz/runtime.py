"""vz as a runtime of the suite ("openvz"): one system container per scenario, the probe exec'd into it.

A system container is booted once and then used, so that is how the suite
drives it:

- **setup** (``setup()``): create a CT from the suite's image (the OS
  template "isobench"), start it and wait for its init — the time that takes
  is ``vz_ct_start_s``, with the idle CT's memory beside it, reported through
  ``setup_observations`` (stored as a run of their own);
- **each instance**: one ``exec`` of the probe inside the running CT, so
  launch → READY is the exec latency; the memory figures cover the whole CT
  (its cgroup; host PSS of all its processes, init included), and "isolation
  overhead" is what the CT costs beyond the probe itself;
- **cleanup** (``__exit__``, through ``_cleanup``): stop and destroy the CT.

The CT lives in vz's usual place ($VZ_ROOT, /var/lib/vz), so `vz list` shows
it while a benchmark runs. Its CTID is the first free one from 900, its
address 10.213.<CTID / 256>.<CTID % 256>. Its DESCRIPTION marks it as the
suite's: a later setup removes one left behind by a killed `bench run`.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import signal
import subprocess
from pathlib import Path

import psutil

from runtimes.kernel.errors import InstanceError
from runtimes.kernel.memory import cgroup_memory, pss_bytes
from runtimes._process import ForkedInstance
from runtimes.base import Availability, Instance, InstanceSpec, Limits, Orphan, Runtime
from runtimes.kernel import cgroups, seccomp
from runtimes.kernel.messages import Message, message_of, say
from runtimes.kernel.process import age_s, parent_pid
from runtimes.openvz import config as conf
from runtimes.openvz import net, resources, state
from runtimes.openvz.ct import Engine, vz_root
from runtimes.openvz.join import Started
from runtimes.openvz.errors import VzError

SUITE_DESCRIPTION = "isobench suite CT, made and destroyed by bench run"
SUITE_CTIDS = range(900, 1000)
TOOLS = {"ip": "iproute2", "nsenter": "util-linux", "mkfs.ext4": "e2fsprogs"}


class VzInstance(ForkedInstance):
    """One exec into the running CT; its host process is the exec helper (box-init).

    ``own_ct``: the CT was made for this instance alone (``start_separate``);
    closing the instance stops and destroys it too, after the exec is done.
    """

    def __init__(self, engine: Engine, ctid: int, started: Started, output_fd: int,
                 own_ct: contextlib.ExitStack | None = None) -> None:
        self._engine, self._ctid, self._started = engine, ctid, started
        self._own_ct = own_ct
        self._workload: psutil.Process | None = None
        super().__init__("openvz", started.pid, output_fd)
        self._cleanup.callback(os.close, started.error_fd)
        self._cleanup.callback(os.close, output_fd)
        self._cgroup = resources.cgroup(ctid)

    def close(self) -> None:
        try:
            super().close()
        finally:
            if self._own_ct is not None:
                self._own_ct.close()

    def _signal_tree(self, sig: int) -> None:
        # The helper passes SIGTERM on to the probe. SIGKILL cannot be passed
        # on, so the probe (in the CT's PID namespace, but visible from here)
        # gets it directly, before the helper.
        targets = [self._workload_process()] if sig == signal.SIGKILL else []
        for proc in targets:
            if proc is not None:
                try:
                    proc.send_signal(sig)
                except psutil.NoSuchProcess:
                    pass
        try:
            os.kill(self.pid, sig)
        except ProcessLookupError:
            pass

    def _workload_process(self) -> psutil.Process | None:
        if self._workload is None:
            try:
                children = psutil.Process(self.pid).children()
                self._workload = children[0] if children else None
            except psutil.NoSuchProcess:
                return None
        return self._workload

    def _exited_early_message(self, status: int) -> Message:
        setup = self._started.setup_error()
        return say("vz.exec-failed", said=setup) if setup else super()._exited_early_message(status)

    @property
    def host_pids(self) -> tuple[int, ...]:
        """Every process of the CT: its init, the exec helper, the probe."""
        return tuple(self._engine.processes(self._ctid))

    @property
    def workload_pid(self) -> int | None:
        proc = self._workload_process()
        return proc.pid if proc is not None else None

    @property
    def cgroup(self) -> Path | None:
        return self._cgroup.path



def _half_created(engine: Engine) -> list[Orphan]:
    """What a `vz create` killed midway left: a disk image or its staging tree, with no config (so no CT).

    A create in progress holds the CT's lock, so only unlocked ones are taken.
    """
    found = []
    for path in sorted((engine.root / "private").iterdir()):
        ident = path.name.removeprefix(".").partition("-")[0].removesuffix(".img")
        if not ident.isdigit() or engine.exists(int(ident)):
            continue
        with engine._lock(int(ident), blocking=False) as free:  # noqa: SLF001 — the engine's own per-CT lock
            if free:
                remove = functools.partial(shutil.rmtree, path) if path.is_dir() else path.unlink
                found.append(Orphan("openvz", "half-created CT", f"{path.name} (no {ident}.conf)", remove))
    return found


def _unowned_groups(engine: Engine) -> list[Orphan]:
    """Empty vz/CTID cgroups of no CT running here, a minute old: what a killed `vz start` or harness left.

    A CT running under another VZ_ROOT has processes in its group, and one
    being started right now is younger than a minute, so neither is taken.
    """
    try:
        parent = resources.cgroup(0).path.parent
    except OSError:
        return []
    found = []
    for group in sorted(parent.iterdir()) if parent.is_dir() else []:
        if not (group.is_dir() and group.name.isdigit()) or engine.state_path(int(group.name)).exists():
            continue
        cgroup = resources.cgroup(int(group.name))
        if not cgroup.pids() and age_s(group) > 60:
            found.append(Orphan("openvz", "cgroup", f"{parent.name}/{group.name}", cgroup.destroy))
    return found


def _stop_and_destroy(engine: Engine, ctid: int) -> None:
    engine.stop(ctid, fast=True)
    _destroy_stopped(engine, ctid)


def _destroy_stopped(engine: Engine, ctid: int) -> None:
    engine.get(ctid)  # cleans up after a dead init first
    engine.destroy(ctid)
    group = resources.cgroup(ctid)
    if group.exists() and not group.pids():  # made by a `vz start` killed before it recorded the CT's init
        group.destroy()


def suite_ip(ctid: int) -> str:
    return f"10.213.{ctid // 256}.{ctid % 256}"


class OpenVZ(Runtime):
    name = "openvz"
    summary = ("OpenVZ-style system container (vz): its own init as PID 1, hostname, IP on a veth pair, cgroup "
               "limits, an ext4 disk image with a quota (runtimes/openvz/)")
    launch = ("exec into a CT started once per scenario: fork, join the CT's cgroup and all its namespaces with "
              "one setns(2), drop to the CT's capabilities, exec of a small static helper that forks the probe "
              "inside the CT. The CT's own start (vz_ct_start_s) is measured apart, once per scenario; "
              "memory figures are the whole CT's, and limits apply to the whole CT")

    @classmethod
    def available(cls) -> Availability:
        if os.geteuid() != 0:
            return Availability.no(say("vz.needs-root"), say("fix.run-as-root"))
        for tool, package in TOOLS.items():
            if shutil.which(tool) is None:
                return Availability.no(say("tool.not-found", tool=tool), say("fix.install", package=package))
        if not os.path.exists("/dev/loop-control"):
            return Availability.no(say("vz.no-loop-devices"), say("fix.modprobe", module="loop"))
        if "ext4" not in Path("/proc/filesystems").read_text():
            return Availability.no(say("kernel.no-filesystem", filesystem="ext4"), say("fix.modprobe", module="ext4"))
        try:
            cgroups.for_host("availability-check", parent=resources.PARENT)
        except OSError as err:
            return Availability.no(say("cgroups.unusable", reason=message_of(err)), say("fix.mount-cgroups"))
        if not seccomp.available():  # vz refuses to start a CT it cannot filter
            return Availability.no(say("seccomp.binding-missing"), say("fix.install-or-provision", package="python3-seccomp"))
        return Availability.yes()

    def versions(self) -> dict[str, str | Message]:
        def first_line(argv: list[str]) -> str | Message:
            done = subprocess.run(argv, capture_output=True, text=True)
            return ((done.stdout or done.stderr).strip().splitlines() or [say("version.unknown")])[0]

        return {"cgroup": cgroups.host_version(), "iproute2": first_line(["ip", "-V"]),
                "e2fsprogs": first_line(["mkfs.ext4", "-V"]), "init": "busybox init",
                "seccomp": say("seccomp.filter") if seccomp.available() else say("seccomp.none")}

    def setup(self) -> None:
        self.engine = Engine()
        self._remove_stale()
        self.ctid = self._free_ctid()
        self.engine.create(self.ctid, hostname="isobench", ips=[suite_ip(self.ctid)],
                           description=SUITE_DESCRIPTION)
        self._cleanup.callback(self.engine.destroy, self.ctid)
        ct = self.engine.start(self.ctid, die_with_parent=True)
        # A fast stop: the CT is destroyed right after, and the kernel still
        # unmounts its disk cleanly when its namespaces go.
        self._cleanup.callback(self.engine.stop, self.ctid, fast=True)
        assert ct.state is not None
        self._applied = Limits()
        self._setup = {"vz_ct_start_s": ct.state.start_s, "vz_ct_init_s": ct.state.init_s,
                       **self._idle_memory()}

    @classmethod
    def orphans(cls) -> list[Orphan]:
        """CTs whose init died without a `vz stop` (their cgroup, veth, loop device), and stopped suite CTs."""
        if os.geteuid() != 0 or not vz_root().is_dir():
            return []
        engine = Engine()
        found = []
        for path in sorted((engine.root / "run").glob("*.json")):
            run = state.load(path)
            if path.stem.isdigit() and run is not None and not state.alive(run.pid, run.pid_start):
                found.append(Orphan(cls.name, "dead CT's leftovers", f"CT {path.stem}: cgroup, veth pair, loop device",
                                    functools.partial(engine.get, int(path.stem))))  # get() cleans a dead CT up
        for path in sorted((engine.root / "conf").glob("*.conf")):
            ctid = int(path.stem) if path.stem.isdigit() else None
            if ctid is not None and conf.load(path, ctid).description == SUITE_DESCRIPTION:
                run = state.load(engine.state_path(ctid))
                if run is None or not state.alive(run.pid, run.pid_start):
                    found.append(Orphan(cls.name, "container", f"CT {ctid} (the suite's, stopped)",
                                        functools.partial(_destroy_stopped, engine, ctid)))
                elif parent_pid(run.pid) == 1:  # its `bench run` died before the CT's init could follow it
                    found.append(Orphan(cls.name, "container", f"CT {ctid} (the suite's, its harness gone)",
                                        functools.partial(_stop_and_destroy, engine, ctid)))
        return found + _half_created(engine) + _unowned_groups(engine)

    def _remove_stale(self) -> None:
        """CTs of an earlier `bench run` that was killed (its CT died with it): destroy them."""
        for ct in self.engine.list(all=True):
            if ct.config.description == SUITE_DESCRIPTION and not ct.running:
                self.engine.destroy(ct.ctid)

    def _free_ctid(self, after: int | None = None) -> int:
        """The first free suite CTID after ``after``, wrapping round (from the range's start when None).

        Separate CTs take IDs in turn rather than the lowest free one: the
        kernel removes a stopped CT's network namespace, and with it its veth,
        a little later, so an ID just given back may still have a device.
        """
        used_ips = self.engine.ips_in_use()
        first = 0 if after is None else (after + 1 - SUITE_CTIDS.start) % len(SUITE_CTIDS)
        for ctid in (*SUITE_CTIDS[first:], *SUITE_CTIDS[:first]):
            if not (self.engine.exists(ctid) or net.exists(net.host_device(ctid))
                    or resources.cgroup(ctid).exists() or suite_ip(ctid) in used_ips):
                return ctid
        raise VzError(say("vz.no-free-ctid", first=SUITE_CTIDS.start, last=SUITE_CTIDS.stop - 1))

    def _idle_memory(self) -> dict[str, float]:
        figures = {}
        pss = pss_bytes(self.engine.processes(self.ctid))
        if pss is not None:
            figures["vz_ct_pss_bytes"] = pss
        group = cgroup_memory(resources.cgroup(self.ctid).path)
        for key, name in (("cgroup_anon_bytes", "vz_ct_anon_bytes"), ("cgroup_cache_bytes", "vz_ct_cache_bytes")):
            if key in group:
                figures[name] = group[key]
        return figures

    def setup_observations(self) -> dict[str, float]:
        return dict(getattr(self, "_setup", {}))

    def repeat_setup(self) -> dict[str, float]:
        """Stop the suite's CT and start it again: one more sample of its start and idle memory.

        The stop is the fast one (as at cleanup); only the start is timed, by
        the engine, exactly as in the setup.
        """
        self.engine.stop(self.ctid, fast=True)
        ct = self.engine.start(self.ctid, die_with_parent=True)
        assert ct.state is not None
        self._applied = Limits()  # a fresh cgroup: a scenario's limits are applied again at the next start
        return {"vz_ct_start_s": ct.state.start_s, "vz_ct_init_s": ct.state.init_s, **self._idle_memory()}

    def start_separate(self, spec: InstanceSpec) -> Instance:
        """A CT of its own for this instance (created, started, the probe exec'd), destroyed when it closes."""
        self.ensure_set_up()
        ctid = self._last_separate = self._free_ctid(after=getattr(self, "_last_separate", self.ctid))
        undo = contextlib.ExitStack()
        try:
            self.engine.create(ctid, hostname="isobench", ips=[suite_ip(ctid)], description=SUITE_DESCRIPTION)
            undo.callback(self.engine.destroy, ctid)
            self.engine.start(ctid, die_with_parent=True)
            undo.callback(self.engine.stop, ctid, fast=True)
            if spec.limits != Limits():
                resources.update(resources.cgroup(ctid), spec.limits, None)
            return self._exec(ctid, spec.argv, own_ct=undo)
        except VzError as err:
            undo.close()
            raise InstanceError(say("vz.ct-failed", ctid=ctid, reason=message_of(err))) from None
        except BaseException:
            undo.close()
            raise

    def start(self, spec: InstanceSpec) -> Instance:
        self.ensure_set_up()
        if spec.limits != self._applied:  # a scenario's [limits] apply to the whole CT
            resources.update(resources.cgroup(self.ctid), spec.limits, None)
            self._applied = spec.limits
        return self._exec(self.ctid, spec.argv)

    def _exec(self, ctid: int, argv: tuple[str, ...], own_ct: contextlib.ExitStack | None = None) -> VzInstance:
        read_fd, write_fd = os.pipe()
        devnull = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
        try:
            started = self.engine.exec_in(ctid, argv, (devnull, write_fd, write_fd))
        except VzError as err:
            os.close(read_fd)
            raise InstanceError(say("vz.failed", reason=message_of(err))) from None
        finally:
            os.close(write_fd)
            os.close(devnull)
        return VzInstance(self.engine, ctid, started, read_fd, own_ct)
