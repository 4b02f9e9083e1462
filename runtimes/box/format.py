"""How `box` prints things, Docker's way: ages, sizes, status words, tables."""

from __future__ import annotations

import datetime as dt

from runtimes.box.state import Status


def parse_time(stamp: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(stamp)
    except ValueError:
        return None


def ago(stamp: str, now: dt.datetime | None = None) -> str:
    """'About a minute ago', '3 hours ago': Docker's HumanDuration, roughly."""
    when = parse_time(stamp)
    if when is None:
        return ""
    return f"{duration((now or dt.datetime.now(dt.timezone.utc)) - when)} ago"


def duration(delta: dt.timedelta) -> str:
    """Docker's words for an age (go-units HumanDuration): '3 days', '5 weeks', '11 months', '2 years'."""
    seconds = int(delta.total_seconds())
    if seconds < 1:
        return "Less than a second"
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = seconds // 60
    if minutes == 1:
        return "About a minute"
    if minutes < 60:
        return f"{minutes} minutes"
    hours = int(delta.total_seconds() / 3600 + 0.5)  # rounded half up from here on, as Docker does
    if hours == 1:
        return "About an hour"
    if hours < 48:
        return f"{hours} hours"
    for limit_h, unit, unit_h in ((24 * 14, "days", 24), (24 * 60, "weeks", 24 * 7), (24 * 365 * 2, "months", 24 * 30)):
        if hours < limit_h:
            return f"{hours // unit_h} {unit}"
    return f"{int(delta.total_seconds() // 3600) // (24 * 365)} years"


def size(n: int) -> str:
    """Decimal units, as `docker images` prints them: 4.26MB."""
    for unit, factor in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= factor:
            return f"{n / factor:.3g}{unit}"
    return f"{n}B"


def status_text(status: Status, exit_code: int | None, started: str, finished: str) -> str:
    now = dt.datetime.now(dt.timezone.utc)
    if status is Status.RUNNING:
        when = parse_time(started)
        return f"Up {duration(now - when)}" if when else "Up"
    if status is Status.EXITED:
        return f"Exited ({exit_code}) {ago(finished, now)}"
    return "Created"


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    """Columns padded to their widest cell plus three spaces, as docker's tabwriter does."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = []
    for row in [header, *rows]:
        cells = [str(c).ljust(w) for c, w in zip(row, widths)]
        lines.append("   ".join(cells).rstrip())
    return lines
