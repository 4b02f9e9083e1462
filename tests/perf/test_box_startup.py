"""box's start-up against the production runtimes (`make perf`).

Targets (issue 3): through the library, box's launch → READY no slower than
crun's on the same root filesystem; from the shell, `box run --rm IMAGE true`
no slower than `runc run`. Both are measured here in one run and printed
with their ratios; the assertions state the targets.
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


# Known unmet (issue 3, blocked): the interpreter and click alone take longer than all of `runc run`.
# strict: should box ever meet the target, the xfail fails and this marker must go.
@pytest.mark.xfail(strict=True, reason="issue 3's shell target is not met by a Python command (docs/box.md)")
def test_box_run_rm_true_is_no_slower_than_runc_run(image: Image, tmp_path: Path) -> None:
    require_runtime("box")
    hyperfine = require_tool("hyperfine", "hyperfine")
    require_tool("runc", "runc")
    with BoxRuntime(image):  # imports the suite's image as isobench:latest
        pass
    sys.path.insert(0, str(HERE))
    from startup_compare import make_bundle

    bundle = make_bundle(image.rootfs, tmp_path, "runc", ["/bin/true"])
    python = f"{REPO}/.venv/bin/python3"
    commands = {
        "box": f"{REPO}/.venv/bin/box run --rm {SUITE_IMAGE} /bin/true",
        "runc": f"runc run --bundle {bundle} perf-shell",
        # What any Python command pays before its first line of work: the floor under box's figure.
        "python": f"{python} -c pass",
        "click": f"{python} -c 'import click'",
        "imports": f"{python} -c 'import runtimes.box.cli'",
    }
    export = tmp_path / "hyperfine.json"
    quoted = " ".join(f'"{c}"' for c in commands.values())
    # runc refuses this host's hybrid cgroups: measure all inside one private mount namespace without cgroup2.
    script = (f"mount --make-rprivate / && umount /sys/fs/cgroup/unified; "
              f"{hyperfine} -N --warmup 3 --runs 30 --export-json {export} {quoted}")
    subprocess.run(["unshare", "-m", "sh", "-c", script], check=True, capture_output=True, timeout=600,
                   env={**os.environ, "PYTHONPATH": str(REPO)})
    medians = [r["median"] * 1e3 for r in json.loads(export.read_text())["results"]]
    ms = dict(zip(commands, medians, strict=True))
    print(f"\nfrom the shell, median of 30: `box run --rm {SUITE_IMAGE} true` {ms['box']:.1f} ms, "
          f"`runc run` {ms['runc']:.1f} ms, ratio {ms['box'] / ms['runc']:.2f}\n"
          f"  of box's: interpreter start {ms['python']:.1f} ms, then importing click "
          f"{ms['click'] - ms['python']:.1f} ms and all of box's command line {ms['imports'] - ms['python']:.1f} ms; "
          f"the container's own work {ms['box'] - ms['imports']:.1f} ms")
    assert ms["box"] <= ms["runc"]


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
