"""The data that flows from the runner to the store and from the store to reports.

Raw samples are what is stored; statistics are computed when a report reads
them (``bench.stats``). Units are in the metric names (see ``bench.metrics``).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from runtimes.kernel.messages import Message

if TYPE_CHECKING:  # pandas is imported only where results are read, keeping `bench run` light to fork
    import pandas as pd


# What a stored run is (the ``kind`` column of the store's runs):
WARMUP = "warmup"        # a launch whose figures are thrown away (caches, page tables, the CPU's clock)
MEASURED = "measured"    # a launch whose figures count
SETUP = "setup"          # not a launch: what a runtime measured while it was set up (``Runtime.setup_observations``)
RUN_KINDS = (WARMUP, MEASURED, SETUP)
# Setup figures named so are a daemon's memory (``Runtime.daemons``), shown apart from the instances'.
DAEMON_PREFIX = "daemon_"


@dataclasses.dataclass(frozen=True)
class RunRecord:
    """One launch of the workload under one runtime, finished or failed; or one runtime's setup figures."""

    scenario: str
    runtime: str
    iteration: int           # 0-based, counted separately for warm-up, measured and setup runs
    warmup: bool
    ok: bool
    metrics: dict[str, float]
    error: str = ""          # why it failed, one line, in English
    started_at: str = ""     # ISO 8601, UTC
    error_message: Message | None = None  # the same as data, for a report in any language (None: text only)
    setup: bool = False      # figures of the runtime's setup, not of a launch (never a warm-up)
    instances: int | None = None  # density: how many instances ran at once in this run; None for one at a time

    def __post_init__(self) -> None:
        if self.setup and self.warmup:
            raise ValueError("a run is a warm-up or a setup run, not both")

    @property
    def kind(self) -> str:
        """``warmup``, ``measured`` or ``setup`` (``RUN_KINDS``)."""
        return SETUP if self.setup else WARMUP if self.warmup else MEASURED


@dataclasses.dataclass(frozen=True)
class Skip:
    """A runtime that did not run a scenario, and why."""

    scenario: str
    runtime: str
    reason: str
    fix: str = ""
    # The same as data, for a report in any language; None in a session stored before messages were data.
    reason_message: Message | None = None
    fix_message: Message | None = None


@dataclasses.dataclass(frozen=True)
class RuntimeInfo:
    """What a report says of a runtime that ran: what it is, how it launches, tool versions."""

    name: str
    summary: str = ""
    launch: str = ""
    versions: dict[str, str] = dataclasses.field(default_factory=dict)  # tool → version or note, in English
    # The notes among them that are messages (runtimes/kernel/messages.py), to be written in the report's language.
    notes: dict[str, Message] = dataclasses.field(default_factory=dict)


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
    columns scenario, runtime, iteration, kind (measured or setup), instances
    (N of a density run, else missing), metric, value.
    ``runs`` has one row per run (warm-ups included): scenario, runtime,
    iteration, kind, instances, warmup (kind == warmup, kept for older
    readers), ok, error.
    In a side-by-side report's merged data, every frame also has ``session``
    (the side's label) and ``base_runtime`` (the runtime's own name, while
    ``runtime`` is the label shown, e.g. ``native · A``): code that needs a
    session's own rows selects them by these columns, never by parsing labels.
    """

    info: SessionInfo
    scenarios: list[ScenarioInfo]
    samples: pd.DataFrame
    runs: pd.DataFrame
    skips: list[Skip]
    runtimes: dict[str, RuntimeInfo]
