"""The container's filesystem view: OverlayFS, pivot_root, /proc, /sys, /dev, masks.

Everything here runs inside the container's own mount namespace, after it
has been made private, so none of these mounts is ever visible on the host,
and all of them disappear by themselves when the container's last process
exits: nothing to unmount, nothing to leak.

The root is an OverlayFS (filesystems/overlayfs.rst in the kernel docs): the
image's layers are read-only *lower* directories, and every write lands in a
per-container *upper* directory, so a hundred containers share one copy of
the image. ``pivot_root`` then makes it "/" and the old root is detached,
so, unlike chroot, there is no path back to the host's files.

Device nodes: root in a box keeps CAP_MKNOD (Docker's default set), so it can
make a node for any device, the host's disk included. Docker stops such a
node from opening with the devices cgroup; box does it with mount flags that
work the same on cgroup v1 and v2: every place the container can write (its
root, /dev, volumes) is mounted ``nodev``, so a node made there is inert
(mount(2), MS_NODEV), and the few devices it is given are the host's own
nodes bind-mounted into /dev. tests/integration/test_escapes.py tries it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from runtimes.box import linux
from runtimes.box.linux import MS_BIND, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_PRIVATE, MS_RDONLY, MS_REC, MS_REMOUNT

# Paths Docker hides (moby oci/defaults.go): files get /dev/null bound over
# them, directories an empty read-only tmpfs. They leak host information
# (kernel memory, key rings, timers) or control host hardware.
MASKED_PATHS = (
    "/proc/acpi", "/proc/asound", "/proc/interrupts", "/proc/kcore", "/proc/keys",
    "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
    "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap",
)
# Paths Docker leaves visible but read-only: writing them would change the host kernel.
READONLY_PATHS = ("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger")

# The device nodes a container gets (name, type, major, minor), as in the
# OCI runtime spec's "default devices" (config-linux.md).
DEVICES = (
    ("null", "c", 1, 3), ("zero", "c", 1, 5), ("full", "c", 1, 7),
    ("random", "c", 1, 8), ("urandom", "c", 1, 9), ("tty", "c", 5, 0),
)
DEV_LINKS = {"fd": "/proc/self/fd", "stdin": "/proc/self/fd/0", "stdout": "/proc/self/fd/1",
             "stderr": "/proc/self/fd/2", "ptmx": "pts/ptmx", "core": "/proc/kcore"}


def make_mounts_private() -> None:
    """Stop mount events propagating to the host (mount_namespaces(7), "shared subtrees")."""
    linux.mount(None, "/", None, MS_REC | MS_PRIVATE)


def mount_overlay(lower: Sequence[Path], upper: Path, work: Path, merged: Path) -> None:
    """Stack the layers: ``lower`` from top to bottom, writes go to ``upper``."""
    options = f"lowerdir={':'.join(map(str, lower))},upperdir={upper},workdir={work}"
    linux.mount("overlay", str(merged), "overlay", MS_NODEV, options)  # nodev: see the module docstring


def bind_volume(host: Path, merged: Path, target: str, readonly: bool = False) -> None:
    """Make a host directory or file appear at ``target`` inside the container (``-v``)."""
    inside = merged / target.lstrip("/")
    if host.is_dir():
        inside.mkdir(parents=True, exist_ok=True)
    else:
        inside.parent.mkdir(parents=True, exist_ok=True)
        inside.touch(exist_ok=True)
    linux.mount(str(host), str(inside), None, MS_BIND | MS_REC)
    # nodev even when the host's directory allows devices: a node made in it must stay inert.
    linux.mount(None, str(inside), None, MS_BIND | MS_REMOUNT | MS_NODEV | (MS_RDONLY if readonly else 0))


def mount_proc(merged: Path) -> None:
    """A procfs for the new PID namespace: it shows only the container's processes."""
    (merged / "proc").mkdir(exist_ok=True)
    linux.mount("proc", str(merged / "proc"), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)


def mount_sys(merged: Path) -> None:
    """sysfs, read-only: containers may look at devices, never reconfigure them."""
    (merged / "sys").mkdir(exist_ok=True)
    linux.mount("sysfs", str(merged / "sys"), "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY)


def make_dev(merged: Path, console: str | None = None) -> None:
    """A minimal /dev on a nodev tmpfs: the host's nodes of DEVICES bound in, its own devpts, /dev/shm.

    The host's /dev is never shown: a container that could open /dev/sda
    could read the host's disk. The tmpfs is nodev (see the module
    docstring); each device is a bind mount of the host's node, a mount of
    its own, so it opens although the tmpfs under it would not let it.
    """
    dev = merged / "dev"
    dev.mkdir(exist_ok=True)
    linux.mount("tmpfs", str(dev), "tmpfs", MS_NOSUID | MS_NODEV | linux.MS_STRICTATIME, "mode=755,size=65536k")
    for name, _kind, _major, _minor in DEVICES:
        node = dev / name
        node.touch(mode=0o666)
        linux.mount(f"/dev/{name}", str(node), None, MS_BIND)
    for name, target in DEV_LINKS.items():
        (dev / name).symlink_to(target)
    (dev / "pts").mkdir()
    # newinstance: a private pty namespace, so the container cannot reach host terminals.
    linux.mount("devpts", str(dev / "pts"), "devpts", MS_NOSUID | MS_NOEXEC,
                "newinstance,ptmxmode=0666,mode=0620,gid=5")
    (dev / "shm").mkdir()
    linux.mount("shm", str(dev / "shm"), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k")
    if console:
        (dev / "console").touch()
        linux.mount(console, str(dev / "console"), None, MS_BIND)




def pivot_into(merged: Path) -> None:
    """Make ``merged`` the root and detach the old one (pivot_root(2), NOTES).

    ``pivot_root(".", ".")`` stacks the old root on top of the new one at
    "/"; unmounting "/" then removes the old root and leaves the new one, with
    no directory needed to park the old root in.
    """
    linux.mount(str(merged), str(merged), None, MS_BIND | MS_REC)  # pivot_root needs a mount point
    os.chdir(merged)
    linux.pivot_root(".", ".")
    linux.umount2(".", linux.MNT_DETACH)
    os.chdir("/")


def mask_paths() -> None:
    """Hide MASKED_PATHS and make READONLY_PATHS read-only; call after pivot_into."""
    for path in MASKED_PATHS:
        if os.path.isdir(path):
            linux.mount("tmpfs", path, "tmpfs", MS_RDONLY)
        elif os.path.exists(path):
            linux.mount("/dev/null", path, None, MS_BIND)
    for path in READONLY_PATHS:
        if os.path.exists(path):
            linux.mount(path, path, None, MS_BIND | MS_REC)
            linux.mount(None, path, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC)
