"""The bottom floor: the kernel primitives every runtime shares, and nothing else.

box, vz and the peers are built from these; this package imports nothing
from the floors above it (the runtimes, the harness), which
tests/unit/test_floors.py checks. Where to look:

- ``linux.py``      the system calls Python lacks, through ctypes: unshare, setns, mount, pivot_root,
                    openat2, mount_setattr, close_range, prctl — each with its man page
- ``rootfs.py``     a container's file system: OverlayFS, pivot_root, /proc, /sys, /dev, masked paths
- ``network.py``    loopback up in a new network namespace
- ``cgroups.py``    where limits are written and usage read back, cgroup v1 and v2 (``limits.py``: what)
- ``devices.py``    which devices a container may open: devices.allow lines (v1), a BPF program (v2)
- ``security.py``   capabilities, the user and groups, no_new_privs, rlimits
- ``seccomp.py``    the seccomp allow-list (modelled on Docker's default profile, as data), compiled and loaded
- ``tty.py``        the pseudo-terminal of `-it`, and shielding the caller's terminal without `-t`
- ``loop.py``       loop devices: a file as a block device (vz's CT disks)
- ``init.c``        box-init, PID 1 of every box container; ``init.py`` hands it out in a sealed memfd
- ``build.py``      compiling the small static C programs (box-init, the probe), cached
- ``process.py``    what /proc says about a process (start time, parent, alive); ``memory.py`` PSS and
                    a cgroup's memory
- ``paths.py``      where isobench keeps files on the host
- ``errors.py``     the errors the runtimes raise, with their exit codes
"""
