"""bench.report: the HTML report and its figures table, built from recorded real results.

tests/data/recorded-session.sqlite is a real store, recorded on the project's
Debian 12 test host (a VM, 2 cores, cgroup v1+v2) as root with

    ISOBENCH_CACHE=/tmp/unit-cache ISOBENCH_STATE=/tmp/unit-state \\
        .venv/bin/bench run startup memory cpu --quick --reports /tmp/unit-rec

and copied from /tmp/unit-rec/isobench.sqlite. It holds one finished quick
session: scenarios startup, memory and cpu, runtimes native and chroot.

What a section says or shows is checked on the page as data (``build_page``,
bench.report.view); a few checks read the HTML itself: the order of its parts,
that it opens offline, and the snapshot.

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
from bench.report.html import build_page
from bench.report.i18n import Catalogue
from bench.report.view import Chart, Page, Paragraph, References, Section
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
    native = by_key[("startup", "ready", "native")]  # short labels: the summary fits 100 columns
    median = table[(table["scenario"] == "startup") & (table["metric"] == "ready_s") & (table["runtime"] == "native")]
    assert native[3] == f"{median['median'].item() * 1e3:.4g} ms"
    assert native[5] == "10" and native[6] == "baseline"
    chroot = by_key[("cpu", "elapsed", "chroot")]
    assert chroot[6].endswith("× (n.s.)")  # not significantly different from native in the recording


# -- the page as data (bench.report.view): what each section says and shows ------------

@pytest.fixture(scope="module")
def view(data: SessionData) -> Page:
    return build_page(data, GENERATED_AT, Catalogue("en"))


def _of(view: Page, name: str) -> Section:
    return next(s for s in view.sections if s.id == name)


def test_report_has_a_section_per_scenario_in_order(data, view):
    assert [s.id for s in view.sections][:len(data.scenarios)] == [s.name for s in data.scenarios]
    for s in data.scenarios:
        section = _of(view, s.name)
        assert section.heading == s.name
        sub, note = section.of(Paragraph)[:2]
        assert sub.css == "sub" and sub.text.startswith(_escape(s.description))
        assert (note.css, note.text) == ("note", s.note)


def test_report_draws_each_scenario_with_the_chart_its_question_needs(data, view):
    # startup: one distribution chart per figure; memory: one stacked chart; cpu: one bar chart per figure
    expected = {"startup": ["chart-startup-ready_s", "chart-startup-exit_s"], "memory": ["chart-memory"],
                "cpu": ["chart-cpu-cpu_elapsed_s", "chart-cpu-cpu_cpu_s"]}
    for scenario, ids in expected.items():
        section = _of(view, scenario)
        assert [c.div_id for c in section.of(Chart)] == ids
        assert [p for p in section.of(Paragraph) if p.css == "explain"], "every section explains its chart for students"
    assert "chart-startup-cleanup_s" not in {c.div_id for s in view.sections for c in s.of(Chart)}  # not asked for
    (memory,) = _of(view, "memory").of(Chart)
    parts = [trace.get("name") for trace in memory.figure["data"]]
    assert "the workload's own memory" in parts and "isolation overhead" in parts  # the stacked parts


def test_first_screen_summarises_each_runtime(data, view):
    table = summary_table(data).set_index(["scenario", "metric", "runtime"])
    overview = view.overview.tables()[0]
    assert [r.cells[0].text for r in overview.rows] == ["native", "chroot"]
    for runtime in ("native", "chroot"):
        ready = table.loc[("startup", "ready_s", runtime), "median"]
        pss = table.loc[("memory", "host_pss_bytes", runtime), "median"]
        cells = overview.row(runtime).cells
        assert (cells[1].text, cells[1].value) == (metric("ready_s").format(ready), ready)
        assert (cells[2].text, cells[2].value) == (metric("host_pss_bytes").format(pss), pss)


def test_published_figures_are_marked_as_references_with_citations(view):
    (refs,) = _of(view, "startup").of(References)
    assert refs.heading == "What the literature measured — other hardware, not this host"
    assert refs.items[0].number == 1 and refs.items[0].cite.startswith("Firecracker project, SPECIFICATION.md")
    sources = " ".join(item.source for item in view.literature)
    assert "Felter" in sources and "Agache" in sources and "containers/crun" in sources


def test_report_shows_the_host_metadata(data, view):
    host = {r.cells[0].text: r.cells[1].text for r in _of(view, "host").tables()[0].rows}
    assert host == {md.label(key): md.format_value(key, value) for key, value in data.info.metadata.items()}
    assert host["logical CPUs"] == "2" and host["memory"] == "23.5 GiB"
    digest = data.info.metadata["image_digest"]
    assert host[md.label("image_digest")].startswith(digest[:12]) and digest not in host.values()
    tools = _of(view, "runtimes").tables()[0].row("chroot").cells[3].text
    assert "chroot: chroot (GNU coreutils) 9.1" in tools, "tool versions are listed per runtime"
    (subtitle,) = view.subtitles
    assert data.info.metadata["kernel"] in subtitle and data.info.metadata["cpu_model"] in subtitle
    assert f"report generated {GENERATED_AT}" in subtitle


def test_report_lists_the_warnings_first(data, view):
    assert list(view.warnings) == collect_warnings(data, summary_table(data))
    assert any(w.startswith("Quick mode: few repetitions") and "run without --quick" in w for w in view.warnings)
    assert any(w.startswith("This host is itself a virtual machine") for w in view.warnings)


def test_report_tables_carry_display_units_in_their_headers(view):
    for scenario, unit in (("startup", "ms"), ("memory", "MiB"), ("cpu", "ms")):
        for table in _of(view, scenario).tables():
            head = [c.text for c in table.head]
            assert head == ["runtime", f"median ({unit})", f"IQR ({unit})", f"min – max ({unit})", "runs", "outliers",
                            "vs native"], scenario


def test_report_marks_the_baseline_and_non_significant_ratios(data, view):
    table = summary_table(data)
    figures = [t for s in view.sections for t in s.tables() if t.css == "figures"]
    assert len(figures) == sum(len(s.metrics) for s in data.scenarios)
    for figure in figures:
        vs = figure.row("native").cells[-1]
        assert (vs.text, vs.value, vs.flags) == ("1× (baseline)", 1.0, {"baseline"})
    row = table[(table["scenario"] == "cpu") & (table["metric"] == "cpu_elapsed_s") & (table["runtime"] == "chroot")]
    assert row["significant"].item() is False  # the recorded chroot CPU time is within noise of native
    vs = _of(view, "cpu").tables()[0].row("chroot").cells[-1]
    assert "not_significant" in vs.flags and vs.value == row["ratio"].item()
    assert vs.text == f"{row['ratio'].item():.2f}× ± {row['ratio_spread'].item():.2f}"
    assert vs.notes == ("(not significant)",)


# -- the page as HTML: a few end-to-end checks ----------------------------------------------

def test_the_page_renders_its_parts_in_reading_order_and_opens_offline(view, page):
    """The header, the four answers, the contents, the warnings, then each section; plotly.js inside, nothing fetched."""
    marks = ('<h1 id="top">', '<section id="answers"', '<nav class="toc"',
             '<section id="warnings" class="warn"><b>Read these first</b>', '<section id="overview">',
             *(f'<section id="{s.id}"><h2>' for s in view.sections))
    positions = [page.index(mark) for mark in marks]
    assert positions == sorted(positions)
    warnings = re.search(r'<section id="warnings" class="warn">(.*?)</section>', page, re.DOTALL).group(1)
    items = [item for g in view.warning_groups for item in g.items]
    assert re.findall(r"<li>(.*?)</li>", warnings) == [_escape(w) for w in items]
    assert len(re.findall(r"<details class=\"wgroup", warnings)) == len(view.warning_groups), "one line per kind"
    answers = sum(1 for a in view.answers if a.chart is not None)
    assert page.count('class="plotly-graph-div"') == answers + sum(len(s.of(Chart)) for s in view.sections)
    _strip_plotly_js(page)  # embedded exactly once
    assert not re.search(r"<(?:script|link|img)[^>]+(?:src|href)=", page), "the page fetches nothing"


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
    view = build_page(partial, GENERATED_AT, Catalogue("en"))
    section = _of(view, "startup")
    muted = [p.text for p in section.of(Paragraph) if p.css == "muted"]
    assert muted == ["Not run here: box (box is not built)",
                     "No launch → exited figures: every run failed or none ran."]
    assert [c.div_id for c in section.of(Chart)] == ["chart-startup-ready_s"]
    (table,) = section.tables()
    assert [r.cells[0].text for r in table.rows] == ["native"]  # no figures for a runtime whose every run failed
    assert "native, chroot, box" in view.intro  # every runtime that was asked for is named


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
