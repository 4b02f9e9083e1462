"""The container's disk: an ext4 image file whose size is the CT's disk quota.

OpenVZ's ploop kept each container's files in one image file, loop-mounted
when the CT ran: the file's size *is* the quota, and a CT that fills its
disk gets ENOSPC from its own filesystem while the host's disk is untouched.
vz does the same with stock tools and ioctls:

- ``create_image``: a sparse file of DISKSPACE bytes, formatted with
  mkfs.ext4 ``-d`` straight from the OS template plus the CT's own
  /etc/inittab, so no mount is needed to fill it (mke2fs(8)).
- ``attach``: a free loop device bound to the image (loop(4): LOOP_CTL_GET_FREE,
  then LOOP_CONFIGURE) with LO_FLAGS_AUTOCLEAR, so the kernel detaches it by
  itself when its last user (the CT's mount) goes away, and with direct I/O,
  so the image's blocks are not cached twice (once by the CT's ext4, once as
  the host's file), as ploop did. losetup(8) shows the same devices.

The CT mounts the device inside its own mount namespace (see boot.py), so
the mount is never in the host's table and vanishes with the CT, crash or not.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import struct
import subprocess
import tempfile
from pathlib import Path

from runtimes.openvz.errors import VzError

# linux/loop.h
LOOP_CTL_GET_FREE = 0x4C82
LOOP_CONFIGURE = 0x4C0A          # Linux 5.8: bind a file and set flags in one call
LOOP_CLR_FD = 0x4C01
LO_FLAGS_AUTOCLEAR = 4
LO_FLAGS_DIRECT_IO = 16
LO_NAME_SIZE = 64
# struct loop_config { u32 fd; u32 block_size; struct loop_info64 info; u64 reserved[8]; }
# struct loop_info64 { u64 device, inode, rdevice, offset, sizelimit; u32 number,
#   encrypt_type, encrypt_key_size, flags; u8 file_name[64], crypt_name[64], key[32]; u64 init[2]; }
_LOOP_CONFIG = "II" + "QQQQQIIII64s64s32sQQ" + "8Q"

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


def create_image(path: Path, size: int, template: Path, ctid: int) -> None:
    """Make ``path``: an ext4 filesystem of ``size`` bytes holding ``template`` plus the CT's init files."""
    staging = Path(tempfile.mkdtemp(prefix=f".{ctid}-", dir=path.parent))
    created = False
    try:
        root = staging / "root"
        shutil.copytree(template, root, symlinks=True)
        (root / "run").mkdir(exist_ok=True)
        (root / "etc/init.d").mkdir(parents=True, exist_ok=True)
        (root / "etc/inittab").write_text(inittab(ctid))
        (root / "etc/init.d/rcS").write_text(RCS)
        (root / "etc/init.d/rcS").chmod(0o755)
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


def _mkfs(path: Path, root: Path, ctid: int) -> None:
    # -m 0: no blocks reserved for root, the whole quota is the CT's.
    # lazy_itable_init=0: initialise inode tables now (on a sparse file it is
    # free) rather than in a kernel thread writing while the CT runs.
    argv = ["mkfs.ext4", "-q", "-F", "-m", "0", "-L", f"ct{ctid}", "-E", "lazy_itable_init=0,lazy_journal_init=1",
            "-d", str(root), str(path)]
    try:
        done = subprocess.run(argv, capture_output=True, text=True)
    except FileNotFoundError:
        raise VzError("mkfs.ext4 not found: sudo apt-get install e2fsprogs (or sudo scripts/provision)") from None
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise VzError(f"mkfs.ext4 {path}: {first}")


def attach(image: Path) -> tuple[int, str]:
    """Bind ``image`` to a free loop device; return (open fd of the device, its path).

    The device stays bound while the fd or a mount holds it; AUTOCLEAR
    unbinds it at the last close. Another process may take the free device
    between the two ioctls (EBUSY): then ask again.
    """
    backing = os.open(image, os.O_RDWR | os.O_CLOEXEC)
    try:
        control = os.open("/dev/loop-control", os.O_RDWR | os.O_CLOEXEC)
        try:
            for _ in range(100):
                number = fcntl.ioctl(control, LOOP_CTL_GET_FREE)
                device = f"/dev/loop{number}"
                fd = os.open(device, os.O_RDWR | os.O_CLOEXEC)
                config = struct.pack(_LOOP_CONFIG, backing, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                     LO_FLAGS_AUTOCLEAR | LO_FLAGS_DIRECT_IO, os.fsencode(image)[:LO_NAME_SIZE - 1],
                                     b"", b"", 0, 0, *[0] * 8)
                try:
                    fcntl.ioctl(fd, LOOP_CONFIGURE, config)
                    return fd, device
                except OSError as err:
                    os.close(fd)
                    if err.errno != errno.EBUSY:
                        raise OSError(err.errno, f"LOOP_CONFIGURE {device} with {image}: {err.strerror}") from None
            raise OSError(errno.EBUSY, "no free loop device after 100 tries")
        finally:
            os.close(control)
    finally:
        os.close(backing)  # the loop device holds its own reference to the file


def loops_backed_by(image: Path) -> list[str]:
    """Loop devices bound to ``image`` now (/sys/block/loopN/loop/backing_file, as losetup -a reads)."""
    found = []
    wanted = str(image)
    for entry in Path("/sys/block").glob("loop*"):
        with contextlib.suppress(OSError):
            if (entry / "loop/backing_file").read_text().strip() in (wanted, f"{wanted} (deleted)"):
                found.append(f"/dev/{entry.name}")
    return sorted(found)


def detach(device: str) -> None:
    """Unbind a loop device (LOOP_CLR_FD). If it is still mounted somewhere,
    the kernel only marks it to be cleared at its last close, as losetup -d does."""
    with contextlib.suppress(FileNotFoundError):
        fd = os.open(device, os.O_RDONLY | os.O_CLOEXEC)
        try:
            fcntl.ioctl(fd, LOOP_CLR_FD)
        except OSError as err:
            if err.errno != errno.ENXIO:  # ENXIO: already unbound
                raise
        finally:
            os.close(fd)
