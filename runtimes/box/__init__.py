"""box: isobench's own container runtime, small enough to read in an afternoon.

Where to look:
- ``container.py``  the engine: create, start (the fork into a new PID namespace), stop, rm
- ``contain.py``    the ordered steps inside the new container, before the command runs
- ``linux.py``      the system calls (unshare, setns, mount, pivot_root, prctl)
- ``cgroups.py``    limits written and usage read back, cgroup v1 and v2
- ``devices.py``    the devices a container may open: devices.allow lines (v1), a BPF program (v2)
- ``rootfs.py``     OverlayFS, pivot_root, /proc, /sys, /dev, masked paths
- ``security.py``   capabilities, no_new_privs, rlimits
- ``seccomp.py``    the seccomp allow-list (Docker's default profile, as data), compiled and loaded
- ``network.py``    loopback up in the new network namespace
- ``init.c``        box-init, PID 1 of every container: reaps zombies, forwards signals
- ``images.py``     the OCI image-layout store; ``state.py`` containers on disk
- ``pull.py``       `box pull`: ``reference.py`` (names), ``registry.py`` + ``auth.py`` (the
                    distribution API, tokens), ``layers.py`` (safe unpacking, whiteouts)
- ``runtime.py``    box as a runtime of the benchmark suite; ``cli.py`` the `box` command
"""

from __future__ import annotations

import importlib
from typing import Any

# Loaded on first use (PEP 562), so `box` itself imports only what it needs:
# every millisecond of Python start-up is part of `box run`'s start-up time.
_LAZY = {"BoxError": "runtimes.box.errors", "BoxRuntime": "runtimes.box.runtime",
         "Container": "runtimes.box.container", "Engine": "runtimes.box.container"}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'runtimes.box' has no attribute {name!r}")
