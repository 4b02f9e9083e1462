"""podman as a runtime of the suite: the daemonless engine, ``podman run --rm`` per instance.

podman has no daemon: the client sets the container up (image layers on
OverlayFS, the OCI config), hands it to ``conmon``, a small monitor process
that outlives the client, and conmon runs the OCI runtime (crun by default),
which starts the probe. So an instance's host processes are the attached
client and conmon with the container under it; conmon's PID comes from
``--conmon-pidfile``.

Mind the io figures: podman mounts a ``--rm`` container's OverlayFS with
``fsync=volatile`` (the container's data is thrown away at exit), so the
probe's fsync returns at once and its writes stay in the page cache.

Host quirks, handled here and recorded in ``versions()``:

- podman's defaults raise the container's rlimits (open files, processes)
  above this process's hard limits, which needs CAP_SYS_RESOURCE; without it
  (as root here) each run gets ``--ulimit nofile=1024:1024 --ulimit
  nproc=1024:1024``;
- with crun as its OCI runtime on a hybrid cgroup host, podman runs inside the
  same private mount namespace as the crun peer (``runtimes.peers.hybrid``).
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import subprocess
from pathlib import Path

from runtimes.base import Availability, Instance, InstanceSpec, Orphan
from runtimes.kernel.messages import say
from runtimes.peers import hybrid
from runtimes.peers._common import (
    check_answers, check_tools, first_line, instance_name, name_prefix,
)
from runtimes.peers.engine import EngineInstance, EngineRuntime
from runtimes.kernel.paths import scratch_root
from runtimes.kernel.process import wait_exited

CAP_SYS_RESOURCE = 24  # linux/capability.h
CONMON_EXIT_S = 5.0  # how long conmon may take to go after its container was removed
STORAGE = Path("/var/lib/containers/storage")  # podman's default graph root as root (containers-storage.conf(5))
RLIMIT_FLAGS = ("--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024")
RLIMIT_NOTE = say("podman.rlimits", flags=" ".join(RLIMIT_FLAGS))


def has_capability(cap: int) -> bool:
    """Is ``cap`` in this process's effective set (proc(5), CapEff)?"""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("CapEff:"):
            return bool(int(line.split()[1], 16) >> cap & 1)
    return False


def leftover_containers(storage: Path = STORAGE) -> set[str]:
    """Names of this session's podman containers that still exist (containers-storage's own list)."""
    try:
        entries = json.loads((storage / "overlay-containers" / "containers.json").read_text())
    except (OSError, ValueError):
        return set()
    prefix = name_prefix("podman")
    return {n for e in entries for n in e.get("names", []) if n.startswith(prefix)}


def _force_remove(name: str) -> None:
    """`podman rm --force` of a container of a killed run, from where its crun can run (hybrid.py)."""
    with contextlib.ExitStack() as stack:
        ns = stack.enter_context(hybrid.WithoutCgroup2()) if hybrid.is_hybrid() else None
        subprocess.run([*(ns.prefix if ns else []), "podman", "rm", "--force", "--time", "0", name],
                       capture_output=True, pass_fds=ns.pass_fds if ns else (), timeout=60)


class PodmanInstance(EngineInstance):
    """The attached ``podman run`` client, and conmon with the container beneath it."""

    def __init__(self, *args: object, conmon_pidfile: Path, **kwargs: object) -> None:
        self._conmon_pidfile = conmon_pidfile
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def extra_roots(self) -> tuple[int, ...]:
        try:
            return (int(self._conmon_pidfile.read_text().strip()),)
        except (OSError, ValueError):
            return ()

    def cgroup_group(self, cid: str) -> tuple[str, str]:
        return f"libpod-{cid}", "libpod_parent"  # podman's cgroupfs layout


class Podman(EngineRuntime):
    name = "podman"
    tool = "podman"
    summary = "podman, the daemonless Docker-compatible engine: the image imported, `podman run --rm` per instance"
    launch = ("`podman run --rm`: the client prepares the OverlayFS root and the OCI config, starts conmon, which "
              "runs crun (or runc) to start the probe; the client stays attached, then removes the container. "
              "podman mounts a --rm container's OverlayFS with fsync=volatile (its data is thrown away), so fsync "
              "does nothing there: its io figures do not reach the disk as the other runtimes' do")

    @classmethod
    def available(cls) -> Availability:
        return (check_tools({"podman": "podman", "conmon": "conmon", "unshare": "util-linux", "nsenter": "util-linux"})
                or check_answers(["podman", "--version"], "podman"))

    @classmethod
    def orphans(cls) -> list[Orphan]:
        """Containers of this state directory's killed runs: conmon keeps them running after their client died."""
        if os.geteuid() != 0:
            return []
        return [Orphan(cls.name, "container", name, functools.partial(_force_remove, name))
                for name in sorted(leftover_containers())]

    def setup(self) -> None:
        self.oci_runtime = self._cli("info", "--format", "{{.Host.OCIRuntime.Name}}").stdout.strip()
        self.namespace: hybrid.WithoutCgroup2 | None = None
        if self.oci_runtime == "crun" and hybrid.is_hybrid():
            self.namespace = self._cleanup.enter_context(hybrid.WithoutCgroup2())
        self.rlimit_flags = () if has_capability(CAP_SYS_RESOURCE) else RLIMIT_FLAGS
        self.import_image()

    def versions(self) -> dict[str, str]:
        found = {"podman": first_line(["podman", "--version"]), "conmon": first_line(["conmon", "--version"]),
                 "oci runtime": first_line([getattr(self, "oci_runtime", "") or "crun", "--version"])}
        if getattr(self, "namespace", None) is not None:
            found["host quirk: cgroups"] = hybrid.NOTE
        if getattr(self, "rlimit_flags", ()):
            found["host quirk: rlimits"] = RLIMIT_NOTE
        return found

    def start(self, spec: InstanceSpec) -> Instance:
        self.ensure_set_up()
        name = instance_name(self.name)
        files = scratch_root() / name
        files.mkdir()
        conmon_pidfile, cidfile = files / "conmon.pid", files / "cid"
        prefix, fds = (self.namespace.prefix, self.namespace.pass_fds) if self.namespace else ([], ())
        extra = ["--conmon-pidfile", str(conmon_pidfile), "--cidfile", str(cidfile), *self.rlimit_flags]
        argv = [*prefix, *self.run_argv(name, spec.hostname, spec.limits, spec.argv, extra)]
        try:
            return PodmanInstance(self.name, argv, spec.argv[0], pass_fds=(*fds, *spec.inherited_fds),
                                  conmon_pidfile=conmon_pidfile,
                                  cidfile=cidfile, finish=[lambda: self._remove(name, prefix, fds, files)])
        except BaseException:
            self._remove(name, prefix, fds, files)
            raise

    def _remove(self, name: str, prefix: list[str], fds: tuple[int, ...], files: Path) -> None:
        """`podman rm --force` when the client did not get to remove the container (it was killed).

        Then wait for conmon to go: it outlives the client and exits on its own
        once the container is cleaned up, a moment after `rm` returns.
        """
        if name in leftover_containers():
            subprocess.run([*prefix, "podman", "rm", "--force", "--time", "0", name], capture_output=True,
                           pass_fds=fds, timeout=60)
        try:
            # Still there after the wait: the leak checks and bench clean see it.
            wait_exited(int((files / "conmon.pid").read_text().strip()), CONMON_EXIT_S)
        except (OSError, ValueError):
            pass  # no conmon started
        for path in files.iterdir():
            path.unlink()
        files.rmdir()
