"""docker as a runtime of the suite, when a Docker engine answers: ``docker run --rm`` per instance.

Optional: the suite installs no Docker engine (scripts/provision leaves it
out), and this runtime is available only when ``dockerd`` answers on its
socket. Then the image is imported once (``docker import``) and each
instance is an attached ``docker run --rm``: the client asks dockerd, which
asks containerd, which starts a ``containerd-shim-runc-v2`` that runs runc
to start the probe. An instance's host processes are the client and that
shim with the container under it (the daemons are shared by every container,
as libvirtd is by every VM, and are not counted).

On this kind of host Docker's engine starts by hand with
``dockerd --iptables=false --bridge=none`` (no bridge is needed: the
containers' network is "none").
"""

from __future__ import annotations

import functools
import shutil
import socket
import subprocess
from pathlib import Path

import psutil

from runtimes.base import Availability, Instance, InstanceSpec, Orphan
from runtimes.peers._common import check_tools, first_line, instance_name, name_prefix
from runtimes.peers.engine import EngineInstance, EngineRuntime
from runtimes.paths import scratch_root

SOCKET = "/var/run/docker.sock"
START_HINT = ("install and start a Docker engine: sudo apt-get install docker.io && "
              "sudo dockerd --iptables=false --bridge=none &")


def engine_answers(path: str = SOCKET, timeout_s: float = 2.0) -> str:
    """"" when dockerd answers ``GET /_ping`` on its socket (Docker Engine API), else why not."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout_s)
            sock.connect(path)
            sock.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
            reply = sock.recv(4096)
    except OSError as err:
        return f"no Docker engine answers on {path} ({err.strerror or err})"
    return "" if reply.startswith(b"HTTP/1.") and b" 200 " in reply.split(b"\r\n", 1)[0] else \
        f"{path} answered, but not as a Docker engine"


def leftover_containers() -> set[str]:
    """This session's docker containers that still exist; empty when no engine answers."""
    if shutil.which("docker") is None or engine_answers():
        return set()
    done = subprocess.run(["docker", "ps", "--all", "--format", "{{.Names}}", "--filter",
                           f"name={name_prefix('docker')}"], capture_output=True, text=True, timeout=30)
    return set(done.stdout.split())


def _force_remove(name: str) -> None:
    subprocess.run(["docker", "rm", "--force", name], capture_output=True, timeout=60)


class DockerInstance(EngineInstance):
    """The attached ``docker run`` client, and the containerd shim with the container beneath it."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        self._shim: int | None = None
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def extra_roots(self) -> tuple[int, ...]:
        """The shim: the parent of the process whose cgroup names the container's ID."""
        if self._shim is None:
            try:
                cid = self._cidfile.read_text().strip()
            except OSError:
                return ()
            for proc in psutil.process_iter():
                try:
                    if cid and cid in Path(f"/proc/{proc.pid}/cgroup").read_text():
                        self._shim = proc.ppid()
                        break
                except (OSError, psutil.NoSuchProcess):
                    continue
        return (self._shim,) if self._shim is not None else ()

    def cgroup_group(self, cid: str) -> tuple[str, str]:
        return cid, "docker"  # dockerd's cgroupfs layout


class Docker(EngineRuntime):
    name = "docker"
    tool = "docker"
    summary = "Docker: the image imported, `docker run --rm` per instance (only where a Docker engine runs)"
    optional = True  # the suite installs no Docker engine
    launch = ("`docker run --rm`: the client asks dockerd, which asks containerd, whose shim runs runc to start "
              "the probe; the client stays attached, then dockerd removes the container")

    @classmethod
    def available(cls) -> Availability:
        missing = check_tools({"docker": "docker.io"})
        if missing:
            return missing
        why = engine_answers()
        return Availability.no(why, START_HINT) if why else Availability.yes()

    @classmethod
    def orphans(cls) -> list[Orphan]:
        """Containers of this state directory's killed runs: dockerd keeps them running after their client died."""
        return [Orphan(cls.name, "container", name, functools.partial(_force_remove, name))
                for name in sorted(leftover_containers())]

    def setup(self) -> None:
        self.import_image()

    def versions(self) -> dict[str, str]:
        server = self._cli("version", "--format", "{{.Server.Version}}").stdout.strip() or "unknown"
        return {"docker": first_line(["docker", "--version"]), "engine": f"dockerd {server}"}

    def start(self, spec: InstanceSpec) -> Instance:
        name = instance_name(self.name)
        files = scratch_root() / name
        files.mkdir()
        cidfile = files / "cid"
        argv = self.run_argv(name, spec.hostname, spec.limits, spec.argv, ["--cidfile", str(cidfile)])
        try:
            return DockerInstance(self.name, argv, spec.argv[0], cidfile=cidfile,
                                  finish=[lambda: self._remove(name, files)])
        except BaseException:
            self._remove(name, files)
            raise

    def _remove(self, name: str, files: Path) -> None:
        """`docker rm --force` when the client did not see the container removed (it was killed)."""
        if name in leftover_containers():
            _force_remove(name)
        for path in files.iterdir():
            path.unlink()
        files.rmdir()
