"""Runs say what they are: their kind and instance count as columns, sessions side by side told apart by a column.

Sessions are written through the real Store with hand-chosen values: these
tests check how runs are stored and read, not what any runtime measures.
"""

from __future__ import annotations

import re
from pathlib import Path

from bench.report import render_html
from bench.results import RunRecord, ScenarioInfo, SessionData
from bench.store import Store

GENERATED_AT = "2026-01-01T00:00:00+00:00"
DENSITY = ScenarioInfo("density", "how many fit", "", "idle", (), ("density_mem_used_bytes", "density_ready_s"),
                       0, 1, chart="density")


def _density_session(path: Path, per_instance: dict[str, float]) -> SessionData:
    with Store(path) as store:
        sid = store.begin_session("bench run density", quick=False, metadata={"hostname": "lab", "cpu_count": "2"})
        store.record_scenario(sid, DENSITY)
        for rt, per in per_instance.items():
            for i, n in enumerate((1, 2, 4)):
                store.record_run(sid, RunRecord("density", rt, i, False, True,
                                                {"density_mem_used_bytes": n * per, "density_ready_s": n * 0.01},
                                                instances=n))
        store.finish_session(sid, "finished")
        return store.load(sid)


def test_a_density_run_stores_its_instance_count_as_a_column_not_a_figure(tmp_path):
    data = _density_session(tmp_path / "s.sqlite", {"native": 2**20})
    assert "instances_count" not in set(data.samples["metric"])
    assert sorted(set(data.samples["instances"])) == [1, 2, 4]
    assert sorted(data.runs["instances"]) == [1, 2, 4]


def test_side_by_side_density_keeps_each_ratio_to_its_own_native(tmp_path):
    a = _density_session(tmp_path / "a.sqlite", {"native": 2**20, "box": 3 * 2**20})
    b = _density_session(tmp_path / "b.sqlite", {"native": 2**20, "box": 5 * 2**20})
    page = render_html([a, b], generated_at=GENERATED_AT)
    section = re.search(r'<section id="density">(.*?)</section>', page, re.DOTALL).group(1)
    box_a = re.search(r"<tr><td>box · A</td>.*?</tr>", section).group(0)  # the memory table comes first
    box_b = re.search(r"<tr><td>box · B</td>.*?</tr>", section).group(0)
    assert box_a.count("<br>3.00×</span>") == 3, box_a  # against A's native at the same N
    assert box_b.count("<br>5.00×</span>") == 3, box_b
