"""The report a teacher projects, opened in headless Chromium: the answers first, the evidence one click away.

Checked on a stored full `bench run all --quick` of this host (tests/data/full-run-quick.sqlite, 16
runtimes), in both languages: no script error, the four answers' titles on the first 1400 × 900
screen, at most 8,000 px tall with the details collapsed, no negative memory figure on show,
every section in the table of contents, and a PDF from Chromium's print.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench.report import write_report
from bench.report.i18n import Catalogue
from bench.store import Store
from tests.browser import measure, print_pdf
from tests.envcheck import require_tool

FULL_RUN = Path(__file__).resolve().parents[1] / "data" / "full-run-quick.sqlite"
MAX_HEIGHT_PX = 8000
TITLES = ("answers.startup_title", "answers.memory_title", "answers.storage_title", "answers.isolation_title")


@pytest.fixture(scope="module", params=["en", "es"])
def page(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    require_tool("chromium", "chromium")
    out = tmp_path_factory.mktemp(f"report-{request.param}")
    shutil.copyfile(FULL_RUN, out / "isobench.sqlite")
    with Store(out / "isobench.sqlite") as store:
        return write_report(store, out / "reports", lang=request.param), request.param


def test_first_screen_answers_the_four_questions_and_the_rest_is_one_click_away(page: tuple[Path, str],
                                                                                 tmp_path: Path) -> None:
    path, lang = page
    shape = measure(path, tmp_path / "profile")
    assert shape.errors == []
    t = Catalogue(lang)
    assert [t.text(code) for code in TITLES] == [h for h in shape.first_screen if h in {t.text(c) for c in TITLES}]
    assert shape.height_px <= MAX_HEIGHT_PX, f"{shape.height_px} px tall with the details collapsed"
    assert shape.negative_memory() == []
    assert set(shape.sections) - {"answers"} <= set(shape.toc), "every section in the table of contents"
    assert shape.details >= len(shape.sections), "evidence collapsed"
    assert shape.marks > 0, "high-spread and emulated figures marked where they appear"
    sc = shape.scorecard
    assert sc and sc["width"] <= sc["page_width"] and sc["row_height"] <= 30, f"scorecard fits: {sc}"


def test_printing_gives_a_pdf_with_every_part_open(page: tuple[Path, str], tmp_path: Path) -> None:
    path, _ = page
    pages = print_pdf(path, tmp_path / "report.pdf", tmp_path / "profile")
    assert 5 <= pages <= 60, f"{pages} pages"
