"""Launch → READY of box against crun and runc, measured the same way, interleaved.

Run by tests/perf/test_box_startup.py as a separate process, because it first
moves itself into a private mount namespace where the empty cgroup v2 mount of
this hybrid host is detached: crun refuses hybrid layouts ("cgroups in hybrid
mode not supported"), and doing it here leaves the host untouched. box is
measured in the same namespace, so both see the same cgroup v1 hierarchies.
The bundles are the suite's own (``runtimes.peers.oci``): the container box
makes — namespaces, capabilities, masks, seccomp — in the OCI spec's words.

Prints one JSON object: runtime → list of launch → READY seconds.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from runtimes import InstanceSpec, build_image, probe_argv
from runtimes._process import SpawnedInstance
from runtimes.kernel import linux
from runtimes.box.runtime import BoxRuntime
from runtimes.peers import oci


def private_mounts_without_cgroup2() -> None:
    linux.unshare(linux.CLONE_NEWNS)
    linux.mount(None, "/", None, linux.MS_REC | linux.MS_PRIVATE)
    if os.path.ismount("/sys/fs/cgroup/unified"):
        linux.umount2("/sys/fs/cgroup/unified")


def make_bundle(rootfs: Path, directory: Path, tool: str, args: list[str]) -> Path:
    """An OCI bundle for ``tool``: a copy of ``rootfs`` and the config.json of box's container (runtimes.peers.oci)."""
    bundle = directory / tool
    bundle.mkdir()
    shutil.copytree(rootfs, bundle / "rootfs", symlinks=True)
    return oci.make_bundle(bundle, bundle / "rootfs", args)


def time_oci(tool: str, bundle: Path, n: int) -> float:
    t0 = time.monotonic_ns()
    with SpawnedInstance(tool, [tool, "run", "--bundle", str(bundle), f"perf-{os.getpid()}-{n}"]) as inst:
        ready = inst.wait_ready(30)
        inst.wait(30)
    return (ready.at_ns - t0) / 1e9


def time_box(runtime: BoxRuntime, spec: InstanceSpec) -> float:
    t0 = time.monotonic_ns()
    with runtime.start(spec) as inst:
        ready = inst.wait_ready(30)
        inst.wait(30)
    return (ready.at_ns - t0) / 1e9


def main(runs: int) -> None:
    private_mounts_without_cgroup2()
    image = build_image()
    spec = InstanceSpec(image=image, argv=probe_argv("ready"))
    samples: dict[str, list[float]] = {"box": [], "crun": [], "runc": []}
    with tempfile.TemporaryDirectory() as tmp, BoxRuntime(image) as box:
        bundles = {tool: make_bundle(image.rootfs, Path(tmp), tool, list(spec.argv)) for tool in ("crun", "runc")}
        for n in range(runs + 3):  # the first 3 rounds are warm-up
            for name in ("box", "crun", "runc"):
                value = time_box(box, spec) if name == "box" else time_oci(name, bundles[name], n)
                if n >= 3:
                    samples[name].append(value)
    json.dump(samples, sys.stdout)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
