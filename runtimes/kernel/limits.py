"""The resource limits of one instance: memory, CPU, processes.

Part of the one Runtime interface (``runtimes.base.InstanceSpec.limits``),
kept here, at the bottom floor, because the cgroup code that writes them
(cgroups.py) sits here too.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Limits:
    """Resource limits for one instance; None means "not limited".

    Containers turn these into cgroup settings, a VM into its domain's memory
    and vCPUs. A runtime that cannot enforce a limit says so in its
    ``Runtime.launch`` text rather than silently ignoring it.
    """

    memory_bytes: int | None = None
    cpus: float | None = None        # CPU time, in CPUs' worth (1.5 = one and a half CPUs)
    pids: int | None = None          # most processes/threads at once
