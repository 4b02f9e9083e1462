"""The data that flows from the runner to the store and from the store to reports.

Raw samples are what is stored; statistics are computed when a report reads
them (``bench.stats``). Units are in the metric names (see ``bench.metrics``).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is imported only where results are read, keeping `bench run` light to fork
    import pandas as pd


@dataclasses.dataclass(frozen=True)
class RunRecord:
    """One launch of the workload under one runtime, finished or failed."""

    scenario: str
    runtime: str
    iteration: int           # 0-based, counted separately for warm-up and measured runs
    warmup: bool
    ok: bool
    metrics: dict[str, float]
    error: str = ""          # why it failed, one line
    started_at: str = ""     # ISO 8601, UTC


@dataclasses.dataclass(frozen=True)
class Skip:
    """A runtime that did not run a scenario, and why."""

    scenario: str
    runtime: str
    reason: str
    fix: str = ""


@dataclasses.dataclass(frozen=True)
class RuntimeInfo:
    """What a report says of a runtime that ran: what it is, how it launches, tool versions."""

    name: str
    summary: str = ""
    launch: str = ""
    versions: dict[str, str] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class ScenarioInfo:
    """What a report needs to know of a scenario, stored so it can be rebuilt later."""

    name: str
    description: str
    note: str
    mode: str
    args: tuple[str, ...]
    metrics: tuple[str, ...]
    warmup: int
    repetitions: int
    order: int = 100
    capped: dict[str, int] = dataclasses.field(default_factory=dict)  # runtime → its fewer measured runs
    chart: str = ""           # startup | memory | density | io | cpu | scorecard; "" in stores older than it
    description_es: str = ""  # Spanish text for `bench report --lang es`; "" when the file had none
    note_es: str = ""


@dataclasses.dataclass(frozen=True)
class SessionInfo:
    id: str
    started_at: str
    finished_at: str | None
    status: str              # running | finished | interrupted | failed
    command: str
    quick: bool
    metadata: dict[str, str]


@dataclasses.dataclass
class SessionData:
    """Everything stored for one session, as a report reads it.

    ``samples`` has one row per measured value of an ok, non-warm-up run:
    columns scenario, runtime, iteration, metric, value.
    ``runs`` has one row per run (warm-ups included): scenario, runtime,
    iteration, warmup, ok, error.
    """

    info: SessionInfo
    scenarios: list[ScenarioInfo]
    samples: pd.DataFrame
    runs: pd.DataFrame
    skips: list[Skip]
    runtimes: dict[str, RuntimeInfo]
