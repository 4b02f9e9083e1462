"""Unpack one layer tarball into its own directory, safely, in OverlayFS's terms.

A layer is a tar archive (image-spec layer.md), plain or gzip'd, whose
sha256 *uncompressed* is its ``diff_id``. box stacks unpacked layers as
OverlayFS lower directories, so the layer format's deletions become the
kernel's (filesystems/overlayfs.rst, "whiteouts and opaque directories"):

- ``dir/.wh.NAME`` (NAME deleted)         → a character device 0/0 at ``dir/NAME``
- ``dir/.wh..wh..opq`` (dir replaced)     → xattr ``trusted.overlay.opaque=y`` on ``dir``

An archive is data from a stranger: every member is checked before anything
is written, and the first bad one stops the whole layer with one line
naming it (the caller unpacks into a staging directory and deletes it):

- no absolute names and no ``..``: nothing lands outside the layer;
- no path through a symlink: the archive may not plant ``x -> /etc`` and
  then write ``x/passwd`` (files are opened with O_NOFOLLOW as well);
- hard links only to files of this same layer, by a name that obeys the
  same two rules;
- no device nodes (containers get their own /dev) and no ``trusted.*``
  extended attributes (those steer OverlayFS itself).

Python 3.11.2 has no tarfile extraction filters (PEP 706 came in 3.11.4),
hence the checks here instead of ``extractall``.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import stat
import tarfile
import zlib
from pathlib import Path
from typing import BinaryIO

from runtimes.box.errors import BoxError

WHITEOUT_PREFIX = ".wh."
OPAQUE_MARKER = ".wh..wh..opq"
OPAQUE_XATTR = "trusted.overlay.opaque"
GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
XATTR_PAX_PREFIX = "SCHILY.xattr."


class LayerRefused(BoxError):
    """An archive member would escape the layer or create something a layer must not."""


class _HashingReader:
    """A file-like reader that hashes what passes through (the diff_id of the uncompressed tar)."""

    def __init__(self, inner: BinaryIO) -> None:
        self.inner, self.hasher, self.size_bytes = inner, hashlib.sha256(), 0

    def read(self, n: int = -1) -> bytes:
        data = self.inner.read(n)
        self.hasher.update(data)
        self.size_bytes += len(data)
        return data

    def drain(self) -> None:
        while self.read(1 << 20):
            pass


def unpack(blob: Path, target: Path, what: str = "layer") -> str:
    """Unpack the layer ``blob`` into the empty directory ``target``; return its diff_id.

    ``what`` names the layer in error messages ("layer 3f2a9c61b0d4").
    Raises LayerRefused on the first hostile member; ``target`` is then
    half-filled and the caller must delete it.
    """
    target.chmod(0o755)  # unless the archive's "./" says otherwise: the root of "/" when this is the top layer
    deferred_dirs: list[tuple[list[str], tarfile.TarInfo]] = []
    with open(blob, "rb") as raw:
        reader = _HashingReader(_decompressed(raw, what))
        try:
            with tarfile.open(fileobj=reader, mode="r|") as archive:  # type: ignore[call-overload]
                for member in archive:
                    _extract(archive, member, target, deferred_dirs, what)
            reader.drain()  # the diff_id covers the padding after the last member too
        except (tarfile.TarError, EOFError, gzip.BadGzipFile, zlib.error) as err:
            raise LayerRefused(f"{what} refused: not a valid (gzip'd) tar archive ({err})") from None
    # Directories last, deepest first: writing into them would move their mtime again. A later
    # member may have replaced one (or a parent) by a symlink: chmod would follow it, so check again.
    for parts, member in reversed(deferred_dirs):
        if _is_plain_directory(target, parts):
            _set_metadata(target.joinpath(*parts), member, what)
    return "sha256:" + reader.hasher.hexdigest()


def _decompressed(raw: BinaryIO, what: str) -> BinaryIO:
    magic = raw.read(4)
    raw.seek(0)
    if magic.startswith(GZIP_MAGIC):
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    if magic == ZSTD_MAGIC:
        raise LayerRefused(f"{what}: zstd-compressed layers are not supported (Python 3.11 has no zstd); "
                           "pull a gzip variant of the image")
    return raw


def _clean_name(name: str, member: str, what: str) -> list[str]:
    """The member's path components inside the layer, or a refusal for absolute paths and '..'."""
    if "\x00" in name:
        raise LayerRefused(f"{what} refused: {member!r} has a NUL byte in its name")
    if name.startswith("/"):
        raise LayerRefused(f"{what} refused: {member!r} is an absolute path (it would write outside the layer)")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise LayerRefused(f"{what} refused: {member!r} contains '..' (it would write outside the layer)")
    return parts


def _parent_dir(target: Path, parts: list[str], member: str, what: str) -> Path:
    """The directory that will hold the member: every component a real directory, made if missing."""
    parent = target
    for part in parts:
        parent = parent / part
        try:
            mode = os.lstat(parent).st_mode
        except FileNotFoundError:
            os.mkdir(parent, 0o755)
            continue
        if stat.S_ISLNK(mode):
            raise LayerRefused(f"{what} refused: {member!r} goes through the symlink {part!r} "
                               "(a link followed during unpacking could point anywhere on the host)")
        if not stat.S_ISDIR(mode):
            raise LayerRefused(f"{what} refused: {member!r} goes through {part!r}, which is not a directory")
    return parent


def _is_plain_directory(target: Path, parts: list[str]) -> bool:
    """Is target/parts a directory reached through directories only (no symlink anywhere)?"""
    path = target
    for part in parts:
        path = path / part
        try:
            if not stat.S_ISDIR(os.lstat(path).st_mode):
                return False
        except FileNotFoundError:
            return False
    return True


def _remove(path: Path) -> None:
    """Make room: a later member replaces an earlier one of the same name, as tar does."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    shutil.rmtree(path) if stat.S_ISDIR(mode) else os.unlink(path)


def _extract(archive: tarfile.TarFile, member: tarfile.TarInfo, target: Path,
             deferred_dirs: list[tuple[list[str], tarfile.TarInfo]], what: str) -> None:
    parts = _clean_name(member.name, member.name, what)
    if not parts:  # "./": the layer's root directory itself
        if member.isdir():
            deferred_dirs.append((parts, member))
        return
    parent = _parent_dir(target, parts[:-1], member.name, what)
    base = parts[-1]
    if base.startswith(WHITEOUT_PREFIX):
        _whiteout(parent, base, member.name, what)
        return
    dest = parent / base
    if member.isdev():
        raise LayerRefused(f"{what} refused: {member.name!r} is a device node (containers get their own /dev)")
    if member.isdir():
        if not (dest.is_dir() and not dest.is_symlink()):
            _remove(dest)
            os.mkdir(dest, 0o700)
        deferred_dirs.append((parts, member))
        return
    _remove(dest)
    if member.islnk():
        _hard_link(target, member, dest, what)
        return  # a hard link shares its target's inode, metadata included
    if member.issym():
        if "\x00" in member.linkname:
            raise LayerRefused(f"{what} refused: symlink {member.name!r} has a NUL byte in its target")
        os.symlink(member.linkname, dest)  # never followed here: every path is checked and opened O_NOFOLLOW
    elif member.isfifo():
        os.mkfifo(dest, 0o600)
    elif member.isreg():
        _write_file(archive, member, dest)
    else:
        raise LayerRefused(f"{what} refused: {member.name!r} has tar type {member.type!r}, which a layer may not hold")
    _set_metadata(dest, member, what)


def _whiteout(parent: Path, base: str, member: str, what: str) -> None:
    if base == OPAQUE_MARKER:
        os.setxattr(parent, OPAQUE_XATTR, b"y")
        return
    if base.startswith(WHITEOUT_PREFIX * 2):
        return  # AUFS bookkeeping (.wh..wh.plnk, .wh..wh.aufs): meaningless outside AUFS, Docker skips it too
    name = base[len(WHITEOUT_PREFIX):]
    if name in ("", ".", ".."):
        raise LayerRefused(f"{what} refused: {member!r} is a whiteout of nothing")
    _remove(parent / name)
    os.mknod(parent / name, stat.S_IFCHR | 0o000, os.makedev(0, 0))


def _hard_link(target: Path, member: tarfile.TarInfo, dest: Path, what: str) -> None:
    parts = _clean_name(member.linkname, f"{member.name} -> {member.linkname}", what)
    if not parts:
        raise LayerRefused(f"{what} refused: hard link {member.name!r} points at the layer's root")
    source = _parent_dir(target, parts[:-1], f"{member.name} -> {member.linkname}", what) / parts[-1]
    try:
        mode = os.lstat(source).st_mode
    except FileNotFoundError:
        raise LayerRefused(f"{what} refused: hard link {member.name!r} -> {member.linkname!r}: "
                           "no such file earlier in this layer") from None
    if stat.S_ISDIR(mode):
        raise LayerRefused(f"{what} refused: hard link {member.name!r} -> {member.linkname!r} is a directory")
    os.link(source, dest, follow_symlinks=False)


def _write_file(archive: tarfile.TarFile, member: tarfile.TarInfo, dest: Path) -> None:
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    with os.fdopen(fd, "wb") as out:
        source = archive.extractfile(member)
        if source is not None:
            shutil.copyfileobj(source, out, 1 << 20)


def _set_metadata(path: Path, member: tarfile.TarInfo, what: str) -> None:
    """Owner (numeric, as in the archive), mode, extended attributes, then mtime; never through a symlink."""
    os.chown(path, member.uid, member.gid, follow_symlinks=False)  # before chmod: chown clears set-user-ID bits
    is_link = member.issym()
    if not is_link:
        os.chmod(path, member.mode & 0o7777)
    for key, value in member.pax_headers.items():
        if not key.startswith(XATTR_PAX_PREFIX):
            continue
        name = key[len(XATTR_PAX_PREFIX):]
        if name.startswith("trusted."):
            raise LayerRefused(f"{what} refused: {member.name!r} sets the extended attribute {name!r} "
                               "(trusted.* steers OverlayFS; only box sets those)")
        os.setxattr(path, name, value.encode("utf-8", "surrogateescape"), follow_symlinks=not is_link)
    os.utime(path, (member.mtime, member.mtime), follow_symlinks=False)
