"""docs/contributing.md's check: its example runtime, added through exactly its steps, runs through the runner.

The example's code is read from the page itself, written as a module on a
temporary import path, and registered the way step 5 says (an entry in
``runtimes._REGISTRY``). Then ``bench run``'s own path runs it against
native: the registry's lineup, the real runner, real processes (no root:
the "image" is a directory whose probe is a shell script printing the
probe's ready line).
"""

from __future__ import annotations

import re
from pathlib import Path

import runtimes
from bench.runner import Lineup, RunOptions, run_suite
from bench.scenario import parse_scenario
from bench.store import Store
from runtimes.image import Image
from runtimes.probe import PATH_IN_IMAGE

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "contributing.md"


def test_the_page_lists_the_steps_in_order():
    steps = re.findall(r"^(\d+)\. \*\*(.+?)\*\*", PAGE.read_text(), re.MULTILINE)
    assert [int(n) for n, _ in steps] == list(range(1, len(steps) + 1)) and len(steps) >= 5
    assert any("Register" in title for _, title in steps)


def test_the_example_runtime_added_by_the_steps_runs_through_the_runner(tmp_path, monkeypatch):
    # Step 1-4: the page's module, as written there.
    code = re.search(r"```python\n(.*?)```", PAGE.read_text(), re.DOTALL).group(1)
    package = tmp_path / "contrib_example"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "nice.py").write_text(code)
    monkeypatch.syspath_prepend(str(tmp_path))
    # Step 5: one entry in the registry, where its column goes (after native).
    registry = list(runtimes._REGISTRY)
    registry.insert(1, ("contrib_example.nice", "Nice"))
    monkeypatch.setattr(runtimes, "_REGISTRY", tuple(registry))
    assert "nice" in runtimes.runtime_names()

    monkeypatch.setenv("ISOBENCH_STATE", str(tmp_path / "state"))
    rootfs = tmp_path / "rootfs"
    probe = rootfs / PATH_IN_IMAGE.lstrip("/")
    probe.parent.mkdir(parents=True)
    probe.write_text('#!/bin/sh\necho "BENCH event=ready mode=$1 pid=$$"\n')
    probe.chmod(0o755)
    image = Image(rootfs=rootfs, key="k", digest="d" * 64, inputs={})
    scenario = parse_scenario('name = "startup"\ndescription = "t"\n[workload]\nmode = "ready"\n[run]\nwarmup = 1\n'
                              'repetitions = 2\n[report]\nmetrics = ["ready_s"]\n', tmp_path / "startup.toml")
    with Store(tmp_path / "s.sqlite") as store:
        sid = run_suite([scenario], store, image, RunOptions(runtimes=("nice",)), lineup=Lineup.registered())
        data = store.load(sid)
    assert data.runs["ok"].all(), data.runs["error"].tolist()
    assert list(dict.fromkeys(data.runs["runtime"])) == ["native", "nice"]
    measured = data.samples[data.samples["metric"] == "ready_s"]
    assert measured.groupby("runtime").size().to_dict() == {"native": 2, "nice": 2}
    assert data.runtimes["nice"].summary.startswith("the probe at the lowest CPU priority")
    assert not list((tmp_path / "state" / "scratch").glob("nice-*")), "setup's undo ran"
