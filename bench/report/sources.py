"""Sessions from one or more stores, and how several are shown side by side.

A class merges its students' runs by passing their store files to ``bench
report``: ``SessionSet`` opens each, picks the sessions asked for (or each
store's newest), and ``SessionSet.side_by_side`` relabels every runtime as
``runtime · session`` so two hosts or two sessions share each chart, with
every ratio still taken against its own session's native baseline. Labels are the
hostnames when every session comes from another host, else A, B, C…. The
labels are for the reader: every merged frame also carries ``session`` and
``base_runtime`` columns, which code reads (``baseline_of``) instead of
taking labels apart.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from bench import metadata as md
from bench.errors import UsageError
from bench.report.summary import runtime_order, summary_table
from bench.results import SessionData
from bench.store import Store
from runtimes import BASELINE


@dataclasses.dataclass
class Side:
    """One session of a side-by-side report, with the short label its runtimes carry."""

    label: str
    data: SessionData


def load_sessions(stores: Sequence[Path], sessions: Sequence[str]) -> list[SessionData]:
    """The named sessions, looked up in every store in turn; none named: each store's newest with runs."""
    opened = [Store(p) for p in stores]
    try:
        if not sessions:
            with_runs = [s for s in opened if s.sessions()]
            if not with_runs:
                raise UsageError(f"no sessions in {', '.join(str(p) for p in stores)}; run `bench run all` first")
            return [s.load() for s in with_runs]
        out = []
        for sid in sessions:
            holders = [s for s in opened if any(i.id == sid for i in s.sessions())]
            if not holders:
                where = ", ".join(str(p) for p in stores)
                raise UsageError(f"no session {sid!r} in {where}; `bench sessions --store FILE` lists them")
            out.append(holders[0].load(sid))
        return out
    finally:
        for s in opened:
            s.close()


def _labels(datas: Sequence[SessionData]) -> list[str]:
    """Hostnames when every session comes from a different host, else A, B, C… (the header says which is which)."""
    hosts = [d.info.metadata.get("hostname", "") for d in datas]
    if all(hosts) and len(set(hosts)) == len(hosts):
        return hosts
    return [chr(ord("A") + i) if i < 26 else str(i + 1) for i in range(len(datas))]


def _relabel(frame: pd.DataFrame, label: str) -> pd.DataFrame:
    """The frame with its runtimes labelled ``runtime · label``, and which session and runtime each row is."""
    frame = frame.copy()
    frame["session"], frame["base_runtime"] = label, frame["runtime"]
    frame["runtime"] = frame["runtime"] + f" · {label}"
    return frame


def baseline_of(frame: pd.DataFrame) -> dict[str, str]:
    """Each runtime of a frame → its own session's baseline, as the frame names both ("box · A" → "native · A").

    A frame of one session maps every runtime to the baseline. In a merged
    one (``SessionSet.side_by_side``), a session whose baseline did not run
    maps to "" (no ratio).
    """
    if "session" not in frame:
        return {r: BASELINE for r in frame["runtime"].unique()}
    pairs = frame[["runtime", "session", "base_runtime"]].drop_duplicates()
    natives = {session: r for r, session, base in pairs.itertuples(index=False) if base == BASELINE}
    return {r: natives.get(session, "") for r, session, _ in pairs.itertuples(index=False)}


@dataclasses.dataclass
class SessionSet:
    """Several sessions, possibly from several hosts, for one report."""

    sides: list[Side]

    @classmethod
    def of(cls, datas: Sequence[SessionData]) -> SessionSet:
        return cls([Side(label, d) for label, d in zip(_labels(datas), datas)])

    def host_differences(self) -> list[str]:
        """Checked host metadata that differs from the first session's (pyperf refuses such merges silently)."""
        first = self.sides[0].data.info.metadata
        return [f"{s.label}: {d}" for s in self.sides[1:] for d in md.differences(first, s.data.info.metadata)]

    def side_by_side(self) -> tuple[SessionData, pd.DataFrame, list[str]]:
        """One merged SessionData, its summary (ratios per session) and the display order of its runtimes."""
        if len(self.sides) == 1:
            data = self.sides[0].data
            return data, summary_table(data), runtime_order(data)
        samples, runs, summaries, skips, runtimes = [], [], [], [], {}
        for side in self.sides:
            d = side.data
            samples.append(_relabel(d.samples, side.label))
            runs.append(_relabel(d.runs, side.label))
            summaries.append(_relabel(summary_table(d), side.label))
            skips += [dataclasses.replace(s, runtime=f"{s.runtime} · {side.label}") for s in d.skips]
            runtimes |= {f"{n} · {side.label}": dataclasses.replace(i, name=f"{n} · {side.label}")
                         for n, i in d.runtimes.items()}
        scenarios = list({s.name: s for side in reversed(self.sides) for s in side.data.scenarios}.values())
        scenarios.sort(key=lambda s: (s.order, s.name))
        bases = list(dict.fromkeys(r for side in self.sides for r in runtime_order(side.data)))
        order = [f"{r} · {side.label}" for r in bases for side in self.sides if r in runtime_order(side.data)]
        merged = SessionData(info=self.sides[0].data.info, scenarios=scenarios,
                             samples=pd.concat(samples, ignore_index=True), runs=pd.concat(runs, ignore_index=True),
                             skips=skips, runtimes=runtimes)
        return merged, pd.concat(summaries, ignore_index=True), order


__all__ = ["SessionSet", "Side", "baseline_of", "load_sessions"]
