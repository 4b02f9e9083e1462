"""Reports built from the results store alone, never by re-running anything.

Where to look:
- ``html.py``       ``build_page``: the whole report as data, in reading order; it builds the
                    Runtimes and Host appendices itself; ``render_html`` renders it
- ``overview.py``   the first screen (one row per runtime); ``checks.py`` the "Read these first" warnings
- ``sections.py``   one section per scenario: explanation, charts, figures tables, setup figures,
                    daemons, density; ``tables.py`` a figures table and its headline sentence,
                    ``charts.py`` the plotly figures, ``scorecard.py`` the isolation scorecard,
                    ``vm.py`` the VM section (where its start-up goes), ``literature.py`` published figures
- ``view.py``       the view model those builders return (Page, Section, Table, Cell…): plain data,
                    what the tests check (tests/unit/test_report_view_model.py)
- ``render.py``     the view model → HTML, through the Jinja2 templates and the stylesheet in
                    ``templates/`` (page frame, section kinds, blocks, report.css)
- ``texts.py``      the report's own words, keyed by code, English and Spanish side by side
- ``messages_es.py`` the Spanish of each message code (why a run failed, a runtime was skipped)
- ``i18n.py``       ``Catalogue``: one language's texts, messages and stored values, numbers
                    with its decimal mark; ``catalogue_es.py`` the Spanish of text the report does
                    not own (metric labels, stored runtime summaries…), ``catalogue_es_patterns.py``
                    that of old sessions' English reasons
- ``summary.py``    the statistics behind every figure; ``sources.py`` loading sessions and
                    showing several side by side; ``context.py`` what each builder is handed
- ``text.py``, ``compare.py``, ``export.py``  the terminal summary, `bench compare`, `bench export`
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

from collections.abc import Sequence

from bench.report.html import render_html
from bench.report.summary import summary_table
from bench.results import SessionData
from bench.store import Store

__all__ = ["render_html", "summary_table", "write_report", "write_side_by_side"]


def _write_atomically(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so a reader never sees half a report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".report-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _page_name(lang: str) -> str:
    """index.html for English, index.es.html for Spanish: both can sit in one session's folder."""
    return "index.html" if lang == "en" else f"index.{lang}.html"


def _generated() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def write_report(store: Store, reports_dir: Path, session: str | None = None, lang: str = "en") -> Path:
    """Write ``<reports_dir>/<session>/index.html`` (``index.es.html`` in Spanish); return its path.

    ``latest.html`` (``latest.es.html``) is refreshed too when the session is the
    newest with runs, so rebuilding an old session's report never hides the newest one.
    """
    data = store.load(session)
    page = render_html(data, generated_at=_generated(), lang=lang)
    index = reports_dir / data.info.id / _page_name(lang)
    _write_atomically(index, page)
    if store.resolve_session(None).id == data.info.id:
        _write_atomically(reports_dir / _page_name(lang).replace("index", "latest"), page)
    return index


def write_side_by_side(sessions: Sequence[SessionData], reports_dir: Path, lang: str = "en") -> Path:
    """Several sessions (other hosts, other days) in one report: ``<reports_dir>/<id>+<id>…/index.html``."""
    page = render_html(list(sessions), generated_at=_generated(), lang=lang)
    folder = "+".join(dict.fromkeys(d.info.id for d in sessions))
    index = reports_dir / folder / _page_name(lang)
    _write_atomically(index, page)
    return index
