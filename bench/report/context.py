"""What every part of a report is built from: the session's data, its statistics, the language."""

from __future__ import annotations

import dataclasses
import html

import pandas as pd

from bench.report.i18n import Catalogue
from bench.results import ScenarioInfo, SessionData


def escape(text: object) -> str:
    return html.escape(str(text))


@dataclasses.dataclass
class ReportContext:
    """One report's inputs, computed once and shared by its sections."""

    data: SessionData
    summary: pd.DataFrame    # bench.report.summary.summary_table, with is_baseline per row
    order: list[str]         # runtimes (or "runtime · session" labels) in display order
    t: Catalogue

    def rows(self, scenario: str, metric_name: str) -> pd.DataFrame:
        """Summary rows of one figure, in display order, indexed by runtime."""
        s = self.summary
        rows = s[(s["scenario"] == scenario) & (s["metric"] == metric_name)]
        present = set(rows["runtime"])
        return rows.set_index("runtime", drop=False).loc[[r for r in self.order if r in present]]

    def samples(self, scenario: str) -> pd.DataFrame:
        return self.data.samples[self.data.samples["scenario"] == scenario]


# Stores written before scenarios named their chart: the kind follows from the workload.
_CHART_OF_MODE = {"ready": "startup", "idle": "memory", "cpu": "cpu", "io": "io"}


def chart_of(scenario: ScenarioInfo) -> str:
    """The scenario's chart kind: its own, or the one its workload implies in older stores."""
    return scenario.chart or _CHART_OF_MODE.get(scenario.mode, "startup")
