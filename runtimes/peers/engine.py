"""What podman and docker share: the image imported once, then ``run --rm`` per instance.

Both engines take a root filesystem as a tar stream (``podman import``,
``docker import``) and give it a name; the suite's image is imported under
``localhost/isobench:<digest prefix>`` at the first setup, so the engines
start the very bytes every other runtime starts; later setups find it
there, and an import of new contents removes the images of older ones.
Each instance is ``<engine> run --rm --name NAME --network none …`` in the
foreground, as typed by hand: the client stays attached, passes SIGTERM on
to the container (``--sig-proxy``, the default) and removes the container
once it has exited. The network is "none" (loopback only), as box's.

Limits: ``--memory`` with ``--memory-swap`` equal (no swap), ``--cpus``,
``--pids-limit``. Everything else is each engine's default, which is the
point of measuring it.
"""

from __future__ import annotations

import subprocess
import tarfile
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from runtimes.kernel.errors import RuntimeUnavailable
from runtimes.kernel.messages import say
from runtimes.base import Limits, Runtime
from runtimes.kernel import cgroups
from runtimes.peers._common import PeerInstance

IMAGE_REPOSITORY = "localhost/isobench"


class EngineInstance(PeerInstance):
    """An attached ``run --rm`` client; the engine writes the container's ID to ``cidfile`` (--cidfile)."""

    def __init__(self, *args: object, cidfile: Path, **kwargs: object) -> None:
        self._cidfile = cidfile
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def cgroup_group(self, cid: str) -> tuple[str, str]:
        """(name, parent) of the container's group in this engine's cgroupfs layout."""
        raise NotImplementedError

    @property
    def cgroup(self) -> Path | None:
        """The container's memory cgroup, once the engine has written the container's ID."""
        try:
            cid = self._cidfile.read_text().strip()
            name, parent = self.cgroup_group(cid)
            path = cgroups.for_host(name, parent=parent).path
        except (OSError, ValueError):
            return None
        return path if cid and path.is_dir() else None


def limit_flags(limits: Limits) -> list[str]:
    flags = []
    if limits.memory_bytes is not None:
        flags += ["--memory", str(limits.memory_bytes), "--memory-swap", str(limits.memory_bytes)]
    if limits.cpus is not None:
        flags += ["--cpus", f"{limits.cpus:g}"]
    if limits.pids is not None:
        flags += ["--pids-limit", str(limits.pids)]
    return flags


class EngineRuntime(Runtime):
    """A Docker-compatible engine's command line; subclasses say which and add what their host needs."""

    tool: ClassVar[str]

    @property
    def image_name(self) -> str:
        return f"{IMAGE_REPOSITORY}:{self.image.short}"

    def _cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([self.tool, *args], capture_output=True, text=True, timeout=300)

    def import_image(self) -> None:
        """Import the image's tree under ``image_name`` unless the engine already has it."""
        if self._cli("image", "inspect", "--format", "{{.Id}}", self.image_name).returncode == 0:
            return
        importer = subprocess.Popen([self.tool, "import", "-", self.image_name], stdin=subprocess.PIPE,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        assert importer.stdin is not None
        try:
            with tarfile.open(fileobj=importer.stdin, mode="w|") as tar:
                tar.add(self.image.rootfs, arcname=".")
        except BrokenPipeError:
            pass  # the engine gave up early; its own message follows
        finally:
            importer.stdin.close()
        assert importer.stderr is not None
        with importer.stderr:
            err = importer.stderr.read()
        if importer.wait(timeout=300) != 0:
            raise RuntimeUnavailable(self.name, say("engine.import-failed", tool=self.tool,
                                                    said=err.decode(errors="replace").strip()))
        self._remove_stale_images()

    def _remove_stale_images(self) -> None:
        """The suite's images of earlier contents: the new import replaces them, as box's re-import does."""
        listed = self._cli("images", "--format", "{{.Repository}}:{{.Tag}}").stdout.split()
        stale = [name for name in listed if name.startswith(f"{IMAGE_REPOSITORY}:") and name != self.image_name]
        if stale:
            self._cli("rmi", *stale)  # one still in use by a running container stays; the next import retries

    def run_argv(self, name: str, hostname: str, limits: Limits, argv: Sequence[str], extra: Sequence[str] = ()) -> list[str]:
        return [self.tool, "run", "--rm", "--name", name, "--hostname", hostname, "--network", "none",
                *extra, *limit_flags(limits), self.image_name, *argv]
