"""The Docker lesson's classroom, for tests: the teacher's registry, and a Docker engine that pulls from it.

    with LocalRegistry(workdir) as registry:
        fill(registry, image.rootfs)                       # library/busybox and library/hello-world
        with docker_engine(registry) as engine:
            if engine.skip:
                pytest.skip(engine.skip)
            subprocess.run(["docker", "run", "hello-world"], env={**os.environ, **engine.env})

A class without internet pulls "Docker Hub" images from a registry of its
own: Docker sends them to the mirrors in daemon.json's ``registry-mirrors``
(``--registry-mirror``), and box to ``BOX_REGISTRY_MIRROR``. A plain-HTTP
mirror must also be one of Docker's ``insecure-registries``
(docs: https://docs.docker.com/reference/cli/dockerd/ "registry-mirrors").

The engine is the suite's own (``runtimes.peers.docker_engine.DockerEngine``:
it starts dockerd where none answers, and leaves the host as it found it).
An engine that was already running was not started with this registry as
its mirror, and a test never reconfigures somebody else's engine: then the
Docker half is skipped, saying so.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

from runtimes.kernel.build import compile_static
from runtimes.peers.docker_engine import DockerEngine
from tests.registry import LocalRegistry, OciLayout, entry, tar_layer

HELLO_SOURCE = Path(__file__).parent / "images" / "hello.c"
HELLO_WORLD, BUSYBOX = "library/hello-world:latest", "library/busybox:latest"


@dataclasses.dataclass(frozen=True)
class ClassEngine:
    """How to reach the class's Docker engine: extra environment for the docker client, or why not."""

    env: Mapping[str, str] = dataclasses.field(default_factory=dict)  # for the client; empty: DockerEngine.SOCKET
    skip: str = ""


def fill(registry: LocalRegistry, rootfs: Path) -> None:
    """The teacher's registry: the suite's image as busybox, and a hello-world of our own."""
    registry.push_busybox(rootfs, BUSYBOX)
    hello = compile_static(HELLO_SOURCE, "hello")
    layout = OciLayout(Path(tempfile.mkdtemp(prefix="hello-", dir=registry.workdir)))
    layer = tar_layer([entry("hello", data=hello.read_bytes(), mode=0o755)])
    layout.tag(layout.image([layer], cmd=["/hello"]), "latest")
    registry.push(layout, "latest", HELLO_WORLD)


def docker_client(env: Mapping[str, str], *args: str, timeout_s: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", *args], env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=timeout_s)


@contextlib.contextmanager
def docker_engine(registry: LocalRegistry) -> Iterator[ClassEngine]:
    """An engine whose registry mirror is ``registry``, for the ``with`` block; see the module's docstring."""
    mirror = f"http://{registry.host}"
    for tool in ("docker", "dockerd"):
        if shutil.which(tool) is None:
            yield ClassEngine(skip=f"{tool} not found; fix: sudo apt-get install docker.io (or sudo scripts/provision)")
            return
    with DockerEngine(registry_mirrors=[mirror], insecure_registries=[registry.host]) as facts:
        if not facts.answering:
            yield ClassEngine(skip=f"no Docker engine here: {facts.reason}")
        elif mirror not in mirrors({}):
            yield ClassEngine(skip=f"a Docker engine already runs here without {mirror} as its registry mirror, "
                                   "and a test does not reconfigure an engine it did not start")
        else:
            yield ClassEngine()


def mirrors(env: Mapping[str, str]) -> set[str]:
    """The registry mirrors the engine was started with (``docker info``), without trailing slashes."""
    done = docker_client(env, "info", "--format", "{{json .RegistryConfig.Mirrors}}", timeout_s=30)
    try:
        return {m.rstrip("/") for m in json.loads(done.stdout or "null") or ()}
    except ValueError:
        return set()
