"""Flagged figures are marked where they appear: a cell carries the caveat its warning line names.

On the stored full run of this host (tests/data/full-run-quick.sqlite): some figures varied a lot
between runs, and three VMs ran under TCG; their cells carry ``high_spread`` / ``vm_emulated``,
which the template draws as "≈" / "⚠" linked to the warning line that promises the mark.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bench.report.answers import readable
from bench.report.checks import is_high_spread
from bench.report.html import build_page, render_html
from bench.report.i18n import Catalogue
from bench.report.summary import summary_table
from bench.results import SessionData
from bench.store import Store

FULL_RUN = Path(__file__).resolve().parents[1] / "data" / "full-run-quick.sqlite"


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> SessionData:
    path = tmp_path_factory.mktemp("marks") / "isobench.sqlite"
    shutil.copyfile(FULL_RUN, path)
    with Store(path) as store:
        return store.load(None)


def test_each_high_spread_or_emulated_figure_carries_its_flag_in_its_cell(data: SessionData) -> None:
    page = build_page(data, "2026-01-01T00:00:00+00:00", Catalogue("en"))
    startup = next(s for s in page.sections if s.id == "startup")
    summary = summary_table(data)
    rows = summary[summary["scenario"] == "startup"]
    marked = spread = 0
    for table in (t for t in startup.tables() if t.css == "figures"):
        for row in table.rows:
            runtime, median = row.cells[0].text, row.cells[1]
            assert ("vm_emulated" in median.flags) == (runtime in {"libvirt", "qemu", "microvm"})
            marked += "high_spread" in median.flags
    spread = sum(is_high_spread(r.n, r.relative_iqr) for r in rows.itertuples()
                 if r.metric in next(s for s in data.scenarios if s.name == "startup").metrics)
    assert marked == spread > 0, "every high-spread figure of the warning is marked, and only those"


@pytest.mark.parametrize("lang,promise", [("en", "(marked ≈)"), ("es", "(marcadas ≈)")])
def test_the_warning_line_promises_the_mark_and_the_mark_links_to_it(data: SessionData, lang: str, promise: str) -> None:
    html = render_html(data, generated_at="2026-01-01T00:00:00+00:00", lang=lang)
    assert re.search(r'<details class="wgroup wg-high_spread" id="warn-high_spread"><summary>[^<]*' + re.escape(promise), html)
    assert '<a class="mark" href="#warn-high_spread"' in html and '<a class="mark" href="#warn-vm_emulated"' in html


@pytest.mark.parametrize("value,unit,en,es", [(5.885, "s", "5.9 s", "5,9 s"), (0.009213, "s", "9.2 ms", "9,2 ms"), (0.02201, "s", "22 ms", "22 ms"),
                                               (1.23 * 2**30, "bytes", "1.2 GiB", "1,2 GiB"),
                                               (3.3 * 2**20, "bytes", "3.3 MiB", "3,3 MiB")])
def test_the_first_screen_writes_each_figure_in_the_unit_its_size_reads_best_in(value, unit, en, es) -> None:
    assert (readable(value, unit, "en"), readable(value, unit, "es")) == (en, es)


def test_the_first_screen_says_seconds_for_the_vm_not_thousands_of_milliseconds(data: SessionData) -> None:
    startup = build_page(data, "2026-01-01T00:00:00+00:00", Catalogue("en")).answers[0]
    assert re.search(r"\d\.\d s\b", startup.takeaway) and not re.search(r"\d,\d{3} ms", startup.takeaway), startup.takeaway


def test_the_answer_charts_mark_their_flagged_bars_too(data: SessionData) -> None:
    """The first screen's bars carry the same marks as the tables: ⚠ on every emulated VM's, ≈ on a high-spread one."""
    answers = {a.id: a for a in build_page(data, "2026-01-01T00:00:00+00:00", Catalogue("en")).answers}
    for answer_id in ("answer-startup", "answer-memory", "answer-storage"):
        bar = answers[answer_id].chart.figure["data"][0]
        labels = dict(zip(bar["y"], bar["text"]))
        assert {r for r, text in labels.items() if "⚠" in text} == {"libvirt", "qemu", "microvm"} & set(labels), answer_id
    summary = summary_table(data)
    rows = summary[(summary["scenario"] == "startup") & (summary["metric"] == "ready_s")]
    spread = {r.runtime for r in rows.itertuples() if is_high_spread(r.n, r.relative_iqr)}
    startup = answers["answer-startup"].chart.figure["data"][0]
    assert {r for r, text in zip(startup["y"], startup["text"]) if "≈" in text} == spread
