"""Reports built from the results store alone, never by re-running anything."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

from bench.report.html import render_html
from bench.report.summary import summary_table
from bench.store import Store

__all__ = ["render_html", "summary_table", "write_report"]


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


def write_report(store: Store, reports_dir: Path, session: str | None = None) -> Path:
    """Write ``<reports_dir>/<session>/index.html``; return its path.

    ``latest.html`` is refreshed too when the session is the newest with runs,
    so rebuilding an old session's report never hides the newest one.
    """
    data = store.load(session)
    generated = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    page = render_html(data, generated_at=generated)
    index = reports_dir / data.info.id / "index.html"
    _write_atomically(index, page)
    if store.resolve_session(None).id == data.info.id:
        _write_atomically(reports_dir / "latest.html", page)
    return index
