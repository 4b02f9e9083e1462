"""Host-side observers: what the host sees of an instance while it runs.

Memory is read from outside the instance, never trusted from inside:
- PSS (proportional set size) of every host process of the instance, via
  psutil (smaps_rollup): shared pages are split between the processes that
  map them, so the sum is the instance's fair share of host RAM.
- The instance's cgroup, when it has one, split into anonymous memory and
  page cache (page cache is charged to whoever first read a file, so one
  number would mislead). v1: memory.stat ``total_rss``/``total_cache``;
  v2: memory.stat ``anon``/``file`` (Documentation/admin-guide/cgroup-v2.rst).

The two readings themselves are runtimes.kernel.memory's; here they become
the figures a run records.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from runtimes.kernel.memory import cgroup_memory, pss_bytes


def memory_snapshot(pids: Iterable[int], cgroup: Path | None, workload_pid: int | None,
                    reported_rss: float | None, guest_pss: float | None = None) -> dict[str, float]:
    """Every memory figure of a running instance, with units in the names.

    ``workload_rss_bytes`` is what the workload itself uses: the PSS of its own
    process when the host can see it (``workload_pid``), else the resident
    size the probe reported from inside (a VM's guest). ``overhead_bytes`` is
    what isolation adds on top: host PSS of the whole instance minus that.

    ``overhead_bytes`` is then split where the parts can be told apart, so
    that workload + runtime + guest adds up to ``host_pss_bytes``:
    ``overhead_guest_bytes`` is a VM's guest RAM in use (``guest_pss``, the
    PSS of QEMU's guest memory) beyond the workload inside it, and
    ``overhead_runtime_bytes`` the rest (box-init, a CT's init, QEMU itself).
    ``overhead_page_cache_bytes`` is the page cache charged to the
    instance's cgroup: host memory too, but not in any process's PSS.
    """
    pids = tuple(pids)
    figures = cgroup_memory(cgroup)
    if "cgroup_cache_bytes" in figures:
        figures["overhead_page_cache_bytes"] = figures["cgroup_cache_bytes"]
    total = pss_bytes(pids)
    own = pss_bytes([workload_pid]) if workload_pid is not None else reported_rss
    if total is not None:
        figures["host_pss_bytes"] = total
    if own is not None:
        figures["workload_rss_bytes"] = own
        if total is not None:
            figures["overhead_bytes"] = overhead = max(0.0, total - own)
            guest = min(overhead, max(0.0, guest_pss - own)) if guest_pss is not None else 0.0
            figures["overhead_guest_bytes"] = guest
            figures["overhead_runtime_bytes"] = overhead - guest
    return figures
