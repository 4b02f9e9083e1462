"""The one root filesystem every runtime starts from.

Built from two inputs only: the host's static busybox (the userland: a shell
and the usual tools as applet links) and the static ``probe`` workload compiled
from the C files in ``bench/workload/`` (one per mode, see probe.c there). The
result is cached under a key made from those inputs, every source file of the
workload included, so it is rebuilt only when one of them changes, and it
carries a digest of its own content so a report can say which bytes ran.

Runtimes take the image in the form they need; the plain directory
``Image.rootfs`` is the source of every other form.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import struct
import subprocess
import tempfile
from pathlib import Path

from runtimes.kernel.errors import ImageError
from runtimes.kernel.messages import say
from runtimes.kernel.build import CFLAGS, compile_static, compiler_version
from runtimes.kernel.paths import cache_dir
from runtimes.probe import PATH_IN_IMAGE

LAYOUT_VERSION = "1"  # bump when the tree's layout changes, to invalidate caches
WORKLOAD_DIR = Path(__file__).resolve().parent.parent / "bench" / "workload"
BUSYBOX = Path("/bin/busybox")
DIRS = ("bin", "sbin", "usr/bin", "usr/sbin", "etc", "proc", "sys", "dev", "root", "var/tmp", "tmp")


@dataclasses.dataclass(frozen=True)
class Image:
    """A built root filesystem: where it is and what it is made of."""

    rootfs: Path
    key: str      # sha256 of the build inputs (the cache key)
    digest: str   # sha256 of the tree's content (names, modes, bytes, links)
    inputs: dict[str, str]

    @property
    def probe(self) -> Path:
        """The probe binary, as a host path."""
        return self.rootfs / PATH_IN_IMAGE.lstrip("/")

    @property
    def short(self) -> str:
        return self.digest[:12]


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _is_static_elf(path: Path) -> bool:
    """True when the ELF has no PT_INTERP header, i.e. needs no dynamic loader."""
    with path.open("rb") as f:
        header = f.read(64)
        if header[:4] != b"\x7fELF" or header[4] != 2:  # 64-bit only
            return False
        phoff, = struct.unpack_from("<Q", header, 0x20)
        phentsize, phnum = struct.unpack_from("<HH", header, 0x36)
        f.seek(phoff)
        table = f.read(phentsize * phnum)
    pt_interp = 3
    return all(struct.unpack_from("<I", table, i * phentsize)[0] != pt_interp for i in range(phnum))


def workload_sources() -> tuple[Path, ...]:
    """The probe's source files: every *.c and *.h in bench/workload, sorted by name."""
    if not (WORKLOAD_DIR / "probe.c").is_file():
        raise ImageError(say("image.no-probe-source", path=str(WORKLOAD_DIR / "probe.c")))
    return tuple(sorted([*WORKLOAD_DIR.glob("*.c"), *WORKLOAD_DIR.glob("*.h")], key=lambda f: f.name))


def _sha256_sources(files: tuple[Path, ...]) -> str:
    """One sha256 over each file's name and sha256, so renaming a file changes it too."""
    return hashlib.sha256("".join(f"{f.name}\0{_sha256_file(f)}\n" for f in files).encode()).hexdigest()


def build_inputs() -> dict[str, str]:
    """Everything the image is made from, as strings; its hash is the cache key."""
    if not BUSYBOX.is_file():
        raise ImageError(say("image.no-busybox", path=str(BUSYBOX)))
    if not _is_static_elf(BUSYBOX):
        raise ImageError(say("image.busybox-dynamic", path=str(BUSYBOX)))
    return {
        "layout": LAYOUT_VERSION,
        "busybox_sha256": _sha256_file(BUSYBOX),
        "workload_sha256": _sha256_sources(workload_sources()),
        "cflags": " ".join(CFLAGS),
        "compiler": compiler_version(),
    }


def tree_digest(root: Path) -> str:
    """sha256 over every entry's relative path, type, mode and content, sorted."""
    digest = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted([*dirnames, *filenames]):
            path = Path(dirpath, name)
            st = path.lstat()
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                body = os.readlink(path)
            elif path.is_file():
                body = _sha256_file(path)
            else:
                body = ""
            digest.update(f"{rel}\0{st.st_mode:o}\0{body}\n".encode())
    return digest.hexdigest()


def _populate(rootfs: Path) -> None:
    """Lay out the tree: directories, busybox with its applet links, probe, /etc."""
    for d in DIRS:
        (rootfs / d).mkdir(parents=True, exist_ok=True)
    (rootfs / "tmp").chmod(0o1777)
    (rootfs / "var/tmp").chmod(0o1777)
    shutil.copy2(BUSYBOX, rootfs / "bin/busybox")
    applets = subprocess.run([str(BUSYBOX), "--list-full"], capture_output=True, text=True, check=True).stdout
    for rel in applets.split():
        link = rootfs / rel
        if not link.exists():
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to("/bin/busybox")
    shutil.copy2(compile_static(workload_sources(), "probe"), rootfs / PATH_IN_IMAGE.lstrip("/"))
    (rootfs / "etc/passwd").write_text("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n")
    (rootfs / "etc/group").write_text("root:x:0:\nnogroup:x:65534:\n")
    (rootfs / "etc/hostname").write_text("isobench\n")


def build_image(cache: Path | None = None) -> Image:
    """Return the cached image for the current inputs, building it if needed.

    The build happens in a temporary directory beside the cache entry and is
    renamed into place at the end, so an interrupted build leaves no half tree
    that a later run would trust.
    """
    cache = cache or cache_dir()
    inputs = build_inputs()
    key = hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()
    entry = cache / "images" / key
    manifest = entry / "manifest.json"
    if manifest.is_file():
        data = json.loads(manifest.read_text())
        return Image(rootfs=entry / "rootfs", key=key, digest=data["digest"], inputs=data["inputs"])
    entry.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".build-", dir=entry.parent))
    try:
        _populate(staging / "rootfs")
        digest = tree_digest(staging / "rootfs")
        (staging / "manifest.json").write_text(json.dumps({"digest": digest, "inputs": inputs}, indent=2))
        try:
            staging.rename(entry)
        except OSError:
            if not manifest.is_file():  # lost a race with a finished build: theirs is as good
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return Image(rootfs=entry / "rootfs", key=key, digest=digest, inputs=inputs)
