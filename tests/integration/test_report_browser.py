"""The report opened in a real browser: no JavaScript error, every chart drawn."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from bench.report import write_report, write_side_by_side
from bench.runner import Lineup, RunOptions, run_suite
from bench.scenario import select
from bench.store import Store
from bench.report.i18n import Catalogue
from runtimes import Image
from tests.browser import measure
from tests.envcheck import require_tool
from tests.integration.test_report_first_screen import MAX_HEIGHT_PX

RECORDED = Path(__file__).resolve().parents[1] / "data" / "recorded-session.sqlite"
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--enable-logging=stderr", "--v=0", "--virtual-time-budget=10000")


def open_in_chromium(page: Path, profile: Path) -> tuple[str, list[str]]:
    """The DOM after scripts ran, and every console error the page raised."""
    chromium = require_tool("chromium", "chromium")
    out = subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    errors = [ln for ln in out.stderr.splitlines() if "CONSOLE" in ln and re.search(r"Uncaught|Error", ln)]
    return out.stdout, errors


def test_the_console_check_catches_a_javascript_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.html"
    broken.write_text("<html><body><script>undefinedFunction();</script></body></html>")
    _, errors = open_in_chromium(broken, tmp_path / "profile")
    assert errors and "undefinedFunction" in errors[0]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory, image: Image) -> tuple[Path, int]:
    out = tmp_path_factory.mktemp("report")
    scenarios = select(["startup", "memory", "cpu", "io"])
    with Store(out / "isobench.sqlite") as store:
        run_suite(scenarios, store, image, RunOptions(quick=True, repetitions=3), lineup=Lineup.registered())
        page = write_report(store, out)
    # start-up and CPU: a chart per figure; memory (stacked) and I/O (grouped ratios): one chart each
    charts = [*(f"chart-startup-{m}" for m in scenarios[0].metrics), "chart-memory",
              *(f"chart-cpu-{m}" for m in scenarios[2].metrics), "chart-io"]
    return page, charts


def _drawn_charts(dom: str) -> list[str]:
    """Ids of the chart divs in which plotly drew its SVG."""
    return re.findall(r'<div id="(chart-[^"]+)"[^>]*class="[^"]*js-plotly-plot', dom)


def test_report_opens_offline_with_no_javascript_error_and_draws_every_chart(report: tuple[Path, list[str]],
                                                                             tmp_path: Path) -> None:
    page, charts = report
    html = page.read_text()
    assert "<script src=" not in html, "self-contained: no external script"
    assert len(html.encode()) < 10 * 2**20, "under 10 MB"
    dom, errors = open_in_chromium(page, tmp_path / "profile")
    assert errors == []
    in_page = re.findall(r'<div id="(chart-[^"]+)"', html)  # every chart, the VM's phases included when it ran
    assert set(charts) <= set(in_page)
    assert sorted(_drawn_charts(dom)) == sorted(in_page), "plotly drew every chart of the page"
    assert dom.count('class="main-svg"') >= len(charts), "plotly drew an SVG for every chart"
    assert re.search(r'<section id="overview">.*?<table class="overview">', dom, re.DOTALL), "the summary table"
    for scenario in ("startup", "memory", "cpu", "io"):
        assert f'id="{scenario}"' in dom


def test_spanish_side_by_side_report_of_recorded_sessions_opens_without_errors(tmp_path: Path) -> None:
    """Two copies of the recorded session side by side, in Spanish: every chart drawn, no script error."""
    store = tmp_path / "isobench.sqlite"
    shutil.copyfile(RECORDED, store)
    with Store(store) as s:
        data = s.load()
    page = write_side_by_side([data, data], tmp_path / "reports", lang="es")
    dom, errors = open_in_chromium(page, tmp_path / "profile")
    assert errors == []
    assert sorted(_drawn_charts(dom)) == ["chart-cpu-cpu_cpu_s", "chart-cpu-cpu_elapsed_s", "chart-memory",
                                          "chart-startup-exit_s", "chart-startup-ready_s"]
    assert "La sesión de un vistazo" in dom and "<td>chroot · B</td>" in dom
    ticks = re.findall(r'<g class="[xy]tick"><text[^>]*>([^<]*)</text>', dom)  # as plotly drew them
    assert "0,5" in ticks and not [t for t in ticks if re.fullmatch(r"\d+\.\d+", t)], "decimal commas on the axes"


def test_a_fresh_quick_run_also_answers_first_and_fits(report: tuple[Path, list[str]], tmp_path: Path) -> None:
    """The first-screen checks of test_report_first_screen.py, on the quick run made above (no isolation
    scenario in it, so three of the four answers)."""
    page, _ = report
    shape = measure(page, tmp_path / "profile")
    assert shape.errors == []
    t = Catalogue("en")
    titles = [t.text(f"answers.{q}_title") for q in ("startup", "memory", "storage")]
    assert [h for h in shape.first_screen if h in titles] == titles
    assert shape.height_px <= MAX_HEIGHT_PX, f"{shape.height_px} px tall with the details collapsed"
    assert shape.negative_memory() == []
    assert set(shape.sections) - {"answers"} <= set(shape.toc), "every section in the table of contents"
