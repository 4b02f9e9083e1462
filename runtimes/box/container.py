"""The container engine: create, start, stop, remove and list containers.

This is the part of box that runs on the host, in the caller's process (the
``box`` command or the benchmark harness). There is no daemon and no
per-container supervisor: ``start`` forks the container's first process,
which sets itself up (``contain.py``) and becomes box-init; the state on
disk (``state.py``) is enough for any later ``box`` command to find it.

How the first process lands in a new PID namespace: ``unshare(CLONE_NEWPID)``
does not move the caller, it makes the caller's *next child* the first
process (PID 1) of a new namespace (pid_namespaces(7)). So the engine
unshares, forks once, and then points its own "namespace for children" back
at its original namespace with ``setns``, so nothing else it starts is affected.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import shutil
import signal
import time
from collections.abc import Sequence
from pathlib import Path

from runtimes._wait import exit_code
from runtimes.kernel.limits import Limits  # not runtimes.base: `box run` needs none of the harness interface
from runtimes.box import user
from runtimes.kernel import cgroups, linux, seccomp, security
from runtimes.box.contain import ContainPlan, Volume, contain
from runtimes.box.errors import BoxError, Conflict, NoSuchContainer
from runtimes.box.images import ImageStore, private_directory
from runtimes.box.names import random_name
from runtimes.box.state import Config, State, Status, load_config, load_state, save_config, save_state
from runtimes.kernel.process import is_running, now, process_start_time
from runtimes.kernel.init import DEFAULT_PATH, sealed_init

NAME_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$")  # Docker's container-name rule


def root_dir() -> Path:
    """Where box keeps images and containers: ``$BOX_ROOT`` or /var/lib/box."""
    return Path(os.environ.get("BOX_ROOT", "/var/lib/box"))


@dataclasses.dataclass
class Container:
    """A container as found on disk: its directory, what was asked for, what happened."""

    dir: Path
    config: Config
    state: State

    @property
    def id(self) -> str:
        return self.config.id

    @property
    def short_id(self) -> str:
        return self.config.id[:12]

    @property
    def name(self) -> str:
        return self.config.name

    def cgroup(self) -> cgroups.Cgroup:
        return cgroups.for_host(self.id)


@dataclasses.dataclass
class Started:
    """A container whose first process has been forked; ``error_fd`` reports setup failures."""

    pid: int
    error_fd: int
    step_seconds: dict[str, float] = dataclasses.field(default_factory=dict)
    _error: str | None = None

    def setup_error(self) -> str:
        """What the container's setup wrote before it failed ('' if it reached box-init).

        Blocks until the child has exec'd box-init or died (the pipe's write
        end is close-on-exec), which is a few milliseconds. On success the
        pipe carried the steps' timings instead, kept in ``step_seconds``.
        """
        if self._error is None:
            chunks = []
            while chunk := os.read(self.error_fd, 4096):
                chunks.append(chunk)
            text = b"".join(chunks).decode(errors="replace")
            if text.startswith("steps "):
                self.step_seconds = {k: float(v) for k, _, v in (f.partition("=") for f in text.split()[1:])}
                text = ""
            self._error = text
        return self._error


class Engine:
    """Containers and images under one state directory."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or root_dir()
        self.images = ImageStore(self.root)
        self.containers_dir = self.root / "containers"
        private_directory(self.containers_dir)  # upper/ and merged/ of every container: root's only
        # names/<name> is a symlink to the container's ID: creating it is an
        # atomic claim (symlink(2) fails if the name exists), and finding a
        # container by name is one readlink.
        self.names_dir = self.root / "names"
        self.names_dir.mkdir(exist_ok=True)

    # -- finding -----------------------------------------------------------
    def _load(self, directory: Path) -> Container:
        return Container(directory, load_config(directory), load_state(directory))

    def _all(self) -> list[Container]:
        out = []
        for d in sorted(self.containers_dir.iterdir()):
            if (d / "config.json").exists():
                out.append(self._load(d))
        return out

    def get(self, ref: str) -> Container:
        """A container by full ID, unique ID prefix, or name (as Docker resolves them)."""
        if not NAME_RE.match(ref):  # IDs and names are both of this form: nothing like "../x" reaches a path
            raise NoSuchContainer(f"No such container: {ref}")
        if NAME_RE.match(ref) and (self.names_dir / ref).is_symlink():
            ref = os.readlink(self.names_dir / ref)
        if (self.containers_dir / ref / "config.json").exists():
            return self.refresh(self._load(self.containers_dir / ref))
        everything = self._all()
        by_prefix = [c for c in everything if len(ref) >= 1 and c.id.startswith(ref)]
        if len(by_prefix) == 1:
            return self.refresh(by_prefix[0])
        if len(by_prefix) > 1:
            raise BoxError(f"multiple containers match {ref!r}; give more of the ID")
        raise NoSuchContainer(f"No such container: {ref}")

    def list(self, all: bool = False) -> list[Container]:
        """Containers, newest first; only running ones unless ``all``."""
        containers = [self.refresh(c) for c in self._all()]
        containers = [c for c in containers if c.dir.exists()]  # refresh may auto-remove
        containers.sort(key=lambda c: c.config.created, reverse=True)
        return [c for c in containers if all or c.state.status is Status.RUNNING]

    # -- creating ----------------------------------------------------------
    def create(self, image_ref: str, command: Sequence[str] = (), *, name: str | None = None,
               env: Sequence[str] = (), volumes: Sequence[Volume] = (), limits: Limits = Limits(),
               hostname: str | None = None, tty: bool = False, interactive: bool = False,
               detach: bool = False, auto_remove: bool = False, security_opt: Sequence[str] = ()) -> Container:
        seccomp_setting = seccomp.setting(security_opt)
        seccomp.program_for(seccomp_setting)  # no binding, no filter: refuse now, before anything is made
        image = self.images.resolve(image_ref)
        if name is not None and not NAME_RE.match(name):
            raise BoxError(f"invalid container name {name!r}: only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed")
        for v in volumes:
            _check_volume(v)
        cid = os.urandom(32).hex()  # Docker's 64-hex-digit IDs
        name = self._claim_name(name, cid)
        config = Config(
            id=cid, name=name, image=image_ref, image_id=image.id,
            command=_command(image.config, command),
            env=_environment(image.config, env, tty), hostname=hostname or cid[:12], limits=limits,
            user=image.config.get("config", {}).get("User") or "",
            volumes=[{"host": str(v.host), "target": v.target, "readonly": v.readonly} for v in volumes],
            tty=tty, interactive=interactive, detach=detach, auto_remove=auto_remove, created=now(),
            seccomp=seccomp_setting,
        )
        directory = self.containers_dir / cid
        for sub in ("upper", "work", "merged"):
            (directory / sub).mkdir(parents=True)
        save_config(directory, config)
        # No state.json yet: a missing state file means "created" (state.load_state).
        # Writing one here and replacing it at start would cost an ext4 flush
        # (replace-via-rename, see ext4(5) auto_da_alloc) on every start.
        return Container(directory, config, State())

    def _claim_name(self, name: str | None, cid: str) -> str:
        """Reserve ``name`` (or a random free one) for container ``cid``."""
        for attempt in range(100):
            candidate = name or random_name(set(), salt=attempt > 20)
            try:
                os.symlink(cid, self.names_dir / candidate)
                return candidate
            except FileExistsError:
                if name is not None:
                    raise Conflict(f'Conflict. The container name "{name}" is already in use; '
                                   f"remove it (box rm {name}) or choose another") from None
        raise BoxError("could not find a free container name; pass --name")

    # -- starting ----------------------------------------------------------
    def start(self, container: Container, stdio: tuple[int, int, int], *, die_with_parent: bool = False,
              console: str | None = None) -> Started:
        """Fork the container's first process; returns at once (see ``Started``)."""
        if not container.state.status.can_start():
            raise Conflict(f"container {container.name} is {container.state.status.value}; only a created container can start")
        seccomp.program_for(container.config.seccomp)  # refuse before anything is made (compiled once, then cached)
        cgroup = container.cgroup()
        cgroup.create(container.config.limits)
        opened: list[int] = []
        try:
            init_fd = sealed_init()
            status_fd = os.open(container.dir / "exit", os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
            opened.append(status_fd)
            error_r, error_w = os.pipe()
            opened.append(error_w)
            plan = self._plan(container, cgroup, init_fd, status_fd, console)
            pid = _fork_container(plan, stdio, error_w, status_fd, die_with_parent)
        except BaseException:
            cgroup.destroy()
            raise
        finally:
            for fd in opened:
                os.close(fd)
        container.state = State(status=Status.RUNNING, pid=pid, pid_start=process_start_time(pid) or 0, started_at=now())
        save_state(container.dir, container.state)
        return Started(pid, error_r)

    def _plan(self, container: Container, cgroup: cgroups.Cgroup, init_fd: int, status_fd: int,
              console: str | None) -> ContainPlan:
        cfg = container.config
        init_argv = ["box-init", "--status-fd", str(status_fd), *(["--tty"] if cfg.tty else []), "--", *cfg.command]
        return ContainPlan(
            hostname=cfg.hostname, lower=tuple(self.images.lower_dirs(self.images.resolve(cfg.image_id))),
            upper=container.dir / "upper", work=container.dir / "work", merged=container.dir / "merged",
            cgroup_join_files=tuple(cgroup.self_join_files), init_fd=init_fd, init_argv=tuple(init_argv), env=tuple(cfg.env),
            volumes=tuple(Volume(Path(v["host"]), v["target"], v["readonly"]) for v in cfg.volumes), console=console,
            seccomp_bpf=seccomp.program_for(cfg.seccomp), user=cfg.user, keep_fds=(status_fd,),
        )

    # -- observing and ending ----------------------------------------------
    def refresh(self, container: Container) -> Container:
        """Bring a running container's state up to date from the kernel; finish it if it ended."""
        st = container.state
        if st.status is Status.RUNNING and not is_running(st.pid, st.pid_start):
            self.finish(container)
        if container.state.status is Status.EXITED and container.config.auto_remove and container.dir.exists():
            self.remove(container)
        return container

    def finish(self, container: Container, wait_status: int | None = None) -> None:
        """Record how the container ended and release its cgroup.

        A --rm container is removed right after (every caller does), so its
        end is kept in memory only: no usage read for the OOM flag, no state
        file written just to be deleted — a part of every `box run --rm`.
        """
        cgroup = container.cgroup()
        removed_next = container.config.auto_remove
        usage = cgroup.usage() if not removed_next and cgroup.exists() else None
        code = _exit_code(container.dir / "exit", wait_status)
        container.state.status = Status.EXITED
        container.state.exit_code = code
        container.state.finished_at = now()
        container.state.oom_killed = bool(usage and usage.oom_kills)
        if cgroup.exists():
            cgroup.destroy()
        if not removed_next:
            save_state(container.dir, container.state)

    def stop(self, container: Container, timeout_s: float = 10.0) -> None:
        """SIGTERM (box-init passes it on), then SIGKILL after ``timeout_s``, as `docker stop` does."""
        self.refresh(container)
        if not container.state.status.can_stop():
            return
        pid, start = container.state.pid, container.state.pid_start
        _signal(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        while is_running(pid, start) and time.monotonic() < deadline:
            time.sleep(0.01)
        if is_running(pid, start):
            _signal(pid, signal.SIGKILL)  # PID 1 dying takes the whole namespace with it
            while is_running(pid, start):
                time.sleep(0.005)
        self.refresh(container)

    def remove(self, container: Container, force: bool = False) -> None:
        """Delete the container: its cgroup, its overlay directories, its state."""
        if container.state.status is Status.RUNNING and is_running(container.state.pid, container.state.pid_start):
            if not force:
                raise Conflict(f"You cannot remove a running container {container.short_id}. "
                               "Stop the container before attempting removal or force remove (box rm -f)")
            _signal(container.state.pid, signal.SIGKILL)
            while is_running(container.state.pid, container.state.pid_start):
                time.sleep(0.005)
        cgroup = container.cgroup()
        if cgroup.exists():
            cgroup.destroy()
        with contextlib.suppress(FileNotFoundError):
            if os.readlink(self.names_dir / container.name) == container.id:
                os.unlink(self.names_dir / container.name)
        shutil.rmtree(container.dir, ignore_errors=True)

    def prune(self) -> list[str]:
        """Remove every exited container (`box container prune`); return their IDs."""
        removed = []
        for c in self.list(all=True):
            if c.state.status is not Status.RUNNING:
                self.remove(c)
                removed.append(c.id)
        return removed

    def exec_in(self, container: Container, command: Sequence[str], stdio: tuple[int, int, int], *,
                tty: bool = False, env: Sequence[str] = ()) -> Started:
        """Start ``command`` inside a running container (`box exec`); returns at once.

        The new process joins the container's cgroup and every one of its
        namespaces with setns(2), takes the same privileges, then execs
        box-init, whose child — created after setns(CLONE_NEWPID) — is the
        command, inside the container's PID namespace.
        """
        self.refresh(container)
        if container.state.status is not Status.RUNNING:
            raise Conflict(f"container {container.name} is not running")
        program = seccomp.program_for(container.config.seccomp)  # `docker exec` gets the container's profile
        init_fd = sealed_init()
        error_r, error_w = os.pipe()
        argv = ["box-init", *(["--tty"] if tty else []), "--", *command]
        environment = _environment({"config": {"Env": container.config.env}}, env, tty)
        try:
            pid = os.fork()
            if pid == 0:
                _exec_child(container, stdio, error_w, init_fd, argv, environment, program)
        finally:
            os.close(error_w)
        return Started(pid, error_r)

    def in_use_images(self) -> set[str]:
        return {c.config.image_id for c in self._all()}


def _fork_container(plan: ContainPlan, stdio: tuple[int, int, int], error_w: int, status_fd: int,
                    die_with_parent: bool) -> int:
    """Fork the container's PID 1 in a new PID namespace; return its host PID."""
    own_pid_ns = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
    try:
        linux.unshare(linux.CLONE_NEWPID)
        pid = os.fork()
        if pid == 0:
            _child(plan, stdio, error_w, status_fd, die_with_parent)
    finally:
        linux.setns(own_pid_ns, linux.CLONE_NEWPID)  # only the parent gets here
        os.close(own_pid_ns)
    return pid


def _child(plan: ContainPlan, stdio: tuple[int, int, int], error_w: int, status_fd: int, die_with_parent: bool) -> None:
    """In the forked child: wire up stdio, then run the containment steps. Never returns."""
    try:
        if die_with_parent:  # the harness or `box run` died: take the container with it
            linux.prctl(linux.PR_SET_PDEATHSIG, signal.SIGKILL)
        os.setsid()  # not in the caller's terminal session: Ctrl-C there is for box to forward
        for target, fd in enumerate(stdio):
            os.dup2(fd, target)
        contain(plan, error_w)
    finally:
        os._exit(125)


# setns order: the mount namespace last, since joining it changes our root,
# and /proc/PID/ns must still be reachable for the others (setns(2)).
_NAMESPACES = (("cgroup", linux.CLONE_NEWCGROUP), ("ipc", linux.CLONE_NEWIPC), ("uts", linux.CLONE_NEWUTS),
               ("net", linux.CLONE_NEWNET), ("pid", linux.CLONE_NEWPID), ("mnt", linux.CLONE_NEWNS))


def _exec_child(container: Container, stdio: tuple[int, int, int], error_w: int, init_fd: int,
                argv: list[str], env: list[str], seccomp_bpf: bytes | None) -> None:
    """In the forked child of `box exec`: join the container, drop privileges, exec box-init."""
    step = "join cgroup"
    try:
        os.setsid()
        for target, fd in enumerate(stdio):
            os.dup2(fd, target)
        for path in container.cgroup().self_join_files:
            path.write_text("0")
        fds = [(os.open(f"/proc/{container.state.pid}/ns/{name}", os.O_RDONLY | os.O_CLOEXEC), flag)
               for name, flag in _NAMESPACES]
        root_fd = linux.open_root(container.state.pid)
        step = "setns"
        for fd, flag in fds:
            linux.setns(fd, flag)
        linux.enter_root(root_fd)
        step = "drop privileges"
        security.set_rlimits()
        security.drop_capabilities(user=user.resolve(container.config.user))  # `docker exec` runs as the image's user too
        security.set_no_new_privs()
        seccomp.load(seccomp_bpf)
        step = "exec box-init"
        linux.close_range_on_exec(3)  # nothing the caller had open reaches the container (CVE-2024-21626)
        os.execve(init_fd, argv, dict(e.split("=", 1) for e in env))
    except BaseException as err:  # noqa: BLE001 — whatever failed, the parent must hear it
        os.write(error_w, f"{step}: {err}".encode(errors="replace")[:4000])
    finally:
        os._exit(126)


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def _exit_code(exit_file: Path, wait_status: int | None) -> int:
    """The command's exit code as box-init recorded it, else from the wait status, else 137 (killed)."""
    try:
        text = exit_file.read_text().strip()
        if text.startswith("exit="):
            return int(text[len("exit="):])
    except (OSError, ValueError):
        pass
    if wait_status is not None:
        return exit_code(wait_status)
    return 137


def _command(image_config: dict, command: Sequence[str]) -> list[str]:
    """Docker's rule: the image's Entrypoint, then the given command or else the image's Cmd."""
    settings = image_config.get("config", {})
    return [*(settings.get("Entrypoint") or []), *(list(command) or settings.get("Cmd") or [])] or ["/bin/sh"]


def _environment(image_config: dict, extra: Sequence[str], tty: bool) -> list[str]:
    env = dict(e.split("=", 1) for e in [DEFAULT_PATH, *image_config.get("config", {}).get("Env", [])])
    env.setdefault("HOME", "/root")
    if tty:
        env["TERM"] = "xterm"
    for item in extra:
        key, sep, value = item.partition("=")
        if not key or not sep:
            raise BoxError(f"invalid environment variable {item!r}: expected KEY=VALUE")
        env[key] = value
    return [f"{k}={v}" for k, v in env.items()]


def _check_volume(v: Volume) -> None:
    if not v.host.is_absolute() or not v.target.startswith("/"):
        raise BoxError(f"invalid volume {v.host}:{v.target}: both paths must be absolute (-v /host/dir:/container/dir)")
    if ".." in Path(v.target).parts:
        raise BoxError(f"invalid volume target {v.target!r}: '..' is not allowed")
    if not v.host.exists():
        raise BoxError(f"invalid volume: host path {v.host} does not exist")
