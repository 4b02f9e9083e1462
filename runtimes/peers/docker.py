"""docker as a runtime of the suite: ``docker run --rm`` per instance.

scripts/provision installs Debian's ``docker.io`` where the host has no
Docker engine of its own, and each `bench run` that chooses docker holds an
engine for its length (``service``, runtimes/peers/docker_engine.py): the
host's when one answers, else one the suite starts and stops. The image is
imported once (``docker import``) and each instance is an attached
``docker run --rm``: the client asks dockerd, which asks containerd, which
starts a ``containerd-shim-runc-v2`` that runs runc to start the probe. An
instance's host processes are the client and that shim with the container
under it (the daemons are shared by every container, as libvirtd is by every
VM: the memory scenario shows their cost once, apart).
"""

from __future__ import annotations

import contextlib
import functools
import shutil
import subprocess
from pathlib import Path

import psutil

from runtimes.base import Availability, Instance, InstanceSpec, Orphan
from runtimes.kernel.paths import scratch_root
from runtimes.kernel.messages import Message, say
from runtimes.peers import docker_engine
from runtimes.peers._common import check_tools, first_line, instance_name, name_prefix
from runtimes.peers.docker_engine import SOCKET, DockerEngine, engine_answers
from runtimes.peers.engine import EngineInstance, EngineRuntime

__all__ = ["SOCKET", "Docker", "engine_answers", "leftover_containers"]

START_HINT = say("fix.docker")


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
    summary = ("Docker: the image imported, `docker run --rm` per instance; the suite starts the engine for "
               "the run where none is running")
    optional = True  # a host may have no engine and no apt (ISOBENCH_NO_PEERS=1 leaves docker.io out)
    launch = ("`docker run --rm`: the client asks dockerd, which asks containerd, whose shim runs runc to start "
              "the probe; the client stays attached, then dockerd removes the container")

    @classmethod
    def available(cls) -> Availability:
        missing = check_tools({"docker": "docker.io"})
        if missing:
            return missing
        why = engine_answers()
        held = docker_engine.held()
        if why and held is not None and not held.answering:
            return Availability.no(say("docker.engine-failed", reason=held.reason), START_HINT)
        return Availability.no(why, START_HINT) if why else Availability.yes()

    @classmethod
    def service(cls) -> contextlib.AbstractContextManager[object]:
        """Docker's engine for the run: the host's, or one the suite starts now and stops at the end."""
        return DockerEngine()

    @classmethod
    def daemons(cls) -> dict[str, int]:
        return docker_engine.daemon_pids()

    @classmethod
    def orphans(cls) -> list[Orphan]:
        """Containers of this state directory's killed runs (dockerd keeps them running after their client
        died), then the dockerd a killed run started, which takes its containers with it."""
        return [*(Orphan(cls.name, "container", name, functools.partial(_force_remove, name))
                  for name in sorted(leftover_containers())), *docker_engine.leftovers()]

    def setup(self) -> None:
        self.import_image()

    def versions(self) -> dict[str, str | Message]:
        server = self._cli("version", "--format", "{{.Server.Version}}").stdout.strip()
        return {"docker": first_line(["docker", "--version"]),
                "engine": say("docker.engine-version", version=server) if server else say("version.unknown")}

    def start(self, spec: InstanceSpec) -> Instance:
        name = instance_name(self.name)
        files = scratch_root() / name
        files.mkdir()
        cidfile = files / "cid"
        argv = self.run_argv(name, spec.hostname, spec.limits, spec.argv, ["--cidfile", str(cidfile)])
        try:
            return DockerInstance(self.name, argv, spec.argv[0], cidfile=cidfile, pass_fds=spec.inherited_fds,
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
