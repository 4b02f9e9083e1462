"""The image store: content-addressed, laid out as an OCI image layout.

    /var/lib/box/                     (``BOX_ROOT`` overrides)
      oci-layout                      {"imageLayoutVersion": "1.0.0"}
      index.json                      one manifest descriptor per tag
      blobs/sha256/<hex>              layer tarballs, image configs, manifests
      layers/<hex>/                   each layer unpacked once, named by its diff_id
      downloads/                      blobs of a pull in progress (pull.py), kept to resume

This is the OCI image-layout spec (image-layout.md): a directory any OCI tool
can read. An image is a *manifest* naming a *config* and its *layers*, each by
the sha256 of its bytes, so the same bytes are stored once however many tags
point at them. Containers start from ``layers/``: OverlayFS stacks those
directories read-only, so unpacking happens once per layer, not per container.
A layer blob is a tar (``box import``) or a gzip'd tar (pulled), so its
directory is named by the sha256 of the uncompressed tar, the config's
``diff_id``; layers.py unpacks it, whiteouts included.
"""

from __future__ import annotations

import dataclasses
import fcntl
import functools
import io
import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from runtimes.box import reference
from runtimes.box.errors import BoxError, Conflict, NoSuchImage

# hashlib, tarfile, tempfile, shutil and datetime are imported where an image is written or removed:
# `box run` of a stored image only reads JSON, and each of them would add to its start-up.
TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing
if TYPE_CHECKING:
    import tarfile

MEDIA_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MEDIA_CONFIG = "application/vnd.oci.image.config.v1+json"
MEDIA_LAYER = "application/vnd.oci.image.layer.v1.tar"
REF_ANNOTATION = "org.opencontainers.image.ref.name"
# The digest the registry knows the image by (an index's, for a multi-arch image): Docker's RepoDigests.
REPO_DIGEST_ANNOTATION = "org.isobench.box.repo-digest"
NO_TAG = "<none>"
_ID_RE = re.compile(r"(sha256:)?[0-9a-f]{4,64}")


def parse_reference(ref: str) -> tuple[str, str]:
    """'busybox' → ('busybox', 'latest'); 'host:5000/a/b:1.0' → ('host:5000/a/b', '1.0') (reference.py's rules)."""
    parsed = reference.parse(ref)
    if parsed.digest:
        raise BoxError(f'invalid reference format: "{ref}": a digest names pulled content; give NAME[:TAG]')
    return parsed.familiar_name, parsed.tag or reference.DEFAULT_TAG


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
    layer_blobs: tuple[str, ...] = ()  # the manifest's layer digests (gzip'd for pulled images)
    repo_digest: str = ""              # set for pulled images

    @property
    def ref(self) -> str:
        return f"{self.repository}@{self.repo_digest}" if self.tag == NO_TAG else f"{self.repository}:{self.tag}"

    @functools.cached_property
    def size(self) -> int:
        """Bytes of the unpacked layers (walks them: only `box images` asks)."""
        return sum(tree_size(d) for d in self.layer_dirs)


def _sha256(data: bytes) -> str:
    import hashlib

    return "sha256:" + hashlib.sha256(data).hexdigest()


def _hex(digest: str) -> str:
    return digest.split(":", 1)[1]


def tar_directory(source: Path) -> bytes:
    """One layer holding the directory tree ``source``, in name order (numeric owners kept)."""
    import tarfile

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for entry in sorted(source.rglob("*")):
            archive.add(entry, arcname=str(entry.relative_to(source)), recursive=False)
    return buffer.getvalue()


def _safe_members(archive: tarfile.TarFile) -> Iterator[tarfile.TarInfo]:
    """Refuse, early, members of an imported tarball that would write outside the layer or create devices.

    No absolute paths, no "..", no hard link to a path outside, no device;
    layers.py checks again, member by member, when the layer is unpacked.
    """
    for member in archive:
        name = os.path.normpath(member.name)
        if name.startswith(("/", "..")) or "/../" in f"/{name}/":
            raise BoxError(f"layer refused: member {member.name!r} points outside the layer")
        if member.islnk() and os.path.normpath(member.linkname).startswith(("/", "..")):
            raise BoxError(f"layer refused: hard link {member.name!r} → {member.linkname!r} points outside the layer")
        if member.isdev():
            raise BoxError(f"layer refused: device node {member.name!r} (containers get their own /dev)")
        yield member


def private_directory(path: Path) -> None:
    """``path`` made if missing, and mode 0700 even if an older box made it 0755.

    A layer, or a container's upper directory, may hold a setuid-root file
    the image or the container put there; a host user who can reach it can
    run it and be root (CVE-2021-41091, Docker's fix: /var/lib/docker 0710).
    So no one but root may even traverse the store's top directories (chmod(2)).
    """
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o777 != 0o700:
        os.chmod(path, 0o700)


class ImageStore:
    """Images and layers under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.blobs = root / "blobs" / "sha256"
        self.layers = root / "layers"
        private_directory(root)
        private_directory(self.layers)
        self.blobs.mkdir(parents=True, exist_ok=True)
        layout = root / "oci-layout"
        if not layout.exists():
            layout.write_text(json.dumps({"imageLayoutVersion": "1.0.0"}))

    # -- low level -------------------------------------------------------
    @contextmanager
    def pulling(self) -> Iterator[None]:
        """Held (shared) while a pull runs: its blobs are not referenced yet, so no garbage collection meanwhile."""
        with open(self.root / ".gc.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_SH)
            yield

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
        return self.blob_path(digest).read_bytes()

    def blob_path(self, digest: str) -> Path:
        return self.blobs / _hex(digest)

    def layer_dir(self, diff_id: str) -> Path:
        return self.layers / _hex(diff_id)

    def unpack_aside(self, blob: Path, diff_id: str) -> Path:
        """Unpack a layer blob into a staging directory under layers/; the caller renames or deletes it.

        The uncompressed tar must hash to ``diff_id``, the config's word for it.
        """
        import shutil
        import tempfile

        from runtimes.box import layers  # only when unpacking: not on `box run`'s path

        staging = Path(tempfile.mkdtemp(prefix=".unpack-", dir=self.layers))
        try:
            actual = layers.unpack(blob, staging, what=f"layer {_hex(diff_id)[:12]}")
            if actual != diff_id:
                raise layers.LayerRefused(f"layer {_hex(diff_id)[:12]} refused: its uncompressed content has "
                                          f"digest {actual}, not the diff_id {diff_id} the image config names")
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return staging

    def _unpack_layer(self, diff_id: str, blob_digest: str | None = None) -> None:
        """Extract the layer blob once into layers/<hex>/ (built aside, then renamed)."""
        target = self.layer_dir(diff_id)
        if target.is_dir():
            return
        import shutil

        staging = self.unpack_aside(self.blob_path(blob_digest or diff_id), diff_id)
        try:
            staging.rename(target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    # -- importing ---------------------------------------------------------
    def import_rootfs(self, source: Path, ref: str, cmd: list[str] | None = None,
                      labels: dict[str, str] | None = None) -> Image:
        """Make an image of one layer from a directory or a tarball (``box import``)."""
        import datetime as dt

        repository, tag = parse_reference(ref)
        if source.is_dir():
            layer = tar_directory(source)
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
        self.set_tag(ref, {"mediaType": MEDIA_MANIFEST, "digest": manifest_digest, "size": len(manifest_bytes)})
        return self.resolve(ref)

    def set_tag(self, ref: str, descriptor: dict, repo_digest: str = "") -> None:
        """Point ``ref`` (``name:tag`` or ``name@digest``) at a stored manifest, replacing what it named before."""
        annotations = {REF_ANNOTATION: ref, **({REPO_DIGEST_ANNOTATION: repo_digest} if repo_digest else {})}
        with self._locked():
            index = self._index()
            index["manifests"] = [m for m in index["manifests"] if m.get("annotations", {}).get(REF_ANNOTATION) != ref]
            index["manifests"].append({**descriptor, "annotations": annotations})
            self._write_index(index)

    # -- reading -----------------------------------------------------------
    def _image(self, descriptor: dict) -> Image:
        ref = descriptor["annotations"][REF_ANNOTATION]
        repository, tag = ref.split("@")[0], NO_TAG
        if "@" not in ref:
            repository, tag = ref.rsplit(":", 1)
        manifest = json.loads(self.blob(descriptor["digest"]))
        config_digest = manifest["config"]["digest"]
        config = json.loads(self.blob(config_digest))
        diff_ids = tuple(config["rootfs"]["diff_ids"])
        return Image(repository, tag, config_digest, descriptor["digest"], config.get("created", ""),
                     config, diff_ids, tuple(self.layer_dir(d) for d in diff_ids),
                     tuple(layer["digest"] for layer in manifest["layers"]),
                     descriptor["annotations"].get(REPO_DIGEST_ANNOTATION, ""))

    def list(self) -> list[Image]:
        return [self._image(d) for d in self._index()["manifests"] if REF_ANNOTATION in d.get("annotations", {})]

    def resolve(self, ref: str) -> Image:
        """An image by NAME[:TAG], or by (a prefix of at least 4 hex digits of) its ID."""
        images = self.list()
        for image in images:  # a name as stored ("busybox" → "busybox:latest") needs no parsing
            if image.ref in (ref, f"{ref}:{reference.DEFAULT_TAG}"):
                return image
        if _ID_RE.fullmatch(ref):
            wanted = ref if ref.startswith("sha256:") else "sha256:" + ref
            by_id = [i for i in images if i.id.startswith(wanted)]
            if by_id:
                return by_id[0]
        wanted = reference.parse(ref)
        for image in images:
            if image.repository == wanted.familiar_name and _matches(image, wanted):
                return image
        raise NoSuchImage(f"No such image: {ref}")

    def lower_dirs(self, image: Image) -> list[Path]:
        """The image's layer directories, top layer first, as overlayfs's lowerdir wants."""
        for diff_id, blob in zip(image.diff_ids, image.layer_blobs or image.diff_ids):
            self._unpack_layer(diff_id, blob)
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
        by_id = _ID_RE.fullmatch(ref) is not None and image.id.startswith(ref if ":" in ref else f"sha256:{ref}")
        refs = {i.ref for i in self.list() if i.id == image.id} if by_id else {image.ref}
        with self._locked():
            index = self._index()
            index["manifests"] = [m for m in index["manifests"] if m["annotations"].get(REF_ANNOTATION) not in refs]
            self._write_index(index)
            deleted = self._collect_garbage(index)
        return [f"Untagged: {r}" for r in sorted(refs)] + [f"Deleted: {d}" for d in deleted]

    def _collect_garbage(self, index: dict) -> list[str]:
        """Delete blobs and unpacked layers no remaining manifest reaches (none while a pull runs)."""
        with open(self.root / ".gc.lock", "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return []  # the next rmi collects them
            return self._delete_unreachable(index)

    def _delete_unreachable(self, index: dict) -> list[str]:
        import shutil

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


def _matches(image: Image, wanted: reference.Reference) -> bool:
    """By digest: the registry's digest or the manifest's; else by tag."""
    if wanted.digest:
        return wanted.digest in (image.repo_digest, image.manifest)
    return image.tag == (wanted.tag or reference.DEFAULT_TAG)


def _read_tarball(path: Path) -> bytes:
    """An uncompressed tar of the tarball's content (gzip'd input is decompressed)."""
    import tarfile

    try:
        with tarfile.open(path) as archive:  # detects gzip / bzip2 / xz
            buffer = io.BytesIO()
            with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as out:
                for member in _safe_members(archive):
                    out.addfile(member, archive.extractfile(member) if member.isfile() else None)
            return buffer.getvalue()
    except tarfile.TarError as err:
        raise BoxError(f"import: {path}: not a tar archive ({err})") from None


def tree_size(path: Path) -> int:
    """Bytes of the regular files under ``path`` (what `box images` and prune's report count)."""
    total = 0
    for dirpath, _, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_size
            except OSError:
                pass
    return total
