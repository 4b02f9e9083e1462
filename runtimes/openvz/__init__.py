"""vz: OpenVZ-style system containers, rebuilt from today's kernel features.

OpenVZ (2005) ran whole operating systems as containers (CTs), each with its
own init, network address, resource limits and a disk image with a quota,
managed with vzctl. vz rebuilds that model on a stock kernel. Where to look:

- ``ct.py``         the engine: create, set, start (the fork into a new PID namespace), stop, exec, destroy
- ``boot.py``       the steps inside a new CT before its init runs: namespaces, disk, /proc, pivot_root
- ``join.py``       entering a running CT: `vz exec`, `vz enter` (setns on a pidfd, then box-init)
- ``disk.py``       the CT's disk: ext4 image file (its size is the disk quota), loop device, inittab
- ``net.py``        the CT's veth pair, addresses and routes (where the CT's veth is created)
- ``resources.py``  RAM, NUMPROC, CPUS, CPUUNITS → cgroup files (OpenVZ's beancounters, today)
- ``security.py``   what root inside a CT may do: capabilities and seccomp
- ``config.py``     conf/<CTID>.conf (KEY="value", as OpenVZ's) and every value's validation
- ``state.py``      a running CT's state on disk
- ``runtime.py``    vz as a runtime of the benchmark suite ("openvz"); ``cli.py`` the `vz` command

docs/vz.md tells the story and walks through a class session.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {"Engine": "runtimes.openvz.ct", "Container": "runtimes.openvz.ct", "VzError": "runtimes.openvz.errors",
         "OpenVZ": "runtimes.openvz.runtime"}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'runtimes.openvz' has no attribute {name!r}")
