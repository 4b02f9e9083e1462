"""What the VM boots: kernel, initramfs and disk, made from the one image and cached.

- **kernel**: the Debian cloud kernel (``runtimes.vm.guest_kernel``).
- **initramfs**: a cpio archive with static busybox, the virtio modules that
  kernel builds as modules, and an ``/init`` script that loads them, mounts
  the disk and hands over to the disk's init with ``switch_root``.
- **disk**: a raw ext4 image made with ``mkfs.ext4 -d`` from the suite's one
  image (``runtimes.image``), plus one file, ``/sbin/isobench-init``: the
  guest's PID 1, which runs the workload from ``/`` on that disk, reports its
  exit status and powers the VM off. The base disk is never written: every
  instance boots from its own copy-on-write qcow2 overlay of it.

The workload's argv reaches the guest on the kernel command line, after
``--``: the kernel passes those words to /init as arguments
(Documentation/admin-guide/kernel-parameters.rst), /init passes them to the
disk's init, which runs them. So the domain XML shows exactly what ran.

Guest lines on the console look like ``GUEST event=init uptime_s=1.89`` (the
guest's own clock, for the boot breakdown); they are parsed in
``runtimes.vm.console``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from runtimes.kernel.errors import ImageError, InstanceError
from runtimes.kernel.messages import say
from runtimes.image import BUSYBOX, Image
from runtimes.kernel import signals
from runtimes.kernel.paths import cache_dir
from runtimes.vm.guest_kernel import Kernel, fetch_kernel

LAYOUT_VERSION = "1"   # bump when the scripts' protocol or the layout changes
DISK_SIZE_MIB = 1024   # sparse; room for the io scenario's files
GUEST_INIT = "/sbin/isobench-init"
# busybox applets /init calls by name (the rest of the userland is on the disk)
INITRAMFS_APPLETS = ("sh", "mount", "umount", "insmod", "switch_root", "sleep", "poweroff")

INITRAMFS_INIT = """\
#!/bin/sh
# /init of the isobench initramfs: PID 1 until the real root is mounted.
# The kernel builds the virtio drivers as modules, so it cannot reach the
# disk by itself: load them, mount the disk, hand over to the disk's init.
# The arguments are the workload's argv (kernel command line, after "--").
say() {{ read -r up _ </proc/uptime; echo "GUEST event=$* uptime_s=$up"; }}
fail() {{ echo "GUEST event=error what=$1"; poweroff -f; }}
mount -t proc proc /proc
say initramfs
for module in {modules}; do
    insmod "/lib/modules/$module.ko" || fail "insmod-$module"
done
mount -t devtmpfs devtmpfs /dev
# The disk's device node appears once virtio_blk has probed it.
tries=0
while [ ! -b /dev/vda ] && [ $tries -lt 100 ]; do sleep 0.02; tries=$((tries + 1)); done
mount -t ext4 /dev/vda /newroot || fail mount-root
umount /proc
mount --move /dev /newroot/dev
exec switch_root /newroot {guest_init} "$@"
"""

DISK_INIT = """\
#!/bin/sh
# {guest_init}: PID 1 of the isobench guest, on its own root disk. The
# initramfs hands over to it with switch_root, passing the workload's argv.
# It runs the workload from / on this disk (so `probe io` measures the virtual
# disk), reports the exit status and the guest's memory on the console, then
# powers the VM off. A line "stop" on the console asks the workload to stop:
# it gets SIGTERM, as a host process gets from the harness.
say() {{ read -r up _ </proc/uptime; echo "GUEST event=$* uptime_s=$up"; }}
memory() {{
    while read -r key value _; do
        case $key in
            MemTotal:) total=$value ;; MemAvailable:) available=$value ;;
            Buffers:) buffers=$value ;; Cached:) cached=$value ;;
        esac
    done </proc/meminfo
    say "memory when=$1 mem_total_kib=$total mem_available_kib=$available cached_kib=$((buffers + cached))"
}}
mount -t proc proc /proc
stty -echo </dev/console   # the host's "stop" must not come back as output
say init
cd /
"$@" </dev/null &
workload=$!
while read -r request; do
    if [ "$request" = stop ]; then memory stop; kill -TERM "$workload"; fi
done </dev/console &
listener=$!
wait "$workload"
status=$?
kill "$listener"
memory exit
say "exit status=$status"
sync
poweroff -f
"""


@dataclasses.dataclass(frozen=True)
class Guest:
    """Everything a VM instance boots from; every path is read-only once built."""

    kernel: Path
    initramfs: Path
    disk: Path           # raw ext4: the backing file of every instance's overlay
    kernel_label: str    # package and version, for the report
    key: str             # sha256 of the build inputs (the cache key)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- initramfs: a cpio archive ---------------------------------------------------
# The kernel unpacks the "newc" cpio format (Documentation/driver-api/
# early-userspace/buffer-format.rst): per entry a 110-byte ASCII header of
# hex fields, the name, then the data, each padded to 4 bytes. Writing it here
# keeps the archive reproducible (no timestamps) and lets us add /dev/console
# without mknod.

S_IFDIR, S_IFREG, S_IFLNK, S_IFCHR = 0o040000, 0o100000, 0o120000, 0o020000


@dataclasses.dataclass(frozen=True)
class CpioEntry:
    name: str
    mode: int                      # type and permission bits
    data: bytes = b""              # file content, or a symlink's target
    rdev: tuple[int, int] = (0, 0)  # (major, minor) of a device node


def _pad4(data: bytes) -> bytes:
    return data + b"\0" * (-len(data) % 4)


def cpio_newc(entries: list[CpioEntry]) -> bytes:
    """The archive of ``entries`` followed by the trailer, uid/gid 0, mtime 0."""
    out = []
    for ino, e in enumerate([*entries, CpioEntry("TRAILER!!!", 0)], start=1):
        name = e.name.encode() + b"\0"
        fields = (ino, e.mode, 0, 0, 2 if e.mode & S_IFDIR == S_IFDIR else 1, 0, len(e.data),
                  0, 0, e.rdev[0], e.rdev[1], len(name), 0)
        header = b"070701" + b"".join(b"%08X" % f for f in fields)
        out.append(_pad4(header + name) + _pad4(e.data))
    return b"".join(out)


def initramfs_entries(kernel: Kernel) -> list[CpioEntry]:
    """The initramfs tree: a few directories, /dev/console, busybox, the modules, /init."""
    names = [m.stem for m in kernel.modules]
    script = INITRAMFS_INIT.format(modules=" ".join(names), guest_init=GUEST_INIT)
    entries = [CpioEntry(d, S_IFDIR | 0o755) for d in ("bin", "dev", "proc", "newroot", "lib", "lib/modules")]
    # The kernel opens /dev/console for /init's stdin/stdout/stderr before
    # any devtmpfs exists (init/main.c, console_on_rootfs), so it must be here.
    entries.append(CpioEntry("dev/console", S_IFCHR | 0o600, rdev=(5, 1)))
    entries.append(CpioEntry("bin/busybox", S_IFREG | 0o755, BUSYBOX.read_bytes()))
    entries += [CpioEntry(f"bin/{applet}", S_IFLNK | 0o777, b"busybox") for applet in INITRAMFS_APPLETS]
    entries += [CpioEntry(f"lib/modules/{m.name}", S_IFREG | 0o644, m.read_bytes()) for m in kernel.modules]
    entries.append(CpioEntry("init", S_IFREG | 0o755, script.encode()))
    return entries


# -- disk ------------------------------------------------------------------------

def _mkfs_version() -> str:
    try:
        out = subprocess.run(["mke2fs", "-V"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        raise ImageError(say("guest-disk.no-mke2fs")) from None
    return (out.stderr or out.stdout).splitlines()[0]


def make_disk(image: Image, path: Path, work: Path) -> None:
    """A raw ext4 image of the one image plus the guest's init, via ``mkfs.ext4 -d``."""
    root = work / "disk-root"
    shutil.copytree(image.rootfs, root, symlinks=True)
    init = root / GUEST_INIT.lstrip("/")
    init.write_text(DISK_INIT.format(guest_init=GUEST_INIT))
    init.chmod(0o755)
    # Inode tables and journal are written now, not lazily by the guest
    # kernel in the background, where they would disturb the io figures.
    argv = ["mkfs.ext4", "-q", "-F", "-L", "isobench", "-d", str(root),
            "-E", "lazy_itable_init=0,lazy_journal_init=0", str(path), f"{DISK_SIZE_MIB}M"]
    out = subprocess.run(argv, capture_output=True, text=True)
    if out.returncode != 0:
        raise ImageError(say("guest-disk.mkfs-failed", said=out.stderr.strip()))
    shutil.rmtree(root)


# -- the cached set --------------------------------------------------------------

def build_inputs(image: Image, kernel: Kernel) -> dict[str, str]:
    """Everything the guest is made from; its hash is the cache key."""
    return {
        "layout": LAYOUT_VERSION,
        "kernel": kernel.label,
        "image_digest": image.digest,
        "busybox_sha256": image.inputs.get("busybox_sha256", ""),
        "initramfs_init_sha256": _sha256(INITRAMFS_INIT.encode()),
        "disk_init_sha256": _sha256(DISK_INIT.encode()),
        "disk_size_mib": str(DISK_SIZE_MIB),
        "mkfs": _mkfs_version(),
    }


def build_guest(image: Image, cache: Path | None = None) -> Guest:
    """Return the cached guest for this image and kernel, building it if needed.

    Built in a temporary directory and renamed into place, as ``build_image``
    does. Directories end up 0755 and files 0644 so that QEMU can read them
    whichever user it runs as.
    """
    cache = cache or cache_dir()
    kernel = fetch_kernel(cache)
    inputs = build_inputs(image, kernel)
    key = _sha256(json.dumps(inputs, sort_keys=True).encode())
    entry = cache / "vm" / "guest" / key
    guest = Guest(kernel=entry / "vmlinuz", initramfs=entry / "initramfs.cpio", disk=entry / "disk.raw",
                  kernel_label=kernel.label, key=key)
    if (entry / "manifest.json").is_file():
        return guest
    entry.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".build-", dir=entry.parent))
    try:
        shutil.copy2(kernel.vmlinuz, staging / "vmlinuz")
        (staging / "initramfs.cpio").write_bytes(cpio_newc(initramfs_entries(kernel)))
        make_disk(image, staging / "disk.raw", staging)
        publish(staging, entry, inputs)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return guest


def create_overlay(guest: Guest, overlay: Path) -> None:
    """A qcow2 file that reads through to the base disk and keeps this instance's writes."""
    argv = ["qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw", "-b", str(guest.disk), str(overlay)]
    proc = None
    try:
        with signals.held():  # a Ctrl-C inside Popen would leave the child unreaped; it lands when the block ends
            proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        _, err = proc.communicate()
    except BaseException:
        # subprocess.run waits only 0.25 s for it after a Ctrl-C (Popen.__exit__): reap it, leave no zombie.
        if proc is not None:
            proc.kill()
            proc.wait()
            proc.stderr.close()
        raise
    if proc.returncode != 0:
        raise InstanceError(say("vm.overlay-failed", path=str(overlay), said=err.strip() or say("tool.no-output")))


def publish(staging: Path, entry: Path, inputs: dict) -> None:
    """Make a finished build in ``staging`` the cache ``entry``, readable by all, in one rename.

    The manifest goes in last, so an entry with one is complete; losing the
    rename to a concurrent build of the same inputs is fine: theirs is as good.
    """
    (staging / "manifest.json").write_text(json.dumps(inputs, indent=2))
    for path in staging.iterdir():
        path.chmod(0o644)
    os.chmod(staging, 0o755)
    try:
        staging.rename(entry)
    except OSError:
        if not (entry / "manifest.json").is_file():
            raise
