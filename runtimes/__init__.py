"""The isolation runtimes, all behind one interface (see ``runtimes.base``).

``RUNTIMES`` is the explicit, ordered registry: the order is the order of the
report's columns, from least to most isolated.
"""

from __future__ import annotations

from bench.errors import UsageError
from runtimes.base import Availability, Instance, InstanceSpec, Limits, Runtime, TimedLine
from runtimes.box import BoxRuntime
from runtimes.chroot import Chroot
from runtimes.image import Image, build_image
from runtimes.native import Native
from runtimes.probe import ProbeLine, parse_line, probe_argv

RUNTIMES: tuple[type[Runtime], ...] = (Native, Chroot, BoxRuntime)
BASELINE = Native.name


def runtime_names() -> tuple[str, ...]:
    return tuple(r.name for r in RUNTIMES)


def get_runtime(name: str) -> type[Runtime]:
    """The runtime class called ``name``; an unknown name lists the valid ones."""
    for runtime in RUNTIMES:
        if runtime.name == name:
            return runtime
    raise UsageError(f"unknown runtime {name!r}; choose from: {', '.join(runtime_names())}")


__all__ = [
    "BASELINE", "RUNTIMES", "Availability", "BoxRuntime", "Chroot", "Image", "Instance", "InstanceSpec", "Limits",
    "Native", "ProbeLine", "Runtime", "TimedLine", "build_image", "get_runtime", "parse_line",
    "probe_argv", "runtime_names",
]
