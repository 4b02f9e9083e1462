"""Docker's engine for one run of the suite: used when it runs, started (and stopped) when it does not.

Docker is a client and a daemon: ``docker`` (the client) sends HTTP requests
to ``dockerd`` on a unix socket; dockerd asks ``containerd`` to run each
container, and containerd starts a ``containerd-shim-runc-v2`` per container,
which runs ``runc``. box and podman have no daemon: their command does it all.

``DockerEngine`` is a context manager around one run:

- an engine that already answers on ``SOCKET`` (Docker CE, a systemd unit the
  host enabled) is used as it is: never stopped, never reconfigured; only the
  images the suite imported into it during the run are removed at the end;
- else, where systemd runs, ``systemctl start docker`` (and ``stop`` at the end,
  as the host had it);
- else ``dockerd`` is spawned with roots of the suite's own and stopped at the
  end, and everything it left is removed and checked: processes, mounts,
  cgroup directories, links, iptables rules, its roots.

A run killed with SIGKILL leaves its dockerd running: ``leftovers()`` finds it
(its files under the state directory, the process that started it gone) for
`bench clean`, which stops it and removes what it left the same way.

Engine API: https://docs.docker.com/reference/api/engine/ (``GET /_ping``);
dockerd's options: https://docs.docker.com/reference/cli/dockerd/
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import shlex
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType

import psutil

from runtimes.base import Orphan
from runtimes.kernel.paths import state_dir
from runtimes.kernel.messages import Field, Message, say
from runtimes.peers.engine import IMAGE_REPOSITORY

SOCKET = "/var/run/docker.sock"
# dockerd puts containerd's socket and the shims' sockets under its exec-root;
# a unix socket path is limited to 108 bytes (unix(7), sun_path), so it is short.
EXEC_ROOT = Path("/run/isobench-dockerd")
# Test-only knob: extra dockerd options, e.g. a bad one, to see a start fail for real.
EXTRA_OPTIONS_ENV = "ISOBENCH_DOCKERD_OPTIONS"
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 30.0

# The facts of the engine a DockerEngine of this process holds now (None: none
# held): Docker.available() gives a failed start's reason instead of "no answer".
_held: dict[DockerEngine, EngineFacts] = {}


@dataclasses.dataclass(frozen=True)
class EngineFacts:
    """What the run used: whether an engine answered, how it came to, with which options, or why not."""

    answering: bool
    how: str                         # "already running", "systemctl start docker", "dockerd started by the suite"
    reason: Field = ""               # why it does not answer (answering=False); str() is its English
    options: tuple[str, ...] = ()    # dockerd's options, when the suite started it


def engine_answers(path: str = SOCKET, timeout_s: float = 2.0) -> Message | None:
    """None when dockerd answers ``GET /_ping`` on its socket (Docker Engine API), else why not."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout_s)
            sock.connect(path)
            sock.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
            reply = sock.recv(4096)
    except OSError as err:
        return say("docker.no-answer", path=path, said=err.strerror or str(err))
    return None if reply.startswith(b"HTTP/1.") and b" 200 " in reply.split(b"\r\n", 1)[0] else \
        say("docker.not-docker", path=path)


def held() -> EngineFacts | None:
    """The facts of the engine this process holds for its run, if it holds one."""
    return list(_held.values())[-1] if _held else None


def daemon_pids(path: str = SOCKET) -> dict[str, int]:
    """The PIDs of the daemons behind ``path``: {"dockerd": …, "containerd": …}; {} when none answers.

    dockerd is the process at the other end of its socket (SO_PEERCRED, unix(7)),
    unless systemd made the socket (docker.socket): then the peer is PID 1 and
    dockerd is found by name. containerd is its child when dockerd manages it,
    else the host's own.
    """
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.connect(path)
            pid, _uid, _gid = struct.unpack("3i", sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))
        if psutil.Process(pid).name() != "dockerd":
            pid = next(p.pid for p in psutil.process_iter(["name"]) if p.info["name"] == "dockerd")
        dockerd = psutil.Process(pid)
        found = {"dockerd": pid}
        children = [p for p in dockerd.children() if p.name() == "containerd"]
        others = [p for p in psutil.process_iter(["name"]) if p.info["name"] == "containerd"]
        if children or others:
            found["containerd"] = (children or others)[0].pid
        return found
    except (OSError, psutil.Error, StopIteration):
        return {}


def home() -> Path:
    """The suite's files for the dockerd it starts: data-root, pidfile, log, cgroup record."""
    return state_dir() / "dockerd"


def _data_root() -> Path:
    return home() / "data"


def _pidfile(at: Path | None = None) -> Path:
    return (at or home()) / "dockerd.pid"


def _log() -> Path:
    return home() / "dockerd.log"


def _cgroup_record(at: Path | None = None) -> Path:
    return (at or home()) / "cgroups-made"


def _owner_record(at: Path | None = None) -> Path:
    """Who started the suite's dockerd: "PID start-time"; a run whose owner is gone was killed."""
    return (at or home()) / "owner"


def _owner_alive(at: Path) -> bool:
    try:
        pid, started = _owner_record(at).read_text().split()
        return psutil.Process(int(pid)).create_time() == float(started)
    except (OSError, ValueError, psutil.Error):
        return False


def dockerd_options(registry_mirrors: Sequence[str] = (), insecure_registries: Sequence[str] = ()) -> list[str]:
    """dockerd's options on a host without systemd, each for a reason."""
    options = [
        # The suite's containers run with --network none: no firewall rule and
        # no docker0 bridge are needed, and the host's are left as they were.
        "--iptables=false", "--ip6tables=false", "--bridge=none",
        # Its images, containers and state of its own, removed at the end of the run.
        f"--data-root={_data_root()}", f"--exec-root={EXEC_ROOT}", f"--pidfile={_pidfile()}",
        # The default socket, so that `docker` works as typed, as in class.
        f"--host=unix://{SOCKET}",
    ]
    options += [f"--registry-mirror={m}" for m in registry_mirrors]
    options += [f"--insecure-registry={r}" for r in insecure_registries]
    return options + shlex.split(os.environ.get(EXTRA_OPTIONS_ENV, ""))


def _docker_cgroups() -> list[Path]:
    """Where dockerd's cgroupfs driver puts its containers: a "docker" group per v1 hierarchy, or the v2 root's."""
    root = Path("/sys/fs/cgroup")
    if (root / "cgroup.controllers").exists():  # v2 unified
        return [root / "docker"]
    return [p / "docker" for p in sorted(root.iterdir()) if p.is_dir() and not p.is_symlink()]


def _links() -> set[str]:
    """Network links dockerd makes (docker0, br-…, veth…), by name."""
    return {p.name for p in Path("/sys/class/net").iterdir() if p.name.startswith(("docker", "br-", "veth"))}


def _firewall() -> dict[str, str]:
    """`iptables -S` / `ip6tables -S` of every table dockerd writes to, where the tools exist."""
    rules = {}
    for tool in ("iptables", "ip6tables"):
        if shutil.which(tool):
            for table in ("filter", "nat"):
                done = subprocess.run([tool, "-t", table, "-S"], capture_output=True, text=True, timeout=30)
                rules[f"{tool} -t {table}"] = done.stdout
    return rules


def _engine_processes(pid: int | None) -> list[psutil.Process]:
    """dockerd (``pid``), its descendants, and any containerd or shim of its exec-root (a killed dockerd's)."""
    found: dict[int, psutil.Process] = {}
    with contextlib.suppress(psutil.Error):
        if pid is not None:
            dockerd = psutil.Process(pid)
            found[pid] = dockerd
            found.update((p.pid, p) for p in dockerd.children(recursive=True))
    for proc in psutil.process_iter(["cmdline"]):
        if str(EXEC_ROOT) + "/" in " ".join(proc.info["cmdline"] or ()):
            found[proc.pid] = proc
            with contextlib.suppress(psutil.Error):
                found.update((p.pid, p) for p in proc.children(recursive=True))  # a shim's container
    return list(found.values())


def _pidfile_pid(at: Path | None = None) -> int | None:
    """The PID in the suite's dockerd pidfile, when that process is still a dockerd."""
    try:
        pid = int(_pidfile(at).read_text().strip())
        return pid if psutil.Process(pid).name() == "dockerd" else None
    except (OSError, ValueError, psutil.Error):
        return None


def _mounts_under(roots: Sequence[Path]) -> list[str]:
    """Mount points under any of ``roots``, deepest first (the order to unmount them)."""
    with open("/proc/self/mountinfo") as f:
        points = [line.split()[4] for line in f]
    prefixes = tuple(f"{r}/" for r in roots)
    return sorted({p for p in points if p.startswith(prefixes) or p in map(str, roots)}, key=len, reverse=True)


def _remove_cgroup_tree(group: Path) -> None:
    """rmdir a cgroup directory and its children, bottom up (cgroup dirs are removed with rmdir only)."""
    for child in sorted((p for p in group.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        with contextlib.suppress(OSError):
            child.rmdir()
    with contextlib.suppress(OSError):
        group.rmdir()


def stop_and_remove(pid: int | None, at: Path | None = None) -> list[str]:
    """Stop the suite's dockerd (``pid``; its files in ``at``, by default ``home()``) and remove all it left.

    Returns what could not be removed (empty: the host is as it was).

    SIGTERM lets dockerd stop its containers and containerd and unmount its
    overlays; SIGKILL follows for whatever is left after STOP_TIMEOUT_S.
    """
    processes = _engine_processes(pid)
    # dockerd stops its containerd itself; without it (killed), its containerd is asked directly.
    for proc in processes if pid is None else [p for p in processes if p.pid == pid]:
        with contextlib.suppress(psutil.Error):
            proc.send_signal(signal.SIGTERM)
    _gone, alive = psutil.wait_procs(processes, timeout=STOP_TIMEOUT_S)
    for proc in alive:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    psutil.wait_procs(alive, timeout=10)
    roots = [at or home(), EXEC_ROOT]
    for point in _mounts_under(roots):
        subprocess.run(["umount", "--lazy", point], capture_output=True, timeout=30)
    try:
        made = [Path(line) for line in _cgroup_record(at).read_text().split()]
    except OSError:
        made = []
    for group in made:
        _remove_cgroup_tree(group)
    for root in roots:
        shutil.rmtree(root, ignore_errors=True)
    left = [f"process {p.pid} ({p.name()})" for p in processes if _alive(p)]
    left += [f"mount {m}" for m in _mounts_under(roots)]
    left += [f"cgroup {g}" for g in made if g.exists()]
    left += [f"directory {r}" for r in roots if r.exists()]
    return left


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def leftovers() -> list[Orphan]:
    """A dockerd a killed run started (its starter gone), for `bench clean`: this state directory's, or any
    still running on the suite's exec-root whose files went with their state directory."""
    running = _running_homes()
    found = []
    for at in sorted({home(), *running}):
        pid = _pidfile_pid(at) or running.get(at)
        if (not at.exists() and pid is None) or _owner_alive(at):
            continue  # nothing there, or the engine of a live run (or a test)
        what = f"dockerd {pid} of a killed run" if pid is not None else f"dockerd's files {at}"
        found.append(Orphan("docker", "engine", what, functools.partial(_stop_or_raise, pid, at)))
    return found


def _running_homes() -> dict[Path, int]:
    """The suite's running dockerds (on EXEC_ROOT), by the directory of their pidfile."""
    found = {}
    for proc in psutil.process_iter(["name", "cmdline"]):
        argv = proc.info["cmdline"] or []
        if proc.info["name"] == "dockerd" and f"--exec-root={EXEC_ROOT}" in argv:
            pidfile = next((a.split("=", 1)[1] for a in argv if a.startswith("--pidfile=")), None)
            if pidfile:
                found[Path(pidfile).parent] = proc.pid
    return found


def _stop_or_raise(pid: int | None, at: Path) -> None:
    left = stop_and_remove(pid, at)
    if left:
        raise RuntimeError(f"still there: {', '.join(left)}")


def _report(left: Sequence[str]) -> None:
    for item in left:
        print(f"isobench: the suite's dockerd left {item}", file=sys.stderr)


class DockerEngine:
    """A Docker engine for the length of a ``with`` block; see the module's docstring."""

    def __init__(self, registry_mirrors: Sequence[str] = (), insecure_registries: Sequence[str] = ()) -> None:
        self.registry_mirrors = tuple(registry_mirrors)
        self.insecure_registries = tuple(insecure_registries)
        self.left: list[str] = []   # what __exit__ could not remove (empty: the host is as it was)
        self._undo: Callable[[], list[str]] | None = None

    def __enter__(self) -> EngineFacts:
        try:
            facts = self._start()
        except BaseException:
            # `with` does not call __exit__ when __enter__ raises (Ctrl-C while
            # dockerd starts): stop what had started before re-raising.
            self.__exit__(None, None, None)
            raise
        _held[self] = facts
        return facts

    def _start(self) -> EngineFacts:
        if not engine_answers():
            images = _suite_images()
            self._undo = lambda: _remove_images(_suite_images() - images)
            return EngineFacts(True, "already running")
        if Path("/run/systemd/system").exists():  # sd_booted(3)
            return self._systemctl_start()
        if shutil.which("dockerd") is None:
            return EngineFacts(False, "", say("docker.not-installed"))
        return self._spawn()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        undo, self._undo = self._undo, None
        _held.pop(self, None)
        if undo is not None:
            self.left = undo()
            _report(self.left)

    def _systemctl_start(self) -> EngineFacts:
        was_active = subprocess.run(["systemctl", "is-active", "--quiet", "docker.service"], timeout=30).returncode == 0
        done = subprocess.run(["systemctl", "start", "docker.service"], capture_output=True, text=True, timeout=120)
        if not was_active:
            self._undo = lambda: _systemctl_stop()
        said = done.stderr.strip() or say("tool.no-output")
        why = say("tool.failed", command="systemctl start docker.service", said=said) if done.returncode \
            else _wait_answering(None)
        how = "systemctl start docker"
        return EngineFacts(False, how, why) if why else EngineFacts(True, how)

    def _spawn(self) -> EngineFacts:
        how = "dockerd started by the suite"
        if _running_homes() or EXEC_ROOT.exists():
            return EngineFacts(False, how, say("docker.held", path=str(EXEC_ROOT)))
        options = dockerd_options(self.registry_mirrors, self.insecure_registries)
        home().mkdir(parents=True, exist_ok=True)
        made = [g for g in _docker_cgroups() if not g.exists()]  # dockerd makes these; remove only those
        _cgroup_record().write_text("".join(f"{g}\n" for g in made))
        me = psutil.Process()
        _owner_record().write_text(f"{me.pid} {me.create_time()}\n")
        links, firewall = _links(), _firewall()
        with open(_log(), "wb") as log:
            # A session of its own: Ctrl-C in the terminal reaches the suite, which stops dockerd in order.
            daemon = subprocess.Popen(["dockerd", *options], stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                      start_new_session=True)
        self._undo = lambda: _check(stop_and_remove(daemon.pid), links, firewall, daemon)
        why = _wait_answering(daemon)
        return EngineFacts(False, how, why, tuple(options)) if why else EngineFacts(True, how, options=tuple(options))


def _wait_answering(daemon: subprocess.Popen[bytes] | None) -> Message | None:
    """None once the engine answers; else why not: its exit or the timeout, with its log's last lines."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while (why := engine_answers()) and time.monotonic() < deadline:
        if daemon is not None and daemon.poll() is not None:
            return say("docker.exited", status=daemon.returncode, said=_log_tail())
        time.sleep(0.1)
    return say("docker.timeout", seconds=START_TIMEOUT_S, said=_log_tail() or why) if why else None


def _log_tail(n: int = 2) -> str:
    try:
        lines = [ln.strip() for ln in _log().read_text(errors="replace").splitlines() if ln.strip()]
    except OSError:
        return ""
    return " | ".join(lines[-n:])


def _check(left: list[str], links: set[str], firewall: dict[str, str], daemon: subprocess.Popen[bytes]) -> list[str]:
    """Add to ``left`` what the stopped dockerd changed on the host: links it made, firewall rules."""
    daemon.poll()  # reap it: it was our child
    left += [f"link {name}" for name in sorted(_links() - links)]
    left += [f"rules in {table}" for table, rules in _firewall().items() if firewall.get(table) != rules]
    return left


def _systemctl_stop() -> list[str]:
    subprocess.run(["systemctl", "stop", "docker.service", "docker.socket"], capture_output=True, timeout=120)
    return []


def _suite_images() -> set[str]:
    """The suite's images (localhost/isobench:…, runtimes/peers/engine.py) in the engine that answers."""
    if shutil.which("docker") is None:
        return set()  # no client, so the suite imported nothing either
    done = subprocess.run(["docker", "images", "--format", "{{.Repository}}:{{.Tag}}", IMAGE_REPOSITORY],
                          capture_output=True, text=True, timeout=60)
    return set(done.stdout.split())


def _remove_images(names: set[str]) -> list[str]:
    if names:
        subprocess.run(["docker", "rmi", *sorted(names)], capture_output=True, timeout=120)
    return [f"image {name}" for name in sorted(names & _suite_images())]
