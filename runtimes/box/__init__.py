"""box: isobench's own container runtime, small enough to read in an afternoon.

Where to look:
- ``container.py``  the engine: create, start (the fork into a new PID namespace), stop, rm
- ``contain.py``    the ordered steps inside the new container, before the command runs
- ``user.py``       the image's USER, resolved from the container's own /etc/passwd
- ``images.py``     the OCI image-layout store; ``state.py`` containers on disk
- ``pull.py``       `box pull`: ``reference.py`` (names), ``registry.py`` + ``auth.py`` (the
                    distribution API, tokens), ``layers.py`` (safe unpacking, whiteouts)
- ``runtime.py``    box as a runtime of the benchmark suite
- ``cli.py``        the `box` command: picks the verb, imports only its module from ``commands/`` (one per verb)

The kernel work itself is one floor down, in ``runtimes/kernel/``, shared
with vz and the peers: the system calls (``linux.py``), cgroups and devices,
OverlayFS and pivot_root (``rootfs.py``), capabilities (``security.py``),
the seccomp allow-list, the pty, and box-init (``init.c``).
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing, which `box run` does not need
if TYPE_CHECKING:
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
