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
make a node for any device, the host's disk included. Two locks stop such a
node from opening: every place the container can write (its root, /dev,
volumes) is mounted ``nodev``, so a node made there is inert (mount(2),
MS_NODEV), and the few devices it is given are the host's own nodes
bind-mounted into /dev; and, as in Docker, the devices cgroup lets the
container open only those devices wherever a node lies (devices.py).
tests/integration/test_escapes.py and test_box_devices.py try it.

Paths inside the image are the image's to choose, symbolic links included:
an image whose /proc is a link to /tmp (or whose volume target leads to
"/../../etc") must not make box mount on a host directory, or mount procfs
where the image keeps fake files. So every place box mounts on or creates
inside the root is opened with openat2(2) RESOLVE_IN_ROOT, which resolves
links and ".." as if the container's root were "/", and the mount is made on
that open directory through /proc/self/fd/N (what runc does with its
securejoin). /proc, /sys and /dev must be plain directories of the image, or
box refuses the image with one line.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path

from runtimes.kernel import linux
from runtimes.kernel.linux import MS_BIND, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_PRIVATE, MS_RDONLY, MS_REC, MS_REMOUNT

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


class UnsafeImage(ValueError):
    """The image's root filesystem is laid out so that box would have to follow it out of the root."""


_IN_ROOT = linux.RESOLVE_IN_ROOT | linux.RESOLVE_NO_MAGICLINKS


def _fd_path(fd: int) -> str:
    """A path for what ``fd`` is open on: mount(2) and friends follow this magic link to it (proc(5))."""
    return f"/proc/self/fd/{fd}"


def open_root(merged: Path) -> int:
    """An O_PATH descriptor on the container's root, the anchor every path inside it is resolved from."""
    return os.open(merged, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)


def make_dirs_in_root(root_fd: int, path: str) -> int:
    """An O_PATH descriptor on directory ``path`` inside the root, made (0755) where missing.

    Each step is resolved inside the root, so a link anywhere on the way
    leads to a place inside it, never out; mkdirat(2) of one name never
    follows a link. A dangling link on the way is followed, inside the root,
    to where the missing directories are then made (what `mkdir -p` does).
    """
    parts = [part for part in path.split("/") if part not in ("", ".")]
    depth, hops = 0, 0
    while True:
        here = "/".join(parts[:depth]) or "."
        try:
            fd = linux.openat2(root_fd, here, os.O_PATH | os.O_DIRECTORY, _IN_ROOT)
        except FileNotFoundError:
            parent = linux.openat2(root_fd, "/".join(parts[:depth - 1]) or ".", os.O_PATH | os.O_DIRECTORY, _IN_ROOT)
            try:
                os.mkdir(parts[depth - 1], 0o755, dir_fd=parent)
            except FileExistsError:  # a dangling link: go on from where it points
                hops += 1
                if hops > 40:  # the kernel's own limit on links in one lookup (path_resolution(7))
                    raise OSError(40, f"too many levels of symbolic links in {path}") from None
                link = os.readlink(parts[depth - 1], dir_fd=parent)
                base = [] if link.startswith("/") else parts[:depth - 1]
                parts = [*base, *(p for p in link.split("/") if p not in ("", ".")), *parts[depth:]]
                depth = 0
                continue
            finally:
                os.close(parent)
            continue
        if depth == len(parts):
            return fd
        os.close(fd)
        depth += 1


def make_file_in_root(root_fd: int, path: str) -> int:
    """An O_PATH descriptor on file ``path`` inside the root (a bind target), made empty where missing."""
    parent_path, _, name = path.rstrip("/").rpartition("/")
    parent = make_dirs_in_root(root_fd, parent_path)
    try:
        try:
            return linux.openat2(parent, name, os.O_PATH, _IN_ROOT)
        except FileNotFoundError:
            os.close(os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644,
                             dir_fd=parent))
            return linux.openat2(parent, name, os.O_PATH, _IN_ROOT)
    finally:
        os.close(parent)


def plain_dir_in_root(root_fd: int, name: str) -> int:
    """An O_PATH descriptor on the image's top-level directory ``name`` (proc, sys, dev), made if missing.

    No link at all is accepted here: these are where box mounts the kernel's
    own filesystems, and what it masks afterwards is found through them.
    """
    try:
        return linux.openat2(root_fd, name, os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW, linux.RESOLVE_NO_SYMLINKS)
    except FileNotFoundError:
        os.mkdir(name, 0o755, dir_fd=root_fd)
        return linux.openat2(root_fd, name, os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW, linux.RESOLVE_NO_SYMLINKS)
    except OSError as err:  # ELOOP: a link; ENOTDIR: a file
        raise UnsafeImage(f"the image's /{name} is not a plain directory ({os.strerror(err.errno)}); box will not "
                          f"mount /{name} through it: rebuild the image with /{name} as an empty directory") from None


def bind_volume(host: Path, root_fd: int, target: str, readonly: bool = False) -> None:
    """Make a host directory or file appear at ``target`` inside the container (``-v``).

    nosuid and nodev on the bind *and every mount below it* (mount_setattr(2)
    AT_RECURSIVE): a set-user-ID file or a device node in the host's
    directory, or made there by the container, must stay inert.
    """
    inside = make_dirs_in_root(root_fd, target) if host.is_dir() else make_file_in_root(root_fd, target)
    try:
        linux.mount(str(host), _fd_path(inside), None, MS_BIND | MS_REC)
    finally:
        os.close(inside)
    mounted = linux.openat2(root_fd, target.lstrip("/"), os.O_PATH, _IN_ROOT)  # now the bind's own root
    try:
        attrs = linux.MOUNT_ATTR_NOSUID | linux.MOUNT_ATTR_NODEV | (linux.MOUNT_ATTR_RDONLY if readonly else 0)
        linux.mount_setattr(mounted, attrs)
    finally:
        os.close(mounted)


def mount_proc(root_fd: int) -> None:
    """A procfs for the new PID namespace: it shows only the container's processes."""
    proc = plain_dir_in_root(root_fd, "proc")
    try:
        linux.mount("proc", _fd_path(proc), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    finally:
        os.close(proc)


def mount_sys(root_fd: int) -> None:
    """sysfs, read-only: containers may look at devices, never reconfigure them."""
    sys_dir = plain_dir_in_root(root_fd, "sys")
    try:
        linux.mount("sysfs", _fd_path(sys_dir), "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY)
    finally:
        os.close(sys_dir)


def make_dev(root_fd: int, console: str | None = None) -> None:
    """A minimal /dev on a nodev tmpfs: the host's nodes of DEVICES bound in, its own devpts, /dev/shm.

    The host's /dev is never shown: a container that could open /dev/sda
    could read the host's disk. The tmpfs is nodev (see the module
    docstring); each device is a bind mount of the host's node, a mount of
    its own, so it opens although the tmpfs under it would not let it.
    """
    dev_dir = plain_dir_in_root(root_fd, "dev")
    try:
        linux.mount("tmpfs", _fd_path(dev_dir), "tmpfs", MS_NOSUID | MS_NODEV | linux.MS_STRICTATIME, "mode=755,size=65536k")
    finally:
        os.close(dev_dir)
    # From here on /dev is a fresh tmpfs of ours: nothing of the image's is in it to mislead us.
    dev = Path(_fd_path(root_fd), "dev")
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


def _open_kernel_path(path: str) -> int | None:
    """An O_PATH descriptor on ``path`` below our own /proc or /sys, no link followed; None if this kernel lacks it."""
    try:
        return linux.openat2(-100, path, os.O_PATH | os.O_NOFOLLOW, linux.RESOLVE_NO_SYMLINKS)  # -100: AT_FDCWD
    except FileNotFoundError:
        return None


def mask_paths() -> None:
    """Hide MASKED_PATHS and make READONLY_PATHS read-only; call after pivot_into.

    /proc and /sys are the kernel's own mounts by now (plain_dir_in_root saw
    to it), so a missing path is one this kernel does not have.
    """
    for path in MASKED_PATHS:
        fd = _open_kernel_path(path)
        if fd is None:
            continue
        try:
            if stat.S_ISDIR(os.fstat(fd).st_mode):
                linux.mount("tmpfs", _fd_path(fd), "tmpfs", MS_RDONLY)
            else:
                linux.mount("/dev/null", _fd_path(fd), None, MS_BIND)
        finally:
            os.close(fd)
    for path in READONLY_PATHS:
        fd = _open_kernel_path(path)
        if fd is None:
            continue
        try:
            linux.mount(_fd_path(fd), _fd_path(fd), None, MS_BIND | MS_REC)
        finally:
            os.close(fd)
        fd = _open_kernel_path(path)  # the new bind, which the remount must name
        try:
            linux.mount(None, _fd_path(fd), None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC)
        finally:
            os.close(fd)
