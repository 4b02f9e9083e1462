"""bench.report: the HTML report and its figures table, built from recorded real results.

tests/data/recorded-session.sqlite is a real store, recorded on the project's
Debian 12 test host (a VM, 2 cores, cgroup v1+v2) as root with

    ISOBENCH_CACHE=/tmp/unit-cache ISOBENCH_STATE=/tmp/unit-state \\
        .venv/bin/bench run startup memory cpu --quick --reports /tmp/unit-rec

and copied from /tmp/unit-rec/isobench.sqlite. It holds one finished quick
session: scenarios startup, memory and cpu, runtimes native and chroot.

tests/data/report-snapshot.html is the page rendered from it with the plotly.js
bundle stripped. After a deliberate change to the report (or a plotly upgrade),
regenerate it and review the diff:

    UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/unit/test_report.py
    git diff tests/data/report-snapshot.html
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import plotly.offline
import pytest
from markupsafe import escape

from bench import metadata as md
from bench.report import render_html, summary_table
from bench.report.checks import collect_warnings
from bench.metrics import metric
from bench.report.text import HEADER, summary_rows
from bench.results import RunRecord, ScenarioInfo, SessionData, Skip
from bench.store import Store

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
RECORDED = DATA_DIR / "recorded-session.sqlite"
SNAPSHOT = DATA_DIR / "report-snapshot.html"
GENERATED_AT = "2026-01-01T00:00:00+00:00"


def _escape(text: str) -> str:
    """As the templates escape a text (markupsafe: ' as &#39;)."""
    return str(escape(text))


def _load_copy(source: Path, directory: Path) -> SessionData:
    """Load the newest session from a copy: opening a Store may migrate or create files beside it."""
    copy = directory / source.name
    shutil.copyfile(source, copy)
    with Store(copy) as store:
        return store.load()


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> SessionData:
    return _load_copy(RECORDED, tmp_path_factory.mktemp("recorded"))


@pytest.fixture(scope="module")
def page(data: SessionData) -> str:
    return render_html(data, generated_at=GENERATED_AT)


def _section(page: str, name: str) -> str:
    match = re.search(rf'<section id="{re.escape(name)}">(.*?)</section>', page, re.DOTALL)
    assert match, f"no section {name!r}"
    return match.group(1)


def _strip_plotly_js(page: str) -> str:
    js = plotly.offline.get_plotlyjs()
    assert page.count(js) == 1, "plotly.js must be embedded exactly once, so the report opens offline"
    return page.replace(js, "/* plotly.js stripped for the snapshot */")


# -- the recorded data itself ----------------------------------------------------

def test_recorded_session_holds_what_these_tests_rely_on(data):
    assert data.info.status == "finished"
    assert data.info.quick is True
    assert [s.name for s in data.scenarios] == ["startup", "memory", "cpu"]
    assert sorted(set(data.samples["runtime"])) == ["chroot", "native"]
    assert not data.skips
    assert (data.runs["ok"] == 1).all()
    assert (data.runs["warmup"] == 1).sum() == 6  # one warm-up per scenario and runtime
    assert data.runtimes["chroot"].versions  # the chroot tool's version was recorded


# -- summary_table ----------------------------------------------------------------

def test_summary_has_one_row_per_scenario_metric_and_runtime(data):
    table = summary_table(data)
    keys = list(zip(table["scenario"], table["metric"], table["runtime"]))
    assert len(keys) == len(set(keys))
    expected = set(data.samples.groupby(["scenario", "metric", "runtime"]).groups)
    assert set(keys) == expected
    for s in data.scenarios:
        for m in s.metrics:
            for runtime in ("native", "chroot"):
                assert (s.name, m, runtime) in expected


def test_summary_counts_every_measured_sample(data):
    table = summary_table(data).set_index(["scenario", "metric", "runtime"])
    counts = data.samples.groupby(["scenario", "metric", "runtime"]).size()
    for key, n in counts.items():
        assert table.loc[key, "n"] == n
    assert table.loc[("startup", "ready_s", "native"), "n"] == 10  # quick startup: 10 repetitions
    assert table.loc[("cpu", "cpu_elapsed_s", "chroot"), "n"] == 5


def test_summary_ratio_is_one_for_native_and_relative_to_native_otherwise(data):
    table = summary_table(data)
    native = table[(table["runtime"] == "native") & (table["median"] != 0)]
    assert not native.empty
    assert (native["ratio"] == 1.0).all()
    assert native["significant"].isna().all()
    medians = table.set_index(["scenario", "metric", "runtime"])["median"]
    chroot = table[(table["runtime"] == "chroot") & table["ratio"].notna()]
    assert not chroot.empty
    for row in chroot.itertuples():
        expected = medians[(row.scenario, row.metric, "chroot")] / medians[(row.scenario, row.metric, "native")]
        assert row.ratio == pytest.approx(expected)
        assert row.significant in (True, False)


def test_summary_whiskers_are_samples_within_the_tukey_fences(data):
    for row in summary_table(data).itertuples():
        rows = data.samples[(data.samples["scenario"] == row.scenario) & (data.samples["metric"] == row.metric)
                            & (data.samples["runtime"] == row.runtime)]
        values = rows["value"].tolist()
        low_fence, high_fence = row.q1 - 1.5 * row.iqr, row.q3 + 1.5 * row.iqr
        inside = [v for v in values if low_fence <= v <= high_fence]
        assert row.q1 <= row.median <= row.q3
        assert (row.low_whisker, row.high_whisker) == (min(inside), max(inside))
        assert row.outliers == len(values) - len(inside)


# -- the terminal summary ----------------------------------------------------------

def test_terminal_summary_has_a_row_per_charted_figure_and_runtime(data):
    table = summary_table(data)
    rows = summary_rows(data, table)
    assert all(len(r) == len(HEADER) for r in rows)
    assert [(r[0], r[2]) for r in rows] == [(s.name, rt) for s in data.scenarios for _ in s.metrics
                                            for rt in ("native", "chroot")]
    by_key = {(r[0], r[1], r[2]): r for r in rows}
    native = by_key[("startup", "launch → READY", "native")]
    median = table[(table["scenario"] == "startup") & (table["metric"] == "ready_s") & (table["runtime"] == "native")]
    assert native[3] == f"{median['median'].item() * 1e3:.4g} ms"
    assert native[5] == "10" and native[6] == "baseline"
    chroot = by_key[("cpu", "fixed CPU work, wall time", "chroot")]
    assert chroot[6].endswith("× (n.s.)")  # not significantly different from native in the recording


# -- render_html --------------------------------------------------------------------

def test_report_has_a_section_per_scenario_in_order(data, page):
    positions = [page.index(f'<section id="{s.name}"><h2>{s.name}</h2>') for s in data.scenarios]
    assert positions == sorted(positions)
    for s in data.scenarios:
        assert _escape(s.description) in _section(page, s.name)
        assert _escape(s.note) in _section(page, s.name)


def test_report_draws_each_scenario_with_the_chart_its_question_needs(data, page):
    # startup: one distribution chart per figure; memory: one stacked chart; cpu: one bar chart per figure
    expected = {"startup": ["chart-startup-ready_s", "chart-startup-exit_s"], "memory": ["chart-memory"],
                "cpu": ["chart-cpu-cpu_elapsed_s", "chart-cpu-cpu_cpu_s"]}
    for scenario, ids in expected.items():
        section = _section(page, scenario)
        for div in ids:
            assert section.count(f'<div id="{div}"') == 1, div
        assert 'class="explain"' in section, "every section explains its chart for students"
    assert page.count('class="plotly-graph-div"') == sum(len(ids) for ids in expected.values())
    assert 'id="chart-startup-cleanup_s"' not in page  # recorded, but not asked for by the scenario
    memory = _section(page, "memory")
    assert "the workload&#39;s own memory" in memory and "isolation overhead" in memory  # the stacked parts


def test_first_screen_summarises_each_runtime(data, page):
    overview = page[page.index('<section id="overview">'):page.index("</section>", page.index('<section id="overview">'))]
    assert page.index('<section id="overview">') < page.index('<section id="startup">')
    table = summary_table(data).set_index(["scenario", "metric", "runtime"])
    for runtime in ("native", "chroot"):
        ready = table.loc[("startup", "ready_s", runtime), "median"]
        pss = table.loc[("memory", "host_pss_bytes", runtime), "median"]
        assert re.search(rf"<tr><td>{runtime}</td><td>{re.escape(metric('ready_s').format(ready))}</td>"
                         rf"<td>{re.escape(metric('host_pss_bytes').format(pss))}</td>", overview), runtime
    assert overview.count("<tr><td>") == 2


def test_published_figures_are_marked_as_references_with_citations(page):
    startup = _section(page, "startup")
    assert "What the literature measured — other hardware, not this host" in startup
    assert "Firecracker project, SPECIFICATION.md" in startup and "ref. [1]" in startup
    refs = _section(page, "literature")
    assert "Felter" in refs and "Agache" in refs and "containers/crun" in refs


def test_report_shows_the_host_metadata(data, page):
    host = _section(page, "host")
    for key, value in data.info.metadata.items():
        row = f"<tr><td>{_escape(md.label(key))}</td><td>{_escape(md.format_value(key, value))}</td></tr>"
        assert row in host, key
    assert "<td>logical CPUs</td><td>2</td>" in host
    assert "<td>memory</td><td>23.5 GiB</td>" in host
    digest = data.info.metadata["image_digest"]
    assert digest[:12] in host and digest not in page
    assert "chroot: chroot (GNU coreutils) 9.1" in _section(page, "runtimes"), "tool versions are listed per runtime"
    header = page[page.index("<h1>"):page.index('<section id="startup">')]
    assert data.info.metadata["kernel"] in header and data.info.metadata["cpu_model"] in header
    assert f"report generated {GENERATED_AT}" in header


def test_report_lists_the_warnings_first(data, page):
    match = re.search(r'<div class="warn"><b>Read these first</b><ul>(.*?)</ul></div>', page)
    assert match, "no warnings block"
    # right under the first screen's summary, before any scenario's figures
    assert page.index('<section id="overview">') < page.index('<div class="warn">') < page.index('<section id="startup">')
    items = re.findall(r"<li>(.*?)</li>", match.group(1))
    assert items == [_escape(w) for w in collect_warnings(data, summary_table(data))]
    assert any(i.startswith("Quick mode: few repetitions") and "run without --quick" in i for i in items)
    assert any(i.startswith("This host is itself a virtual machine") for i in items)


def test_report_tables_carry_display_units_in_their_headers(page):
    for scenario, unit in (("startup", "ms"), ("memory", "MiB"), ("cpu", "ms")):
        section = _section(page, scenario)
        for column in ("median", "IQR", "min – max"):
            assert f"<th>{column} ({unit})</th>" in section, (scenario, column)
        assert "<th>vs native</th>" in section


def test_report_marks_the_baseline_and_non_significant_ratios(data, page):
    table = summary_table(data)
    figures = re.findall(r'<table class="figures">.*?</table>', page)
    assert len(figures) == sum(len(s.metrics) for s in data.scenarios)
    for figure in figures:
        assert "<tr><td>native</td>" in figure and "1× (baseline)" in figure
    cpu = _section(page, "cpu")
    row = table[(table["scenario"] == "cpu") & (table["metric"] == "cpu_elapsed_s") & (table["runtime"] == "chroot")]
    assert row["significant"].item() is False  # the recorded chroot CPU time is within noise of native
    assert f"{row['ratio'].item():.2f}× ± {row['ratio_spread'].item():.2f} " \
           '<span class="muted">(not significant)</span>' in cpu


def test_report_is_deterministic(data, page):
    assert render_html(data, generated_at=GENERATED_AT) == page


def test_report_matches_the_snapshot(page):
    # Regenerate with UPDATE_SNAPSHOTS=1 (see the module docstring), then review the diff.
    got = _strip_plotly_js(page)
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(got, encoding="utf-8")
    if not SNAPSHOT.exists():
        pytest.fail(f"{SNAPSHOT} is missing; create it with UPDATE_SNAPSHOTS=1")
    expected = SNAPSHOT.read_text(encoding="utf-8")
    if got != expected:
        got_lines, want_lines = got.splitlines(), expected.splitlines()
        first = next((i for i, (a, b) in enumerate(zip(got_lines, want_lines)) if a != b),
                     min(len(got_lines), len(want_lines)))
        pytest.fail(f"report differs from {SNAPSHOT.name} at line {first + 1}:\n"
                    f"  got:      {got_lines[first][:300] if first < len(got_lines) else '<end>'}\n"
                    f"  snapshot: {want_lines[first][:300] if first < len(want_lines) else '<end>'}\n"
                    "If the change is intended, rerun with UPDATE_SNAPSHOTS=1 and review the diff.")


# -- a partial session: skips, failures, too few samples ------------------------------

@pytest.fixture
def partial(tmp_path) -> SessionData:
    """An interrupted session written through the real Store: box skipped, chroot failed every run."""
    info = ScenarioInfo(name="startup", description="launch to ready", note="", mode="ready", args=(),
                        metrics=("ready_s", "exit_s"), warmup=0, repetitions=3)
    with Store(tmp_path / "s.sqlite") as store:
        sid = store.begin_session("bench run startup", quick=False,
                                  metadata={"hostname": "lab-1", "cpu_governor": "powersave", "in_vm": "no"})
        store.record_scenario(sid, info)
        store.record_skip(sid, Skip("startup", "box", "box is not built", "make box"))
        for i, value in enumerate((0.0010, 0.0011, 0.0012)):
            store.record_run(sid, RunRecord("startup", "native", i, False, True, {"ready_s": value}))
        store.record_run(sid, RunRecord("startup", "chroot", 0, False, False, {}, error="timed out after 60 s"))
        store.finish_session(sid, "interrupted")
        return store.load(sid)


def test_warnings_name_each_problem_and_its_fix(partial):
    warnings = collect_warnings(partial, summary_table(partial))
    assert warnings == [
        "This session did not finish (status: interrupted); it shows the runs completed before it stopped.",
        "CPU frequency governor is 'powersave': timings may vary with clock changes; set it to 'performance' "
        "(cpupower frequency-set -g performance).",
        "box did not run in startup: box is not built. Fix: make box",
        "chroot failed 1 run(s) of startup: timed out after 60 s",
        "startup: few runs for native (3); use --repetitions 10 or more.",
    ]


def test_report_of_a_partial_session_says_what_is_missing(partial):
    page = render_html(partial, generated_at=GENERATED_AT)
    section = _section(page, "startup")
    assert "Not run here: box (box is not built)" in section
    assert 'id="chart-startup-ready_s"' in section
    assert "No launch → exited figures: every run failed or none ran." in section
    assert "<tr><td>chroot</td>" not in section  # no figures for a runtime whose every run failed
    assert "native, chroot, box" in page  # every runtime that was asked for is named


def test_charts_switch_to_a_log_axis_when_medians_span_more_than_a_hundredfold():
    import pandas as pd

    from bench.report.charts import metric_figure

    def frame(values: dict[str, list[float]]) -> pd.DataFrame:
        rows = [{"scenario": "s", "runtime": r, "iteration": i, "metric": "ready_s", "value": v}
                for r, vs in values.items() for i, v in enumerate(vs)]
        return pd.DataFrame(rows)

    containers_and_a_vm = metric_figure(frame({"native": [0.001, 0.0011], "libvirt": [2.8, 2.9]}), "ready_s",
                                        ["native", "libvirt"])
    containers_only = metric_figure(frame({"native": [0.001, 0.0011], "box": [0.009, 0.01]}), "ready_s",
                                    ["native", "box"])
    assert containers_and_a_vm.layout.yaxis.type == "log" and "log scale" in containers_and_a_vm.layout.title.text
    assert containers_only.layout.yaxis.type != "log" and "log scale" not in containers_only.layout.title.text
