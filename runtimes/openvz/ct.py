"""The vz engine: create, set, start, stop, exec, list and destroy containers (vzctl(8)'s model).

Runs on the host, in the caller's process (the `vz` command or the benchmark
harness); there is no daemon. Everything a CT is lives under one directory,
``$VZ_ROOT`` (default /var/lib/vz), laid out like OpenVZ's /vz:

    conf/<CTID>.conf      its configuration (config.py)
    private/<CTID>.img    its disk: an ext4 image, the disk quota (disk.py)
    root/<CTID>/          where the disk is mounted, inside the CT's own mount namespace only
    run/<CTID>.json       while it runs: init's PID (state.py); run/<CTID>.lock serialises vz commands
    log/<CTID>.log        its console: what init and the boot script printed

``start`` forks the CT's first process into a new PID namespace the way box
does (unshare(CLONE_NEWPID) makes the caller's *next child* PID 1 of a new
namespace; setns puts the caller back), the child runs boot.py's steps and
execs busybox init, while the host wires up the veth pair (net.py).

Kernel objects a CT holds — its mount of the disk, the loop device, the veth
pair, its namespaces — all belong to its namespaces and go away by
themselves when its last process exits. Only the cgroup and run/<CTID>.json
outlive a crash; any `vz` command that looks at a CT whose init has died
(``refresh``) removes them, as `vz stop` would have.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from runtimes.kernel import linux, loop
from runtimes.kernel.process import now, process_start_time
from runtimes.openvz import config as conf
from runtimes.openvz import disk, join, net, resources, security, state
from runtimes.openvz.boot import BootPlan, boot
from runtimes.openvz.config import CTConfig
from runtimes.kernel.messages import Field, say
from runtimes.openvz.errors import BadInput, Conflict, NoSuchContainer, VzError

START_TIMEOUT_S = 10.0     # vz start → init ready, at most
STOP_TIMEOUT_S = 10.0      # after the halt signal, before SIGKILL
HALT_SIGNAL = signal.SIGUSR1   # what busybox's `halt` sends init: shut down, then exit
DETACH_TIMEOUT_S = 5.0     # for the kernel to free the CT's mount and loop device
def vz_root() -> Path:
    """Where vz keeps its containers: ``$VZ_ROOT`` or /var/lib/vz."""
    return Path(os.environ.get("VZ_ROOT", "/var/lib/vz"))


@dataclasses.dataclass(frozen=True)
class Container:
    config: CTConfig
    state: state.RunState | None   # None: stopped

    @property
    def ctid(self) -> int:
        return self.config.ctid

    @property
    def running(self) -> bool:
        return self.state is not None


class Engine:
    """Containers under one ``$VZ_ROOT``."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or vz_root()
        for sub in ("conf", "private", "root", "run", "log", "template"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        self._locks: dict[int, list[int]] = {}   # ctid → [fd, depth]: our flock is re-entrant

    # -- where things are ----------------------------------------------------
    def conf_path(self, ctid: int) -> Path:
        return self.root / "conf" / f"{ctid}.conf"

    def image_path(self, ctid: int) -> Path:
        return self.root / "private" / f"{ctid}.img"

    def mountpoint(self, ctid: int) -> Path:
        return self.root / "root" / str(ctid)

    def state_path(self, ctid: int) -> Path:
        return self.root / "run" / f"{ctid}.json"

    def log_path(self, ctid: int) -> Path:
        return self.root / "log" / f"{ctid}.log"

    @contextlib.contextmanager
    def _lock(self, ctid: int, blocking: bool = True) -> Iterator[bool]:
        """Hold run/<CTID>.lock (flock(2)), so two vz commands never change one CT at once."""
        if ctid in self._locks:
            self._locks[ctid][1] += 1
            try:
                yield True
            finally:
                self._locks[ctid][1] -= 1
            return
        fd = os.open(self.root / "run" / f"{ctid}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            os.close(fd)
            yield False
            return
        self._locks[ctid] = [fd, 1]
        try:
            yield True
        finally:
            del self._locks[ctid]
            os.close(fd)

    # -- finding -------------------------------------------------------------
    def exists(self, ctid: int) -> bool:
        return self.conf_path(ctid).exists()

    def get(self, ctid: int) -> Container:
        """The CT as it is now; a CT whose init died is cleaned up first (``refresh``)."""
        if not self.exists(ctid):
            raise NoSuchContainer(f"CT {ctid} does not exist (vz create {ctid} first; vz list -a shows them all)")
        return self.refresh(Container(conf.load(self.conf_path(ctid), ctid), state.load(self.state_path(ctid))))

    def refresh(self, ct: Container) -> Container:
        if ct.state is None or state.alive(ct.state.pid, ct.state.pid_start):
            return ct
        with self._lock(ct.ctid, blocking=False) as locked:
            if locked:  # else another vz command is stopping it right now
                self._clean_up(ct.ctid)
        return dataclasses.replace(ct, state=None)

    def list(self, all: bool = False) -> list[Container]:
        """Containers in CTID order; only running ones unless ``all`` (as vzlist(8))."""
        ctids = sorted(int(p.stem) for p in (self.root / "conf").glob("*.conf") if p.stem.isdigit())
        found = [self.get(ctid) for ctid in ctids if self.exists(ctid)]
        return [ct for ct in found if all or ct.running]

    def processes(self, ctid: int) -> list[int]:
        """Host PIDs of every process in the CT (its cgroup's members)."""
        group = resources.cgroup(ctid)
        return group.pids() if group.exists() else []

    def ips_in_use(self, except_ctid: int | None = None) -> dict[str, int]:
        """IP address → the CT configured with it."""
        used = {}
        for path in (self.root / "conf").glob("*.conf"):
            if path.stem.isdigit() and int(path.stem) != except_ctid:
                for ip in conf.load(path, int(path.stem)).ips:
                    used[ip] = int(path.stem)
        return used

    def templates(self) -> list[str]:
        """OS templates: "isobench" (the suite's image) and every directory in $VZ_ROOT/template."""
        return [conf.DEFAULT_TEMPLATE, *sorted(p.name for p in (self.root / "template").iterdir() if p.is_dir())]

    def _template_dir(self, name: str) -> Path:
        if name == conf.DEFAULT_TEMPLATE:
            from runtimes.image import build_image  # builds (or finds cached) busybox + probe

            return build_image().rootfs
        path = self.root / "template" / name
        if "/" in name or name.startswith(".") or not path.is_dir():
            raise BadInput(f"unknown OS template {name!r}; available: {', '.join(self.templates())} "
                           f"(a template is a root filesystem directory in {self.root / 'template'})")
        if not (path / "sbin/init").exists():
            raise BadInput(f"OS template {name!r} has no /sbin/init: a system container needs an init (busybox init)")
        return path

    # -- create, set, destroy ------------------------------------------------
    def create(self, ctid: int, *, ostemplate: str = conf.DEFAULT_TEMPLATE, diskspace: int = conf.DEFAULT_DISKSPACE,
               hostname: str | None = None, ips: Sequence[str] = (), description: str = "") -> Container:
        """Make the CT's disk from the OS template and write its config (vzctl create)."""
        with self._lock(ctid):
            if self.exists(ctid):
                raise Conflict(f"CT {ctid} already exists (vz destroy {ctid} removes it)")
            self._check_ips_free(ctid, ips)
            config = CTConfig(ctid=ctid, ostemplate=ostemplate, diskspace=diskspace, hostname=hostname,
                              ips=tuple(dict.fromkeys(ips)), description=description)
            template = self._template_dir(ostemplate)
            self.mountpoint(ctid).mkdir(exist_ok=True)
            try:
                skipped = disk.create_image(self.image_path(ctid), diskspace, template, ctid)
                conf.save(self.conf_path(ctid), config)  # last: a CT exists once its config does
            except BaseException:
                self.image_path(ctid).unlink(missing_ok=True)
                self.mountpoint(ctid).rmdir()
                raise
            if skipped:  # one line: the CT is fine, the template deserves a look
                shown = ", ".join(skipped[:5]) + (f" and {len(skipped) - 5} more" if len(skipped) > 5 else "")
                print(f"vz create {ctid}: left out {len(skipped)} device node(s), FIFO(s) or socket(s) of template "
                      f"{ostemplate!r} ({shown}): a CT's /dev is made by vz at every start", file=sys.stderr)
            return Container(config, None)

    def _check_ips_free(self, ctid: int, ips: Sequence[str]) -> None:
        used = self.ips_in_use(except_ctid=ctid)
        for ip in ips:
            if ip in used:
                raise Conflict(f"IP address {ip} is already CT {used[ip]}'s")

    def set(self, ctid: int, *, ram: int | None = None, numproc: int | None = None, cpus: float | None = None,
            cpuunits: int | None = None, hostname: str | None = None, ipadd: Sequence[str] = (),
            ipdel: Sequence[str] = (), description: str | None = None, save: bool = False) -> Container:
        """Change settings (vzctl set): applied at once to a running CT, stored with ``save``."""
        with self._lock(ctid):
            ct = self.get(ctid)
            if not ct.running and not save:
                raise Conflict(f"CT {ctid} is not running, so there is nothing to change now: "
                               "add --save to store the settings for its next start")
            old = ct.config
            for ip in ipdel:
                if ip != "all" and ip not in old.ips:
                    raise BadInput(f"CT {ctid} has no IP address {ip} (it has: {' '.join(old.ips) or 'none'})")
            ips = [ip for ip in old.ips if ip not in ipdel and "all" not in ipdel] + [ip for ip in ipadd if ip not in old.ips]
            self._check_ips_free(ctid, ips)
            new = dataclasses.replace(
                old, ram=_given(ram, old.ram), numproc=_given(numproc, old.numproc), cpus=_given(cpus, old.cpus),
                cpuunits=_given(cpuunits, old.cpuunits), hostname=_given(hostname, old.hostname), ips=tuple(ips),
                description=_given(description, old.description))
            if ct.running:
                assert ct.state is not None
                self._apply_live(ct.state.pid, old, new)
            if save:
                conf.save(self.conf_path(ctid), new)
            return dataclasses.replace(ct, config=new)

    def _apply_live(self, pid: int, old: CTConfig, new: CTConfig) -> None:
        changed = {f.name for f in dataclasses.fields(CTConfig) if getattr(old, f.name) != getattr(new, f.name)}
        limits = dataclasses.replace(new.limits(), **{k: None for k, f in (("memory_bytes", "ram"), ("cpus", "cpus"),
                                                                          ("pids", "numproc")) if f not in changed})
        resources.update(resources.cgroup(new.ctid), limits, new.cpuunits if "cpuunits" in changed else None)
        if "hostname" in changed and new.hostname:
            join.run_privileged(pid, linux.CLONE_NEWUTS | linux.CLONE_NEWNS, join.set_hostname, new.hostname)
        if "ips" in changed:
            net.change_addresses(new.ctid, pid, old.ips, new.ips)

    def destroy(self, ctid: int) -> None:
        """Remove a stopped CT: its disk, config, mount point and logs (vzctl destroy)."""
        with self._lock(ctid):
            ct = self.get(ctid)
            if ct.running:
                raise Conflict(f"CT {ctid} is running: stop it first (vz stop {ctid})")
            for device in loop.loops_backed_by(self.image_path(ctid)):
                loop.detach(device)
            for path in (self.image_path(ctid), self.log_path(ctid), self.state_path(ctid), self.conf_path(ctid)):
                path.unlink(missing_ok=True)
            with contextlib.suppress(FileNotFoundError):
                self.mountpoint(ctid).rmdir()
            (self.root / "run" / f"{ctid}.lock").unlink(missing_ok=True)

    # -- start and stop ------------------------------------------------------
    def start(self, ctid: int, *, die_with_parent: bool = False, timeout_s: float = START_TIMEOUT_S) -> Container:
        """Boot the CT and return once its init is ready (see ``_wait_ready``).

        ``die_with_parent``: the CT is killed if the calling process dies
        (the harness uses it, so a killed `bench run` leaves no CT running).
        """
        with self._lock(ctid):
            ct = self.get(ctid)
            if ct.running:
                raise Conflict(f"CT {ctid} is already running")
            self._check_startable(ct.config)
            began = time.monotonic_ns()
            group = resources.cgroup(ctid)
            resources.create(group, ct.config)
            with contextlib.ExitStack() as undo:
                undo.callback(self._clean_up, ctid)
                pid, exec_ns = self._boot(ct.config, group.self_join_files, die_with_parent)
                undo.callback(_kill_and_wait, pid, process_start_time(pid) or 0)
                run = state.RunState(pid=pid, pid_start=process_start_time(pid) or 0, started_at=now(),
                                     start_s=0.0, init_s=0.0)
                state.save(self.state_path(ctid), run)  # from here, a crash of ours is found by refresh
                ready_ns = self._wait_ready(ctid, run, timeout_s)
                run = dataclasses.replace(run, start_s=(ready_ns - began) / 1e9, init_s=(ready_ns - exec_ns) / 1e9)
                state.save(self.state_path(ctid), run)
                undo.pop_all()
            return Container(ct.config, run)

    def _check_startable(self, config: CTConfig) -> None:
        device = net.host_device(config.ctid)
        if net.exists(device):
            raise Conflict(f"CT {config.ctid}: a network device {device} already exists on the host "
                           f"(another VZ_ROOT's CT {config.ctid} running?)")
        group = resources.cgroup(config.ctid)
        if group.exists():
            if group.pids():
                raise Conflict(f"CT {config.ctid}: its cgroup already has processes "
                               f"(another VZ_ROOT's CT {config.ctid} running?)")
            group.destroy()  # empty: left by a `vz start` that was killed while the CT booted

    def _boot(self, config: CTConfig, procs: Sequence[Path], die_with_parent: bool) -> tuple[int, int]:
        """Fork the CT's first process, configure its network meanwhile; return (PID, when init was exec'd)."""
        program = security.seccomp_program()  # first: without libseccomp's binding no CT starts, and nothing is open yet
        status_r, status_w = os.pipe()
        go_r, go_w = os.pipe()
        console = os.open(self.log_path(config.ctid), os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o640)
        plan = BootPlan(ctid=config.ctid, image=self.image_path(config.ctid), mountpoint=self.mountpoint(config.ctid),
                        hostname=config.hostname, ips=config.ips, cgroup_join_files=tuple(procs), console_fd=console,
                        status_fd=status_w, go_fd=go_r, seccomp_bpf=program,
                        die_with_parent=die_with_parent)
        try:
            pid = _fork_in_new_pid_namespace(lambda: boot(plan))
        finally:
            for fd in (status_w, go_r, console):
                os.close(fd)
        try:
            with os.fdopen(status_r, "rb") as status:
                first = status.readline().decode(errors="replace").strip()
                if first != "ns":
                    raise VzError(say("vz.ct-not-started", ctid=config.ctid, said=_boot_error(first, status)))
                try:
                    net.create(config.ctid, pid, config.ips)
                except VzError:
                    os.close(go_w)  # the child gives up at step wait_for_network, unless it failed earlier
                    go_w = -1
                    earlier = status.read().decode(errors="replace").strip()
                    if earlier and "wait_for_network" not in earlier:
                        raise VzError(say("vz.ct-not-started", ctid=config.ctid,
                                          said=_boot_error(earlier, status))) from None
                    raise
                os.write(go_w, b"1")
                rest = status.read().decode(errors="replace").strip()  # end of file: init was exec'd
                exec_ns = time.monotonic_ns()
                if rest:
                    raise VzError(say("vz.ct-not-started", ctid=config.ctid, said=_boot_error(rest, status)))
        except BaseException:
            _kill_and_wait(pid, process_start_time(pid) or 0)
            raise
        finally:
            if go_w >= 0:
                os.close(go_w)
        return pid, exec_ns

    def _wait_ready(self, ctid: int, run: state.RunState, timeout_s: float) -> int:
        """Wait until init has run the boot actions of its inittab: the CT's /run/vz-ready exists.

        That file is the inittab's ``::wait:`` action, which busybox init
        runs after every ``sysinit`` action has finished, like a SysV system
        reaching its runlevel. /run is a fresh tmpfs at every start, so the
        file can never be left over from an earlier boot. Returns the
        monotonic time (ns) it was seen; polled every millisecond.
        """
        marker = f"/proc/{run.pid}/root{disk.READY_MARKER}"
        deadline = time.monotonic() + timeout_s
        while True:
            with contextlib.suppress(OSError):
                os.lstat(marker)
                return time.monotonic_ns()
            if not state.alive(run.pid, run.pid_start):
                raise VzError(say("vz.init-exited", ctid=ctid, said=self._console_tail(ctid)))
            if time.monotonic() > deadline:
                raise VzError(say("vz.init-not-ready", ctid=ctid, seconds=timeout_s, marker=disk.READY_MARKER,
                                  said=self._console_tail(ctid)))
            time.sleep(0.001)

    def _console_tail(self, ctid: int) -> Field:
        try:
            lines = self.log_path(ctid).read_text(errors="replace").strip().splitlines()
        except OSError:
            lines = []
        return " | ".join(lines[-3:]) or say("vz.console-empty", path=str(self.log_path(ctid)))

    def stop(self, ctid: int, *, timeout_s: float = STOP_TIMEOUT_S, fast: bool = False) -> bool:
        """Halt the CT through its init, SIGKILL after ``timeout_s`` (at once with ``fast``).

        Returns False if it was not running. busybox init, on SIGUSR1, runs
        the inittab's shutdown actions, sends SIGTERM then SIGKILL to every
        other process of the CT (a second apart) and ends, so a graceful stop
        takes about two seconds.
        """
        with self._lock(ctid):
            ct = self.get(ctid)
            if ct.state is None:
                return False
            pid, start = ct.state.pid, ct.state.pid_start
            if not fast:
                _signal(pid, HALT_SIGNAL)
                _wait_until(lambda: not state.alive(pid, start), timeout_s)
            _kill_and_wait(pid, start)
            self._clean_up(ctid)
            return True

    def restart(self, ctid: int, *, timeout_s: float = STOP_TIMEOUT_S) -> Container:
        with self._lock(ctid):
            self.stop(ctid, timeout_s=timeout_s)
            return self.start(ctid)

    def _clean_up(self, ctid: int) -> None:
        """Release what a dead (or never fully started) CT may still hold; safe to repeat.

        Waits for the kernel to free the CT's mount and loop device (it does
        so when the CT's namespaces go) and detaches the device itself if
        that takes too long.
        """
        run = state.load(self.state_path(ctid))
        if run is not None:
            _kill_and_wait(run.pid, run.pid_start)
        net.remove(ctid)
        image = self.image_path(ctid)
        if not _wait_until(lambda: not loop.loops_backed_by(image), DETACH_TIMEOUT_S):
            for device in loop.loops_backed_by(image):
                loop.detach(device)
        group = resources.cgroup(ctid)
        if group.exists():
            group.destroy()
        self.state_path(ctid).unlink(missing_ok=True)

    # -- running commands inside ---------------------------------------------
    def exec_in(self, ctid: int, argv: Sequence[str], stdio: tuple[int, int, int], *, tty: bool = False,
                env: Sequence[str] = ()) -> join.Started:
        """Start ``argv`` inside the running CT (vzctl exec); returns at once (see join.exec_in)."""
        environment = join.environment(tty, env)
        ct = self.get(ctid)
        if ct.state is None:
            raise Conflict(f"CT {ctid} is not running (vz start {ctid})")
        return join.exec_in(ct.state, resources.cgroup(ctid).self_join_files, argv, stdio, tty, environment)


def _given(value, old):  # type: ignore[no-untyped-def]
    return old if value is None else value


def _boot_error(first: str, status) -> Field:  # type: ignore[no-untyped-def]
    text = first.removeprefix("error ").strip()
    return text or say("vz.boot-silent")


def _fork_in_new_pid_namespace(child: Callable[[], None]) -> int:
    """Fork ``child`` as PID 1 of a new PID namespace; return its host PID (pid_namespaces(7))."""
    own = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
    try:
        linux.unshare(linux.CLONE_NEWPID)  # applies to our next child, not to us
        pid = os.fork()
        if pid == 0:
            try:
                child()
            finally:
                os._exit(125)
    finally:
        linux.setns(own, linux.CLONE_NEWPID)  # later children of ours are ordinary again
        os.close(own)
    return pid


def _signal(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def _wait_until(condition: Callable[[], bool], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def _kill_and_wait(pid: int, start: int) -> None:
    """SIGKILL the CT's init (the kernel then kills every process of its PID namespace) and wait for it."""
    if state.alive(pid, start):
        _signal(pid, signal.SIGKILL)
        _wait_until(lambda: not state.alive(pid, start), 30)
