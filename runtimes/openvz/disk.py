"""The container's disk: an ext4 image file whose size is the CT's disk quota.

OpenVZ's ploop kept each container's files in one image file, loop-mounted
when the CT ran: the file's size *is* the quota, and a CT that fills its
disk gets ENOSPC from its own filesystem while the host's disk is untouched.
vz does the same with stock tools and ioctls:

- ``create_image``: a sparse file of DISKSPACE bytes, formatted with
  mkfs.ext4 ``-d`` straight from a copy of the OS template plus the CT's own
  /etc/inittab, so no mount is needed to fill it (mke2fs(8)). The copy
  takes directories, files and links, never a device node, and follows no
  link (``copy_template``).
- ``write_in_root``: every file vz writes into a CT's root (inittab,
  hostname, hosts) is opened with openat2(2) so that no link in the root,
  which is the CT's to write, can lead the write off the CT's disk.
- ``loop.attach`` (runtimes/kernel/loop.py): a free loop device bound to the image (loop(4): LOOP_CTL_GET_FREE,
  then LOOP_CONFIGURE) with LO_FLAGS_AUTOCLEAR, so the kernel detaches it by
  itself when its last user (the CT's mount) goes away, and with direct I/O,
  so the image's blocks are not cached twice (once by the CT's ext4, once as
  the host's file), as ploop did. losetup(8) shows the same devices.

The CT mounts the device inside its own mount namespace (see boot.py), so
the mount is never in the host's table and vanishes with the CT, crash or not.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

from runtimes.kernel import linux, rootfs
from runtimes.kernel.messages import say
from runtimes.openvz.errors import VzError

READY_MARKER = "/run/vz-ready"


def inittab(ctid: int) -> str:
    """The CT's /etc/inittab, read by busybox init (its PID 1). Format: ``id:runlevels:action:process``."""
    return f"""# /etc/inittab of vz container {ctid}, read by busybox init, the CT's PID 1.
# busybox ignores the id and runlevels fields; actions run in this order:
# sysinit (init waits for each), wait (likewise), then once/respawn (none here).
::sysinit:/bin/sh /etc/init.d/rcS
# `vz start` waits for this file: the boot actions above have run, init is up.
::wait:/bin/touch {READY_MARKER}
# `vz stop` sends init SIGUSR1 (what `halt` does): init runs the shutdown
# actions, sends SIGTERM then SIGKILL to every other process of the CT, and exits.
::shutdown:/bin/echo "CT {ctid}: halting"
"""


RCS = """#!/bin/sh
# Boot script of a vz container (busybox init runs it as its sysinit action).
# The host already mounted /proc, /sys, /dev and /run, set the hostname and
# configured eth0 before starting init (runtimes/openvz/boot.py, net.py).
echo "$(hostname): booting, $(ls /proc | grep -c '^[0-9]') processes"
"""


def create_image(path: Path, size: int, template: Path, ctid: int) -> list[str]:
    """Make ``path``: an ext4 filesystem of ``size`` bytes holding ``template`` plus the CT's init files.

    Returns the template's special files that were left out (see ``copy_template``).
    """
    staging = Path(tempfile.mkdtemp(prefix=f".{ctid}-", dir=path.parent))
    created = False
    try:
        root = staging / "root"
        skipped = copy_template(template, root)
        # The template's /etc may be a link (to the host's /etc, say): these
        # writes are resolved inside the staged root, never through it.
        root_fd = rootfs.open_root(root)
        try:
            os.close(rootfs.make_dirs_in_root(root_fd, "run"))
            os.close(rootfs.make_dirs_in_root(root_fd, "etc/init.d"))
            write_in_root(root_fd, "etc/inittab", inittab(ctid))
            write_in_root(root_fd, "etc/init.d/rcS", RCS, mode=0o755)
        finally:
            os.close(root_fd)
        with open(path, "xb") as image:  # never overwrite an existing disk
            created = True
            image.truncate(size)         # sparse: host blocks are used only as the CT writes
        _mkfs(path, root, ctid)
    except BaseException:
        if created:
            path.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return skipped


def copy_template(template: Path, root: Path) -> list[str]:
    """Copy the OS template to ``root``: directories, regular files and symbolic links, nothing else.

    Returns the paths (relative to the template) of what was skipped: device
    nodes, FIFOs and sockets. Reading a device node as a file would copy
    what is behind it on the host (a node for the host's disk copies the
    disk; /dev/kmsg the kernel's log) into the CT, and copying it as a node
    would hand the CT a door to a host device; a CT's /dev is made by vz at
    every start (boot.py), never taken from its template. Symbolic links are
    copied as links and never followed, so a template's ``etc/shadow ->
    /etc/shadow`` stays a link that, inside the CT, points into the CT.
    Owners, modes (set-user-ID bits included: su must work in a system
    container) and times are kept, as `tar --same-owner -p` would.
    """
    skipped: list[str] = []
    _copy_dir(template, root, os.lstat(template), "", skipped)
    return skipped


def _copy_dir(source: Path, target: Path, info: os.stat_result, relative: str, skipped: list[str]) -> None:
    os.mkdir(target, 0o700)  # opened up (to the template's mode) once its content is in
    with os.scandir(source) as entries:
        for entry in entries:
            here = f"{relative}{entry.name}"
            found = entry.stat(follow_symlinks=False)
            if stat.S_ISLNK(found.st_mode):
                os.symlink(os.readlink(entry.path), target / entry.name)
            elif stat.S_ISDIR(found.st_mode):
                _copy_dir(Path(entry.path), target / entry.name, found, f"{here}/", skipped)
                continue
            elif not stat.S_ISREG(found.st_mode) or not _copy_file(Path(entry.path), target / entry.name, found):
                skipped.append(here)
                continue
            _keep_metadata(target / entry.name, found)
    _keep_metadata(target, info)


def _copy_file(source: Path, target: Path, info: os.stat_result) -> bool:
    """Copy one regular file; False if it is no longer the regular file ``info`` describes."""
    # O_NOFOLLOW and O_NONBLOCK: if the template changed since the scan, a
    # link is not followed and a FIFO does not block; fstat tells the rest.
    fd = os.open(source, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    with open(fd, "rb") as src:
        now = os.fstat(fd)
        if not stat.S_ISREG(now.st_mode) or (now.st_dev, now.st_ino) != (info.st_dev, info.st_ino):
            return False
        with open(target, "xb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
    return True


def _keep_metadata(path: Path, info: os.stat_result) -> None:
    os.lchown(path, info.st_uid, info.st_gid)
    if not stat.S_ISLNK(info.st_mode):  # a link's own mode means nothing on Linux
        os.chmod(path, stat.S_IMODE(info.st_mode))  # after chown, which clears set-user-ID bits
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns), follow_symlinks=False)


# openat2(2) RESOLVE_NO_XDEV (linux/openat2.h): stay on the mount the lookup starts on.
RESOLVE_NO_XDEV = 0x01
# How vz resolves a file it writes into a CT's root: as if that root were "/"
# (a link to /etc/shadow is the CT's /etc/shadow), no jump through a /proc
# magic link (/proc/self/fd/N is a host file the writer holds), and never
# off the CT's own disk (onto its /proc, /sys, /dev or /run).
ON_DISK = linux.RESOLVE_IN_ROOT | linux.RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV


def write_in_root(root_fd: int, path: str, text: str, mode: int = 0o644) -> None:
    """Write ``text`` to ``path`` inside the root ``root_fd`` (made if missing), resolved ON_DISK.

    OSError if the path leads where vz will not write (EXDEV: another mount,
    ELOOP: a magic link); what to do then is the caller's choice.
    """
    fd = linux.openat2(root_fd, path.lstrip("/"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOCTTY, ON_DISK, mode)
    with open(fd, "w") as file:
        os.fchmod(fd, mode)  # an existing file keeps its mode through O_TRUNC
        file.write(text)


def why_not_written(path: str, err: OSError) -> str:
    """One line for an OSError of write_in_root: a link vz refused, or an ordinary failure."""
    if err.errno in (errno.EXDEV, errno.ELOOP):
        return f"{path} leads off the CT's disk ({os.strerror(err.errno)}); replace it with a plain file"
    return f"{path}: {os.strerror(err.errno or 0)}"


def read_in_root(root_fd: int, path: str, limit: int = 4096) -> str:
    """The first ``limit`` bytes of ``path`` inside the root ``root_fd``, resolved ON_DISK."""
    fd = linux.openat2(root_fd, path.lstrip("/"), os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY, ON_DISK)
    with open(fd, "rb") as file:
        return file.read(limit).decode(errors="replace")


def _mkfs(path: Path, root: Path, ctid: int) -> None:
    # -m 0: no blocks reserved for root, the whole quota is the CT's.
    # lazy_itable_init=0: initialise inode tables now (on a sparse file it is
    # free) rather than in a kernel thread writing while the CT runs.
    argv = ["mkfs.ext4", "-q", "-F", "-m", "0", "-L", f"ct{ctid}", "-E", "lazy_itable_init=0,lazy_journal_init=1",
            "-d", str(root), str(path)]
    try:
        done = subprocess.run(argv, capture_output=True, text=True)
    except FileNotFoundError:
        raise VzError(say("vz.no-mkfs")) from None
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise VzError(say("vz.mkfs-failed", path=str(path), said=first))
