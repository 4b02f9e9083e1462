"""box: isobench's own container runtime, small enough to read in an afternoon.

Where to look:
- ``container.py``  the engine: create, start (the fork into a new PID namespace), stop, rm
- ``contain.py``    the ordered steps inside the new container, before the command runs
- ``linux.py``      the system calls (unshare, setns, mount, pivot_root, prctl)
- ``cgroups.py``    limits written and usage read back, cgroup v1 and v2
- ``rootfs.py``     OverlayFS, pivot_root, /proc, /sys, /dev, masked paths
- ``security.py``   capabilities, no_new_privs, rlimits, seccomp
- ``network.py``    loopback up in the new network namespace
- ``init.c``        box-init, PID 1 of every container: reaps zombies, forwards signals
- ``images.py``     the OCI image-layout store; ``state.py`` containers on disk
- ``runtime.py``    box as a runtime of the benchmark suite; ``cli.py`` the `box` command
"""

from runtimes.box.container import Container, Engine
from runtimes.box.errors import BoxError
from runtimes.box.runtime import BoxRuntime

__all__ = ["BoxError", "BoxRuntime", "Container", "Engine"]
