"""The image store: content-addressed, laid out as an OCI image layout.

    /var/lib/box/                     (``BOX_ROOT`` overrides)
      oci-layout                      {"imageLayoutVersion": "1.0.0"}
      index.json                      one manifest descriptor per tag
      blobs/sha256/<hex>              layer tarballs, image configs, manifests
      layers/<hex>/                   each layer unpacked once, named by its diff_id

This is the OCI image-layout spec (image-layout.md): a directory any OCI tool
can read. An image is a *manifest* naming a *config* and its *layers*, each by
the sha256 of its bytes, so the same bytes are stored once however many tags
point at them. Containers start from ``layers/``: OverlayFS stacks those
directories read-only, so unpacking happens once per layer, not per container.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import fcntl
import functools
import hashlib
import io
import json
import os
import re
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from runtimes.box.errors import BoxError, Conflict, NoSuchImage

MEDIA_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MEDIA_CONFIG = "application/vnd.oci.image.config.v1+json"
MEDIA_LAYER = "application/vnd.oci.image.layer.v1.tar"
REF_ANNOTATION = "org.opencontainers.image.ref.name"

# Docker's reference grammar (distribution/reference), without digests:
# lower-case path components separated by "/", an optional registry host[:port],
# and a tag of up to 128 word characters, dots and dashes.
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_NAME_RE = re.compile(rf"^(?:[a-zA-Z0-9.-]+(?::[0-9]+)?/)?{_COMPONENT}(?:/{_COMPONENT})*$")
_TAG_RE = re.compile(r"^[\w][\w.-]{0,127}$")


def parse_reference(ref: str) -> tuple[str, str]:
    """'busybox' → ('busybox', 'latest'); 'host:5000/a/b:1.0' → ('host:5000/a/b', '1.0')."""
    name, tag = ref, "latest"
    slash = ref.rfind("/")
    colon = ref.rfind(":")
    if colon > slash:
        name, tag = ref[:colon], ref[colon + 1:]
    if not _NAME_RE.match(name) or not _TAG_RE.match(tag):
        raise BoxError(f'invalid reference format: "{ref}" (expected NAME[:TAG], lower-case, e.g. busybox:latest)')
    return name, tag


@dataclasses.dataclass(frozen=True)
class Image:
    """One tagged image as ``box images`` shows it."""

    repository: str
    tag: str
    id: str            # sha256 of the image config: Docker's IMAGE ID
    manifest: str      # sha256 of the manifest
    created: str
    config: dict
    diff_ids: tuple[str, ...]
    layer_dirs: tuple[Path, ...]

    @property
    def ref(self) -> str:
        return f"{self.repository}:{self.tag}"

    @functools.cached_property
    def size(self) -> int:
        """Bytes of the unpacked layers (walks them: only `box images` asks)."""
        return sum(_tree_size(d) for d in self.layer_dirs)


def _sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _hex(digest: str) -> str:
    return digest.split(":", 1)[1]


def _safe_members(archive: tarfile.TarFile, into: Path | None = None) -> Iterator[tarfile.TarInfo]:
    """Refuse members that would write outside the layer or create devices.

    Python 3.11.2 has no tarfile extraction filters, so the checks are here:
    no absolute paths, no "..", no hard link to a path outside, no device,
    and (when extracting ``into`` a directory) no path through a symlink
    already extracted, which could point anywhere on the host.
    """
    for member in archive:
        name = os.path.normpath(member.name)
        if into is not None:
            parent = into
            for part in Path(name).parts[:-1]:
                parent = parent / part
                if parent.is_symlink():
                    raise BoxError(f"layer refused: {member.name!r} goes through the symlink {part!r}")
        if name.startswith(("/", "..")) or "/../" in f"/{name}/":
            raise BoxError(f"layer refused: member {member.name!r} points outside the layer")
        if member.islnk() and os.path.normpath(member.linkname).startswith(("/", "..")):
            raise BoxError(f"layer refused: hard link {member.name!r} → {member.linkname!r} points outside the layer")
        if member.isdev():
            raise BoxError(f"layer refused: device node {member.name!r} (containers get their own /dev)")
        yield member


class ImageStore:
    """Images and layers under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.blobs = root / "blobs" / "sha256"
        self.layers = root / "layers"
        for d in (self.blobs, self.layers):
            d.mkdir(parents=True, exist_ok=True)
        layout = root / "oci-layout"
        if not layout.exists():
            layout.write_text(json.dumps({"imageLayoutVersion": "1.0.0"}))

    # -- low level -------------------------------------------------------
    @contextmanager
    def _locked(self) -> Iterator[None]:
        """One writer at a time: two `box` commands must not both rewrite index.json."""
        with open(self.root / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def _index(self) -> dict:
        path = self.root / "index.json"
        if not path.exists():
            return {"schemaVersion": 2, "manifests": []}
        return json.loads(path.read_text())

    def _write_index(self, index: dict) -> None:
        tmp = self.root / "index.json.tmp"
        tmp.write_text(json.dumps(index, indent=2))
        os.replace(tmp, self.root / "index.json")

    def put_blob(self, data: bytes) -> str:
        digest = _sha256(data)
        path = self.blobs / _hex(digest)
        if not path.exists():
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(data)
            os.replace(tmp, path)
        return digest

    def blob(self, digest: str) -> bytes:
        return (self.blobs / _hex(digest)).read_bytes()

    def layer_dir(self, diff_id: str) -> Path:
        return self.layers / _hex(diff_id)

    def _unpack_layer(self, diff_id: str) -> None:
        """Extract the layer blob once into layers/<hex>/ (built aside, then renamed)."""
        target = self.layer_dir(diff_id)
        if target.is_dir():
            return
        staging = Path(tempfile.mkdtemp(prefix=".unpack-", dir=self.layers))
        try:
            with tarfile.open(self.blobs / _hex(diff_id)) as archive:
                archive.extractall(staging, members=_safe_members(archive, staging), numeric_owner=True)
            staging.rename(target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    # -- importing ---------------------------------------------------------
    @staticmethod
    def _tar_directory(source: Path) -> bytes:
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
            for entry in sorted(source.rglob("*")):
                archive.add(entry, arcname=str(entry.relative_to(source)), recursive=False)
        return buffer.getvalue()

    def import_rootfs(self, source: Path, ref: str, cmd: list[str] | None = None,
                      labels: dict[str, str] | None = None) -> Image:
        """Make an image of one layer from a directory or a tarball (``box import``)."""
        repository, tag = parse_reference(ref)
        if source.is_dir():
            layer = self._tar_directory(source)
        elif source.is_file():
            layer = _read_tarball(source)
        else:
            raise BoxError(f"import: {source}: no such file or directory")
        diff_id = self.put_blob(layer)
        self._unpack_layer(diff_id)
        config = {
            "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "architecture": "amd64", "os": "linux",
            "config": {"Cmd": cmd or ["/bin/sh"], "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                       "Labels": labels or {}},
            "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        }
        return self.tag_manifest(repository, tag, config, [(diff_id, len(layer))])

    def tag_manifest(self, repository: str, tag: str, config: dict, layers: list[tuple[str, int]]) -> Image:
        """Store config and manifest blobs and point ``repository:tag`` at them."""
        config_bytes = json.dumps(config, sort_keys=True).encode()
        config_digest = self.put_blob(config_bytes)
        manifest = {
            "schemaVersion": 2, "mediaType": MEDIA_MANIFEST,
            "config": {"mediaType": MEDIA_CONFIG, "digest": config_digest, "size": len(config_bytes)},
            "layers": [{"mediaType": MEDIA_LAYER, "digest": d, "size": s} for d, s in layers],
        }
        manifest_bytes = json.dumps(manifest, sort_keys=True).encode()
        manifest_digest = self.put_blob(manifest_bytes)
        ref = f"{repository}:{tag}"
        with self._locked():
            index = self._index()
            index["manifests"] = [m for m in index["manifests"] if m.get("annotations", {}).get(REF_ANNOTATION) != ref]
            index["manifests"].append({"mediaType": MEDIA_MANIFEST, "digest": manifest_digest,
                                       "size": len(manifest_bytes), "annotations": {REF_ANNOTATION: ref}})
            self._write_index(index)
        return self.resolve(ref)

    # -- reading -----------------------------------------------------------
    def _image(self, descriptor: dict) -> Image:
        ref = descriptor["annotations"][REF_ANNOTATION]
        repository, tag = ref.rsplit(":", 1)
        manifest = json.loads(self.blob(descriptor["digest"]))
        config_digest = manifest["config"]["digest"]
        config = json.loads(self.blob(config_digest))
        diff_ids = tuple(config["rootfs"]["diff_ids"])
        return Image(repository, tag, config_digest, descriptor["digest"], config.get("created", ""),
                     config, diff_ids, tuple(self.layer_dir(d) for d in diff_ids))

    def list(self) -> list[Image]:
        return [self._image(d) for d in self._index()["manifests"] if REF_ANNOTATION in d.get("annotations", {})]

    def resolve(self, ref: str) -> Image:
        """An image by NAME[:TAG], or by (a prefix of at least 4 hex digits of) its ID."""
        images = self.list()
        if re.fullmatch(r"(sha256:)?[0-9a-f]{4,64}", ref):
            wanted = ref if ref.startswith("sha256:") else "sha256:" + ref
            by_id = [i for i in images if i.id.startswith(wanted)]
            if by_id:
                return by_id[0]
        repository, tag = parse_reference(ref)
        for image in images:
            if (image.repository, image.tag) == (repository, tag):
                return image
        raise NoSuchImage(f"No such image: {ref}")

    def lower_dirs(self, image: Image) -> list[Path]:
        """The image's layer directories, top layer first, as overlayfs's lowerdir wants."""
        for diff_id in image.diff_ids:
            self._unpack_layer(diff_id)
        return [self.layer_dir(d) for d in reversed(image.diff_ids)]

    # -- removing ----------------------------------------------------------
    def remove(self, ref: str, in_use: set[str]) -> list[str]:
        """Untag ``ref`` (or every tag of an image ID); delete what nothing references.

        ``in_use`` holds the image IDs containers still use: those are kept,
        as Docker keeps them, and removing one of them is a conflict.
        """
        image = self.resolve(ref)
        if image.id in in_use:
            raise Conflict(f"conflict: unable to remove {ref}: image {_hex(image.id)[:12]} is used by a container "
                           "(remove the container first: box rm)")
        by_id = not ref.startswith(image.repository)
        refs = {i.ref for i in self.list() if i.id == image.id} if by_id else {image.ref}
        with self._locked():
            index = self._index()
            index["manifests"] = [m for m in index["manifests"] if m["annotations"].get(REF_ANNOTATION) not in refs]
            self._write_index(index)
            deleted = self._collect_garbage(index)
        return [f"Untagged: {r}" for r in sorted(refs)] + [f"Deleted: {d}" for d in deleted]

    def _collect_garbage(self, index: dict) -> list[str]:
        """Delete blobs and unpacked layers no remaining manifest reaches."""
        live: set[str] = set()
        for descriptor in index["manifests"]:
            manifest = json.loads(self.blob(descriptor["digest"]))
            live |= {descriptor["digest"], manifest["config"]["digest"], *(l["digest"] for l in manifest["layers"])}
            live |= set(json.loads(self.blob(manifest["config"]["digest"]))["rootfs"]["diff_ids"])
        deleted = []
        for blob in self.blobs.iterdir():
            if f"sha256:{blob.name}" not in live:
                blob.unlink()
                deleted.append(f"sha256:{blob.name}")
        for layer in self.layers.iterdir():
            if not layer.name.startswith(".") and f"sha256:{layer.name}" not in live:
                shutil.rmtree(layer)
        return deleted


def _read_tarball(path: Path) -> bytes:
    """An uncompressed tar of the tarball's content (gzip'd input is decompressed)."""
    try:
        with tarfile.open(path) as archive:  # detects gzip / bzip2 / xz
            buffer = io.BytesIO()
            with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as out:
                for member in _safe_members(archive):
                    out.addfile(member, archive.extractfile(member) if member.isfile() else None)
            return buffer.getvalue()
    except tarfile.TarError as err:
        raise BoxError(f"import: {path}: not a tar archive ({err})") from None


def _tree_size(path: Path) -> int:
    total = 0
    for dirpath, _, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_size
            except OSError:
                pass
    return total
