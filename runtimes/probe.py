"""Reading the probe's output: the one place its line format is parsed.

The probe (``bench/workload/``, one C file per mode) prints lines of the form::

    BENCH event=ready mode=idle pid=1 rss_bytes=405504 rss_source=statm
    BENCH event=result mode=cpu iterations=20000000 elapsed_s=0.051 cpu_s=0.05

Anything else an instance prints (kernel messages on a VM console, error
text on stderr) is kept as plain output but is not a probe line.
"""

from __future__ import annotations

import dataclasses
import math

PREFIX = "BENCH "
MODES = ("ready", "cpu", "mem", "io", "idle", "escape", "iso", "syscalls")
HOLDING_MODES = frozenset({"mem", "idle"})  # these wait for SIGTERM after reporting
PATH_IN_IMAGE = "/usr/bin/probe"


@dataclasses.dataclass(frozen=True)
class ProbeLine:
    """One parsed ``BENCH`` line; ``at_ns`` is when the host read it (monotonic)."""

    event: str
    mode: str
    fields: dict[str, str]
    at_ns: int = 0

    def number(self, key: str) -> float | None:
        """The field as a finite float, or None when absent, not a number, NaN or infinite."""
        try:
            value = float(self.fields[key])
        except (KeyError, ValueError):
            return None
        return value if math.isfinite(value) else None

    def numbers(self) -> dict[str, float]:
        """Every numeric field except the bookkeeping ones (pid)."""
        out = {}
        for key in self.fields:
            value = self.number(key)
            if value is not None and key != "pid":
                out[key] = value
        return out


def parse_line(text: str, at_ns: int = 0) -> ProbeLine | None:
    """Parse one output line; None when it is not a probe line.

    Tolerates a carriage return (serial consoles send CRLF) and text before
    the prefix (a console may glue kernel output to the start of a line).
    """
    start = text.find(PREFIX)
    if start < 0:
        return None
    fields: dict[str, str] = {}
    for token in text[start + len(PREFIX):].strip().split():
        key, sep, value = token.partition("=")
        if sep:
            fields[key] = value
    event, mode = fields.pop("event", ""), fields.pop("mode", "")
    if not event or not mode:
        return None
    return ProbeLine(event=event, mode=mode, fields=fields, at_ns=at_ns)


def probe_argv(mode: str, args: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The probe's command line as seen inside an instance."""
    if mode not in MODES:
        raise ValueError(f"unknown probe mode {mode!r}; choose from {', '.join(MODES)}")
    return (PATH_IN_IMAGE, mode, *args)
