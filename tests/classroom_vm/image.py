"""The classroom VM's disk, built once and cached: Debian 12, systemd, the suite provisioned.

The Vagrant box a class boots (debian/bookworm64) is Debian 12 with
systemd as PID 1, the unified cgroup v2 hierarchy and Debian's generic
kernel. This builds the same from the Debian archive the host itself uses:

1. ``debootstrap`` a minimal bookworm with systemd, udev, D-Bus and
   ``linux-image-amd64`` (the box's kernel flavour; its initramfs is made by
   initramfs-tools in the chroot, as on any Debian install);
2. the host's apt sources, pip settings and CA certificates go in, so the
   guest fetches through the same registries the host does;
3. the repository is copied to /root/isobench and ``scripts/provision``
   runs in a chroot with ``ISOBENCH_NO_SERVICES=1``: every package and the
   virtualenv, no daemon (those start in the guest, where systemd is), and
   AppArmor's tools, which the guest's kernel enforces and this host's may not;
4. ``mke2fs -d`` writes the tree into an ext4 disk image (no loop device,
   no mount), and the kernel and initramfs are kept beside it for a direct
   kernel boot.

The cache entry is named by a digest of what built it (the recipe's texts
below, scripts/provision, pyproject.toml): change one and the next run builds anew.
The chroot's mounts (/proc, /sys, /dev) live in a private mount namespace
(``unshare -m``), so they vanish with it even if the build is killed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from runtimes.kernel.paths import cache_dir

REPO = Path(__file__).resolve().parents[2]
SUITE = "bookworm"
MIRROR = "http://deb.debian.org/debian"
DISK_SIZE = "24G"  # sparse: Docker's, podman's and box's images grow in the guest during a run
GUEST_REPO = "/root/isobench"  # where the guest keeps the repository and its virtualenv
# What debootstrap's minimal base lacks for a VM that boots like the box: an init, device
# management, a bus for systemd's cgroup driver (Docker, podman), a kernel and its initramfs.
BASE_PACKAGES = ("systemd", "systemd-sysv", "udev", "dbus", "kmod", "linux-image-amd64", "initramfs-tools",
                 "ca-certificates", "iproute2", "procps", "make", "tar", "python3")
LOCAL_WHEELS = ("/opt/wheels", "/opt/pypi", "/opt/pypi-more")  # pip's settings here may name them
# Bump when the recipe below changes in a way the texts it writes do not show.
RECIPE = 2

# The job the guest runs at boot: from the 9p share the host prepares (guest.py), output
# to the serial console too, then power off whatever the job's exit code.
JOB_UNIT = """[Unit]
Description=isobench classroom job (tests/classroom_vm)
After=network-online.target multi-user.target
Wants=network-online.target
RequiresMountsFor=/mnt/job

[Service]
Type=oneshot
ExecStart=/bin/sh -c 'sh /mnt/job/job.sh; echo $$? > /mnt/job/exit-code'
ExecStopPost=/bin/systemctl --no-block poweroff
StandardOutput=journal+console
StandardError=journal+console
TimeoutStartSec=infinity

[Install]
WantedBy=multi-user.target
"""
FSTAB = """/dev/vda / ext4 defaults,discard 0 1
job /mnt/job 9p trans=virtio,version=9p2000.L,msize=262144,nofail 0 0
"""
NETWORK = """[Match]
Name=en*

[Network]
DHCP=yes
"""
# QEMU's user-mode network answers DNS on 10.0.2.3 and forwards to the host's resolver.
RESOLV_CONF = "nameserver 10.0.2.3\n"


@dataclasses.dataclass(frozen=True)
class ClassroomImage:
    disk: Path       # ext4, raw: the guest boots a throwaway qcow2 overlay of it
    vmlinuz: Path
    initrd: Path
    kernel: str      # the kernel release, as `uname -r` says in the guest
    build_s: float   # how long it took to build (0 when found cached)


def image_key() -> str:
    """A digest of what the image is built from: the recipe's texts, scripts/provision, pyproject.toml."""
    recipe = repr((RECIPE, SUITE, MIRROR, DISK_SIZE, GUEST_REPO, BASE_PACKAGES, JOB_UNIT, FSTAB, NETWORK, RESOLV_CONF))
    digest = hashlib.sha256(recipe.encode())
    for path in (REPO / "scripts" / "provision", REPO / "pyproject.toml"):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def cached_image(cache: Path | None = None) -> ClassroomImage | None:
    entry = (cache or cache_dir()) / "classroom" / image_key()
    if not (entry / "kernel-release").is_file():
        return None
    return ClassroomImage(entry / "disk.raw", entry / "vmlinuz", entry / "initrd.img",
                          (entry / "kernel-release").read_text().strip(), 0.0)


def build_image(cache: Path | None = None, log=print) -> ClassroomImage:
    """The cached image for the current inputs, built first if there is none (several minutes)."""
    found = cached_image(cache)
    if found is not None:
        return found
    entry = (cache or cache_dir()) / "classroom" / image_key()
    entry.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(entry.parent, keep=entry.name)
    staging = Path(tempfile.mkdtemp(prefix=".build-", dir=entry.parent))
    start = time.monotonic()
    try:
        root = staging / "root"
        log(f"classroom image: debootstrap {SUITE} into {root}")
        _run(["debootstrap", "--variant=minbase", f"--include={','.join(BASE_PACKAGES)}", SUITE, str(root), MIRROR])
        _configure(root)
        log("classroom image: scripts/provision in a chroot (packages and virtualenv)")
        _copy_repo(root / GUEST_REPO.lstrip("/"))
        # The VM runtime's guest kernel too, which provision would otherwise fetch at every boot.
        _in_chroot(root, f"ISOBENCH_NO_SERVICES=1 ISOBENCH_APPARMOR=1 {GUEST_REPO}/scripts/provision && apt-get clean"
                         f" && {GUEST_REPO}/.venv/bin/python -m runtimes.vm.guest_kernel")
        release = _kernel_release(root)
        shutil.copy(root / "boot" / f"vmlinuz-{release}", staging / "vmlinuz")
        shutil.copy(root / "boot" / f"initrd.img-{release}", staging / "initrd.img")
        log(f"classroom image: writing the ext4 disk ({DISK_SIZE}, sparse)")
        _run(["mke2fs", "-q", "-t", "ext4", "-L", "classroom", "-d", str(root), str(staging / "disk.raw"), DISK_SIZE])
        shutil.rmtree(root)
        (staging / "kernel-release").write_text(release + "\n")
        staging.chmod(0o755)
        staging.rename(entry)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    image = cached_image(cache)
    assert image is not None
    return dataclasses.replace(image, build_s=time.monotonic() - start)


def _configure(root: Path) -> None:
    """Make the tree boot as a VM (fstab, network, the job unit) and fetch as the host does."""
    (root / "etc" / "hostname").write_text("classroom\n")
    (root / "etc" / "fstab").write_text(FSTAB)
    (root / "mnt" / "job").mkdir(parents=True, exist_ok=True)
    (root / "etc" / "systemd" / "network" / "10-classroom.network").write_text(NETWORK)
    resolv = root / "etc" / "resolv.conf"
    resolv.unlink(missing_ok=True)
    resolv.write_text(RESOLV_CONF)
    (root / "etc" / "systemd" / "system" / "isobench-job.service").write_text(JOB_UNIT)
    wants = root / "etc" / "systemd" / "system" / "multi-user.target.wants"
    wants.mkdir(parents=True, exist_ok=True)
    for unit, target in (("isobench-job.service", "/etc/systemd/system/isobench-job.service"),
                         ("systemd-networkd.service", "/lib/systemd/system/systemd-networkd.service")):
        (wants / unit).unlink(missing_ok=True)
        (wants / unit).symlink_to(target)
    # The host's registries: its apt sources and settings, pip's settings, the CAs its proxy needs.
    for relative in ("etc/apt/sources.list.d", "etc/apt/apt.conf.d", "usr/local/share/ca-certificates", "etc/xdg/pip"):
        source = Path("/") / relative
        if source.is_dir():
            shutil.copytree(source, root / relative, dirs_exist_ok=True, symlinks=True)
    for relative in ("etc/apt/sources.list", "etc/pip.conf"):
        if (Path("/") / relative).is_file():
            shutil.copy(Path("/") / relative, root / relative)
    _in_chroot(root, "update-ca-certificates >/dev/null && passwd -d root >/dev/null")


def archive_repo(archive: Path) -> None:
    """The working tree as it is (uncommitted edits included) as a tar file, without the host's
    virtualenv, reports and caches: what the guest gets, at build time and at each run."""
    left_out = (".venv", "reports", ".pytest_cache", ".hypothesis", ".benchmarks", "isobench.egg-info")
    excludes = [f"--exclude=./{name}" for name in left_out]
    subprocess.run(["tar", "-C", str(REPO), *excludes, "--exclude=__pycache__", "-cf", str(archive), "."], check=True)


def _copy_repo(dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    archive = dest.parent / ".isobench.tar"
    archive_repo(archive)
    subprocess.run(["tar", "-C", str(dest), "-xf", str(archive)], check=True)
    archive.unlink()


def _in_chroot(root: Path, command: str) -> None:
    """Run a shell command in the tree, with /proc, /sys and /dev mounted in a private mount namespace."""
    # pip's settings copied from the host may name its local wheel directories: lend them read-only.
    lent = " && ".join(f"mkdir -p {root}{d} && mount --bind -o ro {d} {root}{d}" for d in LOCAL_WHEELS if Path(d).is_dir())
    script = (f"mount -t proc proc {root}/proc && mount -t sysfs sysfs {root}/sys && mount --rbind /dev {root}/dev"
              + (f" && {lent}" if lent else "")
              + f" && exec chroot {root} /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root"
              f" DEBIAN_FRONTEND=noninteractive /bin/sh -c '{command}'")
    try:
        _run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script])
    finally:
        _kill_stragglers(root)


def _kill_stragglers(root: Path) -> None:
    """A daemon a package script started in the chroot would keep its mount namespace (and mounts) alive."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if Path(os.readlink(proc / "root")).is_relative_to(root):
                os.kill(int(proc.name), signal.SIGKILL)
        except (OSError, ValueError):
            continue


def _kernel_release(root: Path) -> str:
    releases = sorted(p.name.removeprefix("vmlinuz-") for p in (root / "boot").glob("vmlinuz-*"))
    if not releases:
        raise RuntimeError(f"no kernel in {root}/boot: linux-image-amd64 did not install")
    return releases[-1]


def _remove_stale(parent: Path, keep: str) -> None:
    """Images built from other inputs, and builds that were interrupted: several GB each."""
    for old in parent.iterdir():
        if old.name != keep:
            shutil.rmtree(old, ignore_errors=True)


def _run(argv: list[str]) -> None:
    out = subprocess.run(argv, capture_output=True, text=True)
    if out.returncode != 0:
        tail = "\n".join((out.stdout + out.stderr).strip().splitlines()[-15:])
        raise RuntimeError(f"classroom image: `{' '.join(argv)[:200]}` failed ({out.returncode}):\n{tail}")
