"""The report as data (bench.report.view): sections, paragraphs and table cells checked without any HTML.

Built from the recorded session (tests/data/recorded-session.sqlite, see test_report.py) and small
sessions written through the real Store.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest

from bench.report import summary_table
from bench.report.html import build_page, render_html
from bench.report.i18n import Catalogue
from bench.report.view import Chart, Paragraph, References, Section
from bench.results import RunRecord, ScenarioInfo, SessionData
from bench.store import Store

RECORDED = Path(__file__).resolve().parents[1] / "data" / "recorded-session.sqlite"
GENERATED_AT = "2026-01-01T00:00:00+00:00"


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> SessionData:
    copy = tmp_path_factory.mktemp("rec") / "isobench.sqlite"
    shutil.copyfile(RECORDED, copy)
    with Store(copy) as store:
        return store.load()


@pytest.fixture(scope="module")
def page(data):
    return build_page(data, GENERATED_AT, Catalogue("en"))


def _section(page, name: str) -> Section:
    return next(s for s in page.sections if s.id == name)


def test_the_page_has_a_section_per_scenario_then_the_appendices(page, data):
    assert [s.id for s in page.sections] == [*(s.name for s in data.scenarios), "runtimes", "host"]
    assert page.lang == "en" and page.title == data.info.id
    assert page.warnings and page.warnings[0].startswith("Quick mode")


def test_each_scenario_explains_its_chart_and_draws_it(page):
    startup = _section(page, "startup")
    explain = [p for p in startup.of(Paragraph) if p.css == "explain"]
    assert len(explain) == 1 and explain[0].lead == "What this shows:"
    assert explain[0].text.startswith("A plain process and chroot share the host's kernel")
    charts = startup.of(Chart)
    assert [c.div_id for c in charts] == ["chart-startup-ready_s", "chart-startup-exit_s"]
    assert charts[0].figure["data"] and charts[0].figure["layout"]["title"]["text"]  # a plotly figure dict
    assert startup.of(References)[0].items  # the literature beside it


def test_a_figures_table_holds_each_median_with_its_unit_and_the_ratio_flags(page, data):
    summary = summary_table(data).set_index(["scenario", "metric", "runtime"])
    table = _section(page, "startup").tables()[0]
    assert [c.text for c in table.head][:2] == ["runtime", "median (ms)"]
    native, chroot = table.row("native").cells, table.row("chroot").cells
    assert native[1].value == summary.loc[("startup", "ready_s", "native"), "median"] and native[1].unit == "s"
    assert "baseline" in native[-1].flags and native[-1].value == 1.0
    ratio = summary.loc[("startup", "ready_s", "chroot"), "ratio"]
    assert math.isclose(chroot[-1].value, ratio) and chroot[-1].text.startswith(f"{ratio:.2f}×")


def test_the_overview_marks_what_was_not_measured(page):
    table = page.overview.tables()[0]
    io = table.row("native").cells[3]
    assert io.text == "" and io.notes == ("–",) and "not_measured" in io.flags


def test_the_spanish_page_is_built_from_the_same_data_in_spanish(data):
    es = build_page(data, GENERATED_AT, Catalogue("es"))
    assert es.overview.heading == "La sesión de un vistazo"
    assert [p.lead for p in _section(es, "startup").of(Paragraph) if p.css == "explain"] == ["Qué muestra esto:"]


def test_the_scorecard_is_cells_flagged_passed_failed_or_mixed(tmp_path):
    info = ScenarioInfo("isolation", "what each runtime isolates", "", "iso", (),
                        ("iso_root_escape_blocked",), 0, 2, chart="scorecard")
    runs = [RunRecord("isolation", rt, i, False, True, {"iso_root_escape_blocked": v})
            for rt, values in (("chroot", (0.0, 0.0)), ("box", (1.0, 0.0))) for i, v in enumerate(values)]
    with Store(tmp_path / "s.sqlite") as store:
        sid = store.begin_session("bench run", quick=False, metadata={"hostname": "lab"})
        store.record_scenario(sid, info)
        for run in runs:
            store.record_run(sid, run)
        store.finish_session(sid, "finished")
        data = store.load(sid)
    table = _section(build_page(data, GENERATED_AT, Catalogue()), "isolation").tables()[0]
    assert table.css == "scorecard" and table.rows[0].css == "sc-group"  # the group's heading row
    row = table.rows[1].cells
    assert row[0].why is not None  # what the check stands for, opened on a click
    assert ["failed" in row[1].flags, "mixed" in row[2].flags, row[2].value] == [True, True, 0.5]
    assert [c.text for c in table.foot.cells] == ["score", "0/1", "0/1"]


def test_text_from_the_data_is_escaped_by_the_templates(tmp_path):
    info = ScenarioInfo("cpu", "a <b>loop</b> & more", "", "cpu", (), ("cpu_elapsed_s",), 0, 1)
    with Store(tmp_path / "s.sqlite") as store:
        sid = store.begin_session("bench run <x>", quick=False, metadata={"hostname": "<lab>"})
        store.record_scenario(sid, info)
        store.record_run(sid, RunRecord("cpu", "native", 0, False, True, {"cpu_elapsed_s": 0.2}))
        store.finish_session(sid, "finished")
        data = store.load(sid)
    page = render_html(data, generated_at=GENERATED_AT)
    assert "a &lt;b&gt;loop&lt;/b&gt; &amp; more" in page and "<code>bench run &lt;x&gt;</code>" in page
    assert "&lt;lab&gt;" in page and "<lab>" not in page
    assert "<code>probe cpu</code>" in page  # the report's own markup stays
