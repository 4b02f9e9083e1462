"""The guest's kernel: the Debian cloud kernel, fetched as a package and never installed.

``apt-get download`` fetches the meta-package ``linux-image-cloud-amd64`` and
the versioned package it depends on (``linux-image-<abi>-cloud-amd64``) into a
scratch directory; ``dpkg-deb -x`` unpacks the second one there. That gives the
kernel (``/boot/vmlinuz-*``) and its modules without touching the host's /boot
or its package database. Only the kernel and the few modules the guest needs
are kept in the cache.

The cache entry is named after the version apt would fetch now (read from the
local package lists, no network), so the kernel is fetched again only when the
distribution publishes a new one. ``python -m runtimes.vm.guest_kernel`` fetches it
ahead of time (``scripts/provision`` does).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import lzma
import os
import shutil
import struct
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

from runtimes.kernel.errors import ImageError
from runtimes.kernel.messages import say
from runtimes.kernel.paths import cache_dir

META_PACKAGE = "linux-image-cloud-amd64"
# What the guest cannot boot without and this kernel builds as modules (see
# its /boot/config: CONFIG_VIRTIO_PCI=m, CONFIG_VIRTIO_BLK=m): virtio_pci finds
# the virtio devices on the PCI bus, virtio_blk drives the disk. The console is
# the 8250 serial port, built in, so it works before any module loads and
# shows a kernel panic too; virtio_console is therefore not needed.
NEEDED_MODULES = ("virtio_pci", "virtio_blk")
FETCH_HINT = "the guest kernel is fetched with apt-get download (about 27 MB) from the Debian archive"


@dataclasses.dataclass(frozen=True)
class Kernel:
    """A fetched guest kernel and the modules the guest loads, in load order."""

    package: str                 # linux-image-6.1.0-56-cloud-amd64
    version: str                 # 6.1.192-2
    release: str                 # 6.1.0-56-cloud-amd64, what `uname -r` says in the guest
    vmlinuz: Path
    modules: tuple[Path, ...]    # .ko files, dependencies first

    @property
    def label(self) -> str:
        return f"{self.package} {self.version}"


def _run(argv: list[str], cwd: Path | None = None) -> str:
    """Run a packaging tool; any failure is an ImageError naming it and the fix."""
    try:
        out = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise ImageError(say("guest-kernel.tool-failed", tool=argv[0], said=str(err))) from None
    if out.returncode != 0:
        last = (out.stderr.strip().splitlines() or ["no output"])[-1]
        raise ImageError(say("guest-kernel.fetch-failed", command=" ".join(argv), said=last))
    return out.stdout


# What apt's answer depends on: its package lists, its pinning, what dpkg has installed.
APT_STATE = (Path("/var/lib/apt/lists"), Path("/etc/apt/preferences.d"), Path("/var/lib/dpkg/status"))
_candidates: dict[tuple[int, ...], str] = {}


def _apt_state() -> tuple[int, ...]:
    """The change times of APT_STATE: a new tuple whenever `apt-get update` or an install could change the answer."""
    return tuple(path.stat().st_mtime_ns if path.exists() else 0 for path in APT_STATE)


def candidate_version() -> str:
    """The version of ``linux-image-cloud-amd64`` apt would fetch, from the local package lists.

    Remembered for as long as apt's state stays as it was: one `apt-cache show`
    takes about a second where the binary package cache is off (Docker-made
    Debian images turn it off), and every VM runtime asks once per scenario.
    """
    state = _apt_state()
    if state not in _candidates:
        _candidates.clear()
        _candidates[state] = _ask_apt()
    return _candidates[state]


def _ask_apt() -> str:
    try:
        out = subprocess.run(["apt-cache", "show", "--no-all-versions", META_PACKAGE],
                             capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise ImageError(say("guest-kernel.no-apt", said=str(err))) from None
    for line in out.stdout.splitlines():
        if line.startswith("Version:"):
            return line.split(":", 1)[1].strip()
    raise ImageError(say("guest-kernel.unknown-package", package=META_PACKAGE))


def cached_kernel(cache: Path | None = None) -> Kernel | None:
    """The kernel ``fetch_kernel`` would use without fetching anything, if it is cached (no network)."""
    cache = cache or cache_dir()
    try:
        entry = _entry(cache, candidate_version())
    except ImageError:
        return _newest_cached(cache)
    return _load(entry) if (entry / "manifest.json").is_file() else None


def _newest_cached(cache: Path) -> Kernel | None:
    """The most recently fetched kernel in the cache, whatever its version."""
    entries = sorted((cache / "vm" / "kernel").glob(f"{META_PACKAGE}_*/manifest.json"), key=lambda m: m.stat().st_mtime)
    return _load(entries[-1].parent) if entries else None


def _entry(cache: Path, version: str) -> Path:
    return cache / "vm" / "kernel" / f"{META_PACKAGE}_{version}"


def _load(entry: Path) -> Kernel:
    data = json.loads((entry / "manifest.json").read_text())
    return Kernel(package=data["package"], version=data["version"], release=data["release"],
                  vmlinuz=entry / "vmlinuz", modules=tuple(entry / "modules" / f"{m}.ko" for m in data["modules"]))


def fetch_kernel(cache: Path | None = None) -> Kernel:
    """Return the cached kernel for the current candidate version, fetching it if needed.

    The fetch happens in a temporary directory beside the cache entry, renamed
    into place at the end, so an interrupted fetch leaves nothing a later run
    would trust.
    """
    cache = cache or cache_dir()
    try:
        version = candidate_version()
    except ImageError:
        # apt's lists are gone (or never were): a kernel fetched before still boots.
        fallback = _newest_cached(cache)
        if fallback is None:
            raise
        return fallback
    entry = _entry(cache, version)
    if (entry / "manifest.json").is_file():
        return _load(entry)
    entry.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".fetch-", dir=entry.parent))
    try:
        _fetch_into(staging, version)
        os.chmod(staging, 0o755)  # QEMU may run as another user: it must reach the kernel
        try:
            staging.rename(entry)
        except OSError:
            if not (entry / "manifest.json").is_file():  # lost a race with a finished fetch: theirs is as good
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return _load(entry)


def _fetch_into(staging: Path, version: str) -> None:
    """Download both packages, unpack the versioned one, keep vmlinuz and the needed modules."""
    downloads = staging / "debs"
    downloads.mkdir()
    # apt drops privileges to the _apt user for downloads, which cannot write
    # into our root-owned temporary directory; download as root instead.
    apt = ["apt-get", "download", "-q", "-o", "APT::Sandbox::User=root"]
    _run([*apt, f"{META_PACKAGE}={version}"], cwd=downloads)
    meta = next(downloads.glob(f"{META_PACKAGE}_*.deb"))
    package = _versioned_dependency(_run(["dpkg-deb", "-f", str(meta), "Depends"]))
    _run([*apt, f"{package}={version}"], cwd=downloads)
    deb = next(downloads.glob(f"{package}_*.deb"))
    tree = staging / "tree"
    _run(["dpkg-deb", "-x", str(deb), str(tree)])
    vmlinuz = next((tree / "boot").glob("vmlinuz-*"))
    release = vmlinuz.name.removeprefix("vmlinuz-")
    shutil.copy2(vmlinuz, staging / "vmlinuz")
    order = _copy_modules(tree / "lib" / "modules" / release / "kernel", staging / "modules", NEEDED_MODULES)
    manifest = {"package": package, "version": version, "release": release, "modules": order,
                "deb_sha256": hashlib.sha256(deb.read_bytes()).hexdigest()}
    (staging / "manifest.json").write_text(json.dumps(manifest, indent=2))
    shutil.rmtree(tree)
    shutil.rmtree(downloads)


def _versioned_dependency(depends: str) -> str:
    """``linux-image-6.1.0-56-cloud-amd64 (= 6.1.192-2)`` → ``linux-image-6.1.0-56-cloud-amd64``."""
    for alternative in depends.replace("|", ",").split(","):
        name = alternative.strip().split(" ")[0]
        if name.startswith("linux-image-"):
            return name
    raise ImageError(say("guest-kernel.no-dependency", package=META_PACKAGE, depends=depends))


# -- modules ---------------------------------------------------------------------
# A distribution's modules.dep is written by depmod(8) when the package is
# installed, so an unpacked package has none. Each module records its own
# dependencies in its ".modinfo" ELF section ("depends=virtio,virtio_ring"),
# which is what depmod reads too; we read it directly.

def module_index(tree: Path) -> dict[str, Path]:
    """Module name → file, for every module under ``tree`` (``-`` in file names is ``_`` in module names)."""
    index = {}
    for path in tree.rglob("*.ko*"):
        name = path.name.split(".ko")[0].replace("-", "_")
        index[name] = path
    return index


def _elf_section(data: bytes, wanted: str) -> bytes:
    """The bytes of one section of a 64-bit little-endian ELF file (elf(5))."""
    if data[:4] != b"\x7fELF" or data[4] != 2:
        raise ImageError(say("guest-kernel.not-elf64"))
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)

    def header(i: int) -> tuple[int, int, int]:
        base = shoff + i * shentsize
        name, = struct.unpack_from("<I", data, base)
        offset, size = struct.unpack_from("<QQ", data, base + 0x18)
        return name, offset, size

    _, names_at, _ = header(shstrndx)
    for i in range(shnum):
        name, offset, size = header(i)
        if data[names_at + name:data.index(b"\0", names_at + name)].decode() == wanted:
            return data[offset:offset + size]
    return b""


def module_bytes(path: Path) -> bytes:
    """A module's ELF bytes; newer Debian kernels ship them xz-compressed (.ko.xz)."""
    raw = path.read_bytes()
    if path.name.endswith(".ko.xz"):
        return lzma.decompress(raw)
    if path.name.endswith(".ko"):
        return raw
    raise ImageError(say("guest-kernel.unreadable-module", module=path.name))


def module_depends(elf: bytes) -> list[str]:
    """The ``depends=`` list of a module's .modinfo section."""
    for field in _elf_section(elf, ".modinfo").split(b"\0"):
        if field.startswith(b"depends="):
            return [d for d in field[len(b"depends="):].decode().split(",") if d]
    return []


def load_order(index: dict[str, Path], wanted: Iterable[str]) -> list[str]:
    """``wanted`` and everything they depend on, each after its dependencies."""
    order: list[str] = []

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in order:
            return
        if name in path:
            raise ImageError(say("guest-kernel.module-cycle", cycle=" → ".join([*path, name])))
        if name not in index:
            raise ImageError(say("guest-kernel.module-missing", module=name))
        for dep in module_depends(module_bytes(index[name])):
            visit(dep, (*path, name))
        order.append(name)

    for name in wanted:
        visit(name, ())
    return order


def _copy_modules(tree: Path, dest: Path, wanted: Iterable[str]) -> list[str]:
    """Copy the wanted modules and their dependencies, uncompressed, into ``dest``."""
    index = module_index(tree)
    order = load_order(index, wanted)
    dest.mkdir()
    for name in order:
        (dest / f"{name}.ko").write_bytes(module_bytes(index[name]))
    return order


if __name__ == "__main__":  # `python -m runtimes.vm.guest_kernel`: fetch ahead of time
    kernel = fetch_kernel()
    print(f"guest kernel: {kernel.label} in {kernel.vmlinuz.parent}")
