"""Boot a guest whose root is this host's own filesystem, on a pure cgroup v2 kernel.

The host here has cgroup v1 (most distributions now run v2), and a fake v2
tree would prove nothing, so box's v2 code is exercised in a real guest:

- the Debian cloud kernel the VM runtime already fetches (runtimes.vm.guest_kernel),
  with /sys/fs/cgroup mounted as cgroup2 alone, so every controller is v2;
- its root is the host's "/", shared read-only with virtiofs (the guest
  sees the same Python, virtualenv and repository), with a tmpfs on /run
  where the checks write (box's store, overlay upper directories);
- plain QEMU, under the same accelerator rule as the VM runtime, console on
  a pipe: the guest runs one command and powers off;
- or, with ``systemd=True``, the same files under a tmpfs overlay with
  systemd as PID 1, as in the classroom VM, the command run as a service.

Used by tests/integration/test_cgroup_v2.py and test_classroom_guest.py.
"""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from runtimes.image import BUSYBOX
from runtimes.kernel.paths import cache_dir
from runtimes.vm.guest import S_IFCHR, S_IFDIR, S_IFLNK, S_IFREG, CpioEntry, cpio_newc
from runtimes.vm.guest_kernel import Kernel, fetch_kernel, load_order, module_bytes, module_index

VIRTIOFSD = Path("/usr/lib/qemu/virtiofsd")
QEMU = "qemu-system-x86_64"
NEEDED = ("virtio_pci", "fuse", "virtiofs", "overlay", "loop", "veth")  # loop, veth: for vz
APPLETS = ("sh", "mount", "umount", "insmod", "chroot", "poweroff", "mkdir", "cat", "cp", "echo", "switch_root")

# The guest's /init: mount the host's root over virtiofs, give it writable
# tmpfs where needed and a cgroup2-only /sys/fs/cgroup, run the command, power off.
INIT = """#!/bin/sh
mount -t proc proc /proc
mount -t devtmpfs dev /dev
for m in {modules}; do insmod /lib/modules/$m.ko || echo "GUEST insmod $m failed"; done
mount -t virtiofs -o ro hostroot /newroot || {{ echo "GUEST virtiofs mount failed"; poweroff -f; }}
# Writable space on /run, not /tmp: the repository itself may live under the host's /tmp.
mount -t tmpfs -o mode=1777 tmpfs /newroot/run
mkdir /newroot/run/tmp
mount -t proc proc /newroot/proc
mount -t sysfs sysfs /newroot/sys
mount -t cgroup2 cgroup2 /newroot/sys/fs/cgroup
mount -t devtmpfs dev /newroot/dev
cat /command > /newroot/run/guest-command
echo "GUEST start"
chroot /newroot /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/run TMPDIR=/run/tmp PYTHONDONTWRITEBYTECODE=1 \\
    BOX_ROOT=/run/box VZ_ROOT=/run/vz ISOBENCH_STATE=/run/state PYTHONPATH={repo} /bin/sh /run/guest-command
echo "GUEST exit=$?"
poweroff -f
"""


# The same guest with systemd as PID 1, as in the classroom VM: the host's root, read-only over
# virtiofs, under a tmpfs overlay so systemd can write; only basic.target and the check's
# service start (not the host's other enabled services), the host's fstab is ignored, and
# systemd-tmpfiles leaves the host's /tmp as it is.
INIT_SYSTEMD = """#!/bin/sh
mount -t proc proc /proc
mount -t devtmpfs dev /dev
for m in {modules}; do insmod /lib/modules/$m.ko || echo "GUEST insmod $m failed"; done
mkdir -p /lower /rw
mount -t virtiofs -o ro hostroot /lower || {{ echo "GUEST virtiofs mount failed"; poweroff -f; }}
mount -t tmpfs -o mode=755 tmpfs /rw
mkdir /rw/upper /rw/work
mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work overlay /newroot \
    || {{ echo "GUEST overlay mount failed"; poweroff -f; }}
mkdir -p /newroot/etc/systemd/system
cp /units/* /newroot/etc/systemd/system/
# Debian's tmp.conf (D /tmp) empties /tmp at boot: a walk of the host's /tmp (earlier tests' files, maybe
# the repository) that holds a virtiofsd descriptor per file, until virtiofsd's open-file limit is hit.
mkdir -p /newroot/etc/tmpfiles.d
echo "d /tmp 1777 root root -" > /newroot/etc/tmpfiles.d/tmp.conf
cp /command /newroot/etc/isobench-guest-command
echo "GUEST start"
umount /proc
mount --move /dev /newroot/dev
exec switch_root /newroot /lib/systemd/systemd --unit=isobench-check.target
"""
CHECK_TARGET = """[Unit]
Description=isobench: the check of the cgroup v2 guest, with nothing else the host enables
Requires=basic.target isobench-check.service
After=basic.target
AllowIsolate=yes
"""
CHECK_SERVICE = """[Unit]
After=basic.target
[Service]
Type=oneshot
Environment=PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/run TMPDIR=/run/tmp PYTHONDONTWRITEBYTECODE=1
Environment=BOX_ROOT=/run/box VZ_ROOT=/run/vz ISOBENCH_STATE=/run/state PYTHONPATH={repo}
ExecStartPre=/bin/mkdir -p /run/tmp
ExecStart=/bin/sh -c 'sh /etc/isobench-guest-command >/dev/console 2>&1; echo "GUEST exit=$$?" >/dev/console'
ExecStopPost=/bin/systemctl --no-block poweroff
"""


def guest_kernel(cache: Path | None = None) -> Kernel:
    """The VM runtime's kernel, with the modules this guest needs in load order (cached).

    The VM runtime keeps only the virtio block modules of the kernel package;
    virtiofs, fuse and overlay are unpacked here once from the same package
    version into a cache entry of their own.
    """
    base = fetch_kernel(cache)
    wanted = hashlib.sha256(" ".join(NEEDED).encode()).hexdigest()[:8]  # a new module list is a new entry
    entry = (cache or cache_dir()) / "vm" / "v2guest" / f"{base.release}-{wanted}"
    order_file = entry / "order"
    if not order_file.is_file():
        staging = Path(tempfile.mkdtemp(prefix=".fetch-", dir=_mkdir(entry.parent)))
        try:
            apt = ["apt-get", "download", "-q", "-o", "APT::Sandbox::User=root"]
            subprocess.run([*apt, f"{base.package}={base.version}"], cwd=staging, check=True, capture_output=True)
            deb = next(staging.glob(f"{base.package}_*.deb"))
            subprocess.run(["dpkg-deb", "-x", str(deb), str(staging / "tree")], check=True, capture_output=True)
            index = module_index(staging / "tree" / "lib" / "modules" / base.release / "kernel")
            order = load_order(index, NEEDED)
            (staging / "modules").mkdir()
            for name in order:
                (staging / "modules" / f"{name}.ko").write_bytes(module_bytes(index[name]))
            (staging / "order").write_text("\n".join(order))
            shutil.rmtree(staging / "tree")
            deb.unlink()
            staging.rename(entry)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    order = order_file.read_text().split()
    return dataclasses.replace(base, modules=tuple(entry / "modules" / f"{n}.ko" for n in order))


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclasses.dataclass(frozen=True)
class GuestResult:
    exit_code: int | None
    lines: list[str]
    seconds: float


def initramfs(kernel: Kernel, command: str, repo: Path, systemd: bool = False) -> bytes:
    modules = [m for m in kernel.modules]
    names = [m.stem for m in modules]
    entries = [CpioEntry(d, S_IFDIR | 0o755) for d in ("bin", "dev", "proc", "newroot", "lib", "lib/modules", "units")]
    entries.append(CpioEntry("dev/console", S_IFCHR | 0o600, rdev=(5, 1)))
    entries.append(CpioEntry("bin/busybox", S_IFREG | 0o755, BUSYBOX.read_bytes()))
    entries += [CpioEntry(f"bin/{a}", S_IFLNK | 0o777, b"busybox") for a in APPLETS]
    entries += [CpioEntry(f"lib/modules/{m.name}", S_IFREG | 0o644, m.read_bytes()) for m in modules]
    entries.append(CpioEntry("command", S_IFREG | 0o644, command.encode()))
    init = INIT_SYSTEMD if systemd else INIT
    entries.append(CpioEntry("init", S_IFREG | 0o755, init.format(modules=" ".join(names), repo=repo).encode()))
    if systemd:
        entries.append(CpioEntry("units/isobench-check.target", S_IFREG | 0o644, CHECK_TARGET.encode()))
        entries.append(CpioEntry("units/isobench-check.service", S_IFREG | 0o644,
                                 CHECK_SERVICE.format(repo=repo).encode()))
    return cpio_newc(entries)


def run_in_guest(kernel: Kernel, command: str, repo: Path, accel: str = "tcg", timeout_s: float = 600,
                 memory_mib: int = 1024, systemd: bool = False) -> GuestResult:
    """Boot, run ``command`` (a shell command line) in the guest, return its exit code and console lines.

    With ``systemd``, systemd is PID 1 and the command runs as a service once basic.target is up.
    """
    work = Path(tempfile.mkdtemp(prefix="v2guest-"))
    daemon = qemu = None
    try:
        (work / "initramfs.cpio").write_bytes(initramfs(kernel, command, repo, systemd))
        socket = work / "virtiofs.sock"
        daemon = subprocess.Popen([str(VIRTIOFSD), f"--socket-path={socket}", "-o", "source=/", "-o", "cache=always",
                                   "-o", "sandbox=chroot"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_for(socket, daemon)
        argv = [QEMU, "-machine", f"q35,accel={accel}", "-cpu", "max" if accel == "tcg" else "host", "-m", str(memory_mib),
                "-smp", "1", "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot", "-serial", "stdio",
                # vhost-user needs guest RAM that virtiofsd can map too: a shared memfd.
                "-object", f"memory-backend-memfd,id=mem,size={memory_mib}M,share=on", "-numa", "node,memdev=mem",
                "-chardev", f"socket,id=fs,path={socket}", "-device", "vhost-user-fs-pci,chardev=fs,tag=hostroot",
                "-kernel", str(kernel.vmlinuz), "-initrd", str(work / "initramfs.cpio"),
                "-append", "console=ttyS0 quiet panic=-1 systemd.unified_cgroup_hierarchy=1 fstab=no systemd.show_status=0"]
        start = time.monotonic()
        qemu = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace")
        try:
            out, _ = qemu.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            qemu.kill()
            out, _ = qemu.communicate()
        lines = [line.rstrip("\r") for line in out.splitlines()]
        code = next((int(l.split("=")[1]) for l in lines if l.startswith("GUEST exit=")), None)
        return GuestResult(code, lines, time.monotonic() - start)
    finally:
        for proc in (qemu, daemon):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()
        shutil.rmtree(work, ignore_errors=True)


def checks_in_guest(command: str, timeout_s: float = 900, **options) -> list[str]:
    """For a test: skip without root, QEMU or virtiofsd; run ``command`` in the guest; its ``CHECK`` lines."""
    import pytest

    from tests.conftest import REPO
    from tests.envcheck import require_root, require_tool

    require_root()
    require_tool(QEMU, "qemu-system-x86")
    if not VIRTIOFSD.exists():
        pytest.skip(f"{VIRTIOFSD} not found; fix: sudo apt-get install qemu-system-common")
    result = run_in_guest(guest_kernel(), command, REPO, timeout_s=timeout_s, **options)
    print(f"guest ran for {result.seconds:.1f} s")
    assert result.exit_code == 0, "\n".join(result.lines[-40:])
    return [line for line in result.lines if line.startswith("CHECK ")]


def _wait_for(socket: Path, daemon: subprocess.Popen, timeout_s: float = 10) -> None:
    deadline = time.monotonic() + timeout_s
    while not socket.exists():
        if daemon.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"virtiofsd did not create {socket} (exit {daemon.poll()})")
        time.sleep(0.02)
