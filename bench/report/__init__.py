"""Reports built from the results store alone, never by re-running anything."""

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
