"""The isolation runtimes, all behind one interface (see ``runtimes.base``).

The middle floor: the harness (``bench/``) above imports these, and they
import only the kernel primitives below (``runtimes/kernel/``), never the
harness, and never each other's packages (tests/unit/test_floors.py).
Where to look:

- ``base.py``       the interface: Runtime, Instance, InstanceSpec, Availability
- ``image.py``      the one root filesystem every runtime starts from; ``probe.py`` its output lines
- ``native.py``     the baseline (a plain process); ``chroot.py`` 1979's isolation
- ``box/``          the own Docker-style runtime and the `box` command
- ``openvz/``       vz, the OpenVZ-style system containers, and the `vz` command
- ``vm/``           the libvirt VM, and what plain QEMU and the microVM share with it
- ``peers/``        one small module per production tool: runc, crun, podman, docker, LXC, gVisor, …
- ``kernel/``       the bottom floor: namespaces, mounts, cgroups, capabilities, seccomp, the pty, …
- ``_process.py``   instances that are a host process tree (native, chroot, box, the peers)

``RUNTIMES`` is the explicit, ordered registry: the order is the order of the
report's columns, from least to most isolated. Runtime modules are imported
when a name of this package is first used (PEP 562), so that `box`, which
needs none of the others, starts without loading them.
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: `box` starts without it

if TYPE_CHECKING:
    from typing import Any

    from runtimes.base import Runtime

# (module, class) in report order. Each home-made runtime sits beside the
# production tools it is measured against (runtimes/peers/): chroot beside
# unshare and bubblewrap, the OpenVZ-style one beside LXC, box beside the OCI
# runtimes and engines, the libvirt VM beside plain QEMU.
_REGISTRY = (
    ("runtimes.native", "Native"),
    ("runtimes.chroot", "Chroot"),
    ("runtimes.peers.unshare", "Unshare"),
    ("runtimes.peers.bwrap", "Bwrap"),
    ("runtimes.openvz.runtime", "OpenVZ"),
    ("runtimes.peers.lxc", "Lxc"),
    ("runtimes.peers.nspawn", "Nspawn"),
    ("runtimes.box.runtime", "BoxRuntime"),
    ("runtimes.peers.crun", "Crun"),
    ("runtimes.peers.runc", "Runc"),
    ("runtimes.peers.podman", "Podman"),
    ("runtimes.peers.docker", "Docker"),
    ("runtimes.peers.gvisor", "Gvisor"),
    ("runtimes.vm.libvirt", "LibvirtVM"),
    ("runtimes.peers.qemu", "Qemu"),
    ("runtimes.peers.microvm", "MicroVM"),
)
BASELINE = "native"

_NAMES = {
    "Availability": "runtimes.base", "Instance": "runtimes.base", "InstanceSpec": "runtimes.base",
    "Limits": "runtimes.base", "Runtime": "runtimes.base", "TimedLine": "runtimes.base",
    "Image": "runtimes.image", "build_image": "runtimes.image",
    "ProbeLine": "runtimes.probe", "parse_line": "runtimes.probe", "probe_argv": "runtimes.probe",
    **{cls: module for module, cls in _REGISTRY},
}


def _registry() -> tuple[type[Runtime], ...]:
    return tuple(getattr(importlib.import_module(module), cls) for module, cls in _REGISTRY)


def __getattr__(name: str) -> Any:
    if name == "RUNTIMES":
        return _registry()
    if name in _NAMES:
        return getattr(importlib.import_module(_NAMES[name]), name)
    raise AttributeError(f"module 'runtimes' has no attribute {name!r}")


def runtime_names() -> tuple[str, ...]:
    return tuple(r.name for r in _registry())


def get_runtime(name: str) -> type[Runtime]:
    """The runtime class called ``name``; an unknown name lists the valid ones."""
    from runtimes.kernel.errors import UsageError

    for runtime in _registry():
        if runtime.name == name:
            return runtime
    raise UsageError(f"unknown runtime {name!r}; choose from: {', '.join(runtime_names())}")


__all__ = ["BASELINE", "RUNTIMES", "get_runtime", "runtime_names", *sorted(_NAMES)]
