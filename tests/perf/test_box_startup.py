"""box's start-up against the production runtimes (`make perf`).

Targets: through the library, box's launch → READY no slower than crun's on
the same root filesystem (issue 3); from the shell, `box run --rm IMAGE true`
at most 1.5× `runc run` and at most half of `podman run --rm` (issue 17), as
ratios of medians in one hyperfine run, which also splits box's time into the
interpreter's start, box's imports for `run`, and the container's own work.
It also times the least any Python `box run` could take (the interpreter, the
standard modules its system calls need, the container's work) with and
without the modules the project's code rules bring (dataclasses, pathlib):
where that least is already above 1.5× runc, the target cannot be met by
trimming box's own code.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

from runtimes import Image
from runtimes.box.runtime import SUITE_IMAGE, BoxRuntime
from tests.conftest import REPO
from tests.envcheck import require_runtime, require_tool

HERE = Path(__file__).resolve().parent


def _median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1e3


def test_box_launch_to_ready_is_no_slower_than_crun(image: Image) -> None:
    require_runtime("box")
    require_tool("crun", "crun")
    require_tool("runc", "runc")
    out = subprocess.run([sys.executable, str(HERE / "startup_compare.py"), "40"], capture_output=True, text=True,
                         check=True, env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=600)
    samples = json.loads(out.stdout)
    box, crun, runc = (_median_ms(samples[k]) for k in ("box", "crun", "runc"))
    print(f"\nlaunch → READY, median of {len(samples['box'])} interleaved runs: box {box:.2f} ms, "
          f"crun {crun:.2f} ms, runc {runc:.2f} ms; box/crun {box / crun:.2f}, box/runc {box / runc:.2f}")
    assert box <= crun, f"box {box:.2f} ms is slower than crun {crun:.2f} ms"


SHELL_RUNS = 30
STDLIB_FLOOR = "ctypes, signal, json, fcntl, select, struct, errno, resource"
RULES_MODULES = "dataclasses, pathlib, shutil"


@pytest.fixture(scope="module")
def from_the_shell(image: Image, tmp_path_factory: pytest.TempPathFactory) -> dict[str, float]:
    """Medians (ms) of one hyperfine run: `box run --rm`, `runc run`, `podman run --rm`, and box's split.

    All on the suite's image: box from its store (isobench:latest), runc from
    an OCI bundle of the same tree asking for box's container (startup_compare),
    podman from the same tree imported (runtimes.peers.podman). The bytecode of
    the suite is compiled first and PYTHONDONTWRITEBYTECODE is dropped, as after
    a normal install: otherwise every edited module would be compiled on every run.
    """
    require_runtime("box")
    require_runtime("podman")
    hyperfine = require_tool("hyperfine", "hyperfine")
    require_tool("runc", "runc")
    from runtimes.peers.podman import Podman

    with BoxRuntime(image):  # imports the suite's image as isobench:latest
        pass
    with Podman(image) as podman:  # imports it into podman's store
        podman_image, rlimits = podman.image_name, " ".join(podman.rlimit_flags)
    sys.path.insert(0, str(HERE))
    from startup_compare import make_bundle

    tmp_path = tmp_path_factory.mktemp("shell")
    bundle = make_bundle(image.rootfs, tmp_path, "runc", ["/bin/true"])
    python = f"{REPO}/.venv/bin/python3"
    commands = {
        "box": f"{REPO}/.venv/bin/box run --rm {SUITE_IMAGE} /bin/true",
        "runc": f"runc run --bundle {bundle} perf-shell",
        "podman": f"podman run --rm --network none {rlimits} {podman_image} /bin/true",
        # What any Python command pays before its first line of work: the floor under box's figure.
        "python": f"{python} -c pass",
        # What `box run` imports: the dispatcher and the run verb (runtimes/box/commands/run.py).
        "imports": f"{python} -c 'import runtimes.box.cli, runtimes.box.commands.run'",
        # The floor under any Python `box run`: the standard modules its system calls cannot do without
        # (ctypes for mount, pivot_root and unshare, which os lacks in 3.11; json for the state file)...
        "stdlib": f"{python} -c 'import {STDLIB_FLOOR}'",
        # ...and what the project's code rules add to it: dataclasses for the data between modules, pathlib.
        "rules": f"{python} -c 'import {STDLIB_FLOOR}, {RULES_MODULES}'",
    }
    subprocess.run([python, "-m", "compileall", "-q", str(REPO / "runtimes")], check=True, capture_output=True)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | {"PYTHONPATH": str(REPO)}
    export = tmp_path / "hyperfine.json"
    quoted = " ".join(f'"{c}"' for c in commands.values())
    # runc and podman's crun refuse this host's hybrid cgroups: measure all inside one private mount
    # namespace without the empty cgroup2 mount (box sees the same cgroup v1 hierarchies there).
    script = (f"mount --make-rprivate / && (umount /sys/fs/cgroup/unified 2>/dev/null; true) && "
              f"{hyperfine} -N --warmup 3 --runs {SHELL_RUNS} --export-json {export} {quoted}")
    subprocess.run(["unshare", "-m", "sh", "-c", script], check=True, capture_output=True, timeout=900, env=env)
    results = json.loads(export.read_text())["results"]
    ms = {name: r["median"] * 1e3 for name, r in zip(commands, results, strict=True)}
    spread = {name: (statistics.quantiles(r["times"], n=4)[0] * 1e3, statistics.quantiles(r["times"], n=4)[2] * 1e3)
              for name, r in zip(commands, results, strict=True)}
    print(f"\nfrom the shell, medians of {SHELL_RUNS} (IQR): "
          + ", ".join(f"{name} {ms[name]:.1f} ms ({spread[name][0]:.1f}–{spread[name][1]:.1f})" for name in ms)
          + f"\n  box/runc {ms['box'] / ms['runc']:.2f} (target ≤ 1.5), box/podman {ms['box'] / ms['podman']:.2f} "
          f"(target ≤ 0.5)\n  box's time: interpreter start {ms['python']:.1f} ms, box's imports for `run` "
          f"{ms['imports'] - ms['python']:.1f} ms, the container's own work {ms['box'] - ms['imports']:.1f} ms"
          f"\n  {least_box_run(ms)}")
    return ms


def least_box_run(ms: dict[str, float]) -> str:
    """The least a Python `box run` could take here, with and without the code rules' modules, against runc."""
    work = ms["box"] - ms["imports"]
    floor, ruled = ms["stdlib"] + work, ms["rules"] + work
    return (f"least possible before any of box's own code: {floor:.1f} ms ({floor / ms['runc']:.2f}× runc) with "
            f"the system-call modules alone, {ruled:.1f} ms ({ruled / ms['runc']:.2f}× runc) with the code rules' "
            f"{RULES_MODULES} (+{ms['rules'] - ms['stdlib']:.1f} ms)")


def test_box_run_rm_true_is_at_most_1_5_times_runc_run(from_the_shell: dict[str, float]) -> None:
    ms = from_the_shell
    assert ms["box"] <= 1.5 * ms["runc"], f"box {ms['box']:.1f} ms, runc {ms['runc']:.1f} ms; {least_box_run(ms)}"


def test_box_run_rm_true_is_at_most_half_of_podman_run_rm(from_the_shell: dict[str, float]) -> None:
    ms = from_the_shell
    assert ms["box"] <= 0.5 * ms["podman"], f"box {ms['box']:.1f} ms, podman {ms['podman']:.1f} ms"


def test_an_idle_detached_container_costs_at_most_2_mib_beyond_its_workload(image: Image) -> None:
    """Target: no per-container supervisor — box-init is all the host pays beyond the workload."""
    import psutil

    from runtimes.box import Engine

    require_runtime("box")
    with BoxRuntime(image) as runtime:
        engine: Engine = runtime.engine
        container = engine.create(SUITE_IMAGE, ["/usr/bin/probe", "idle"], detach=True)
        devnull = os.open(os.devnull, os.O_RDWR)
        started = engine.start(container, (devnull, devnull, devnull))
        os.close(devnull)
        try:
            assert started.setup_error() == ""
            deadline = time.monotonic() + 10
            while len(container.cgroup().pids()) < 2 and time.monotonic() < deadline:  # box-init, then the probe
                time.sleep(0.01)
            time.sleep(0.2)  # let the probe reach its idle state
            processes = [psutil.Process(p) for p in container.cgroup().pids()]
            pss = {p.name(): p.memory_full_info().pss for p in processes}
            overhead = sum(pss.values()) - pss["probe"]
            print(f"\nidle detached container: host PSS {sum(pss.values()) / 2**20:.2f} MiB, of which the workload "
                  f"{pss['probe'] / 2**20:.2f} MiB and box-init {overhead / 2**20:.2f} MiB; processes: {sorted(pss)}")
            assert overhead <= 2 * 2**20
        finally:
            os.close(started.error_fd)
            engine.stop(container, timeout_s=2)
            os.waitpid(started.pid, 0)
            engine.remove(container, force=True)
