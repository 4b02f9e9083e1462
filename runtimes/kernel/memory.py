"""How much host memory a process tree or a cgroup holds, read from outside it.

- PSS (proportional set size) of host processes, via psutil (smaps_rollup):
  shared pages are split between the processes that map them, so the sum is
  a group of processes' fair share of host RAM.
- A cgroup's charge, split into anonymous memory and page cache (page cache
  is charged to whoever first read a file, so one number would mislead).
  v1: memory.stat ``total_rss``/``total_cache``; v2: memory.stat
  ``anon``/``file`` (Documentation/admin-guide/cgroup-v2.rst).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import psutil


def pss_bytes(pids: Iterable[int]) -> float | None:
    """Sum of PSS over ``pids``; processes that vanished meanwhile count as 0."""
    total, seen = 0, 0
    for pid in pids:
        try:
            total += psutil.Process(pid).memory_full_info().pss
            seen += 1
        except (psutil.NoSuchProcess, psutil.ZombieProcess):
            continue
    return float(total) if seen else None


def _memory_stat(cgroup: Path) -> dict[str, int]:
    stats: dict[str, int] = {}
    try:
        for line in (cgroup / "memory.stat").read_text().splitlines():
            key, _, value = line.partition(" ")
            if value.isdigit():
                stats[key] = int(value)
    except OSError:
        pass
    return stats


def cgroup_memory(cgroup: Path | None) -> dict[str, float]:
    """Anonymous memory and page cache charged to ``cgroup`` (bytes); {} without one."""
    if cgroup is None:
        return {}
    stat = _memory_stat(cgroup)
    if "anon" in stat:  # cgroup v2
        return {"cgroup_anon_bytes": float(stat["anon"]), "cgroup_cache_bytes": float(stat.get("file", 0))}
    if "total_rss" in stat:  # cgroup v1, hierarchical totals
        return {"cgroup_anon_bytes": float(stat["total_rss"]), "cgroup_cache_bytes": float(stat.get("total_cache", 0))}
    return {}
