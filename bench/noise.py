"""Host noise: what else the machine was doing around a session, stored in the session's metadata.

A benchmark run on a busy or throttled host measures the host as much as the
isolation; the report warns when these figures say so (bench.report.checks).
Taken at the session's start (``NoiseWatch.start``) and end (``finish``):

- ``load_avg_1m`` / ``load_avg_1m_end``: the 1-minute load average (proc(5),
  /proc/loadavg) before the first run and after the last;
- ``other_load_percent``: how busy the CPUs were, in percent of all of them,
  over a short sample taken before the first run, while the suite itself
  was idle — other programs' load;
- ``cpu_steal_percent``: the share of CPU time the hypervisor under this host
  gave to others during the session ("steal" in /proc/stat, see proc(5)); 0
  on bare metal.

The CPU frequency governor is part of the host's description
(``bench.metadata``).
"""

from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path

STAT = Path("/proc/stat")
SAMPLE_S = 0.2  # long enough for a few scheduler ticks on every CPU (USER_HZ is 100)


@dataclasses.dataclass(frozen=True)
class CpuTimes:
    """The all-CPU line of /proc/stat, in USER_HZ ticks: time busy, stolen, and in total."""

    busy: int
    steal: int
    total: int


def read_cpu_times(stat: Path = STAT) -> CpuTimes:
    """/proc/stat's first line: user nice system idle iowait irq softirq steal [guest guest_nice].

    guest time is already counted in user time (proc(5)), so the total sums
    the first eight fields only.
    """
    fields = [int(v) for v in stat.read_text().split("\n", 1)[0].split()[1:9]]
    fields += [0] * (8 - len(fields))  # kernels before 2.6.11 had no steal field
    idle = fields[3] + fields[4]  # idle + iowait
    return CpuTimes(busy=sum(fields) - idle - fields[7], steal=fields[7], total=sum(fields))


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}" if whole > 0 else "0.0"


def load_1m() -> str:
    return f"{os.getloadavg()[0]:.2f}"


@dataclasses.dataclass
class NoiseWatch:
    """Host noise from ``start`` (before the first run) to ``finish`` (after the last)."""

    started: CpuTimes | None = None

    def start(self, sample_s: float = SAMPLE_S) -> dict[str, str]:
        before = read_cpu_times()
        time.sleep(sample_s)
        self.started = read_cpu_times()
        return {"load_avg_1m": load_1m(),
                "other_load_percent": percent(self.started.busy - before.busy, self.started.total - before.total)}

    def finish(self) -> dict[str, str]:
        end = read_cpu_times()
        figures = {"load_avg_1m_end": load_1m()}
        if self.started is not None:
            figures["cpu_steal_percent"] = percent(end.steal - self.started.steal, end.total - self.started.total)
        return figures
