"""The report opened in a real browser: no JavaScript error, every chart drawn."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from bench.report import write_report
from bench.runner import RunOptions, run_suite
from bench.scenario import select
from bench.store import Store
from runtimes import Image
from tests.envcheck import require_tool

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
        run_suite(scenarios, store, image, RunOptions(quick=True, repetitions=3))
        page = write_report(store, out)
    return page, sum(len(s.metrics) for s in scenarios)


def test_report_opens_offline_with_no_javascript_error_and_draws_every_chart(report: tuple[Path, int], tmp_path: Path) -> None:
    page, n_charts = report
    html = page.read_text()
    assert "<script src=" not in html, "self-contained: no external script"
    dom, errors = open_in_chromium(page, tmp_path / "profile")
    assert errors == []
    assert dom.count('class="main-svg"') >= n_charts, "plotly drew an SVG for every chart"
    assert dom.count('class="figures"') == n_charts
    for scenario in ("startup", "memory", "cpu", "io"):
        assert f'id="{scenario}"' in dom
