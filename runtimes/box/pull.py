"""`box pull`: fetch an image from a registry into the store, all of it or nothing.

The steps, as Docker's puller takes them (distribution-spec spec.md, "Pull"):

1. parse the reference (reference.py) and find the registry's API host;
2. GET the manifest by tag or digest; an index (multi-arch) names one
   manifest per platform, and the one for this host's linux/<arch> is taken;
3. GET the image config and every layer blob not already in the store, into
   ``downloads/`` (a partial file resumes with an HTTP Range request), each
   checked against its sha256 before it is used (registry.py);
4. unpack every new layer into a staging directory (layers.py), checking
   that its uncompressed digest is the config's ``diff_id``;
5. commit: blobs into ``blobs/``, staging directories into ``layers/``, and
   only then the tag into ``index.json``.

Until step 5 the store proper is untouched, so a refused blob, a hostile
layer, an unreachable registry or Ctrl-C leaves it as it was. Verified and
partial downloads of an interrupted pull stay in ``downloads/`` to resume
from; those of a refused image are deleted with it.

``BOX_REGISTRY_MIRROR`` (e.g. ``http://127.0.0.1:5000``) sends Docker Hub
pulls to a mirror, as Docker's ``registry-mirrors`` setting does: how a class
without internet pulls ``busybox`` from a registry of its own.
"""

from __future__ import annotations

import dataclasses
import json
import os
import platform
import re
import shutil
from pathlib import Path
from typing import Protocol

from runtimes.box import auth, reference
from runtimes.box.errors import BoxError
from runtimes.box.images import Image, ImageStore
from runtimes.box.reference import Reference
from runtimes.box.registry import (INDEX_TYPES, MANIFEST_TYPES, Download, Manifest, RegistryClient, RegistryError,
                                   RegistryUnreachable)

LAYER_TYPES = (
    "application/vnd.oci.image.layer.v1.tar", "application/vnd.oci.image.layer.v1.tar+gzip",
    "application/vnd.docker.image.rootfs.diff.tar.gzip", "application/vnd.docker.image.rootfs.diff.tar",
)
_DIGEST_RE = re.compile(r"^sha256:[0-9a-f]{64}$")
_ARCHITECTURES = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "ppc64le": "ppc64le", "s390x": "s390x"}


class PullProgress(Protocol):
    """What a pull reports as it goes; the command line draws it, the library only calls it."""

    def status(self, line: str) -> None: ...
    def layer(self, short_id: str, total_bytes: int, status: str) -> None: ...
    def advance(self, short_id: str, nbytes: int) -> None: ...


class Silent:
    """A PullProgress that shows nothing (library callers, tests)."""

    def status(self, line: str) -> None: ...
    def layer(self, short_id: str, total_bytes: int, status: str) -> None: ...
    def advance(self, short_id: str, nbytes: int) -> None: ...


@dataclasses.dataclass(frozen=True)
class LayerPull:
    """One layer of a pull: fetched (how much, resumed from where) or already in the store."""

    digest: str
    size_bytes: int
    download: Download | None  # None: the store had it


@dataclasses.dataclass(frozen=True)
class PullResult:
    reference: Reference
    image: Image
    repo_digest: str            # what the registry calls it (the index's digest for a multi-arch image)
    platform: str               # "linux/amd64"
    layers: tuple[LayerPull, ...]
    up_to_date: bool            # the tag already named this very image


def host_platform() -> tuple[str, str]:
    """("linux", "amd64") on x86-64: the platform an index entry must match."""
    return "linux", _ARCHITECTURES.get(platform.machine(), platform.machine())


def endpoint(ref: Reference) -> tuple[str, str | None]:
    """The API host to ask (and its scheme, if forced): a mirror for Docker Hub when one is set."""
    mirror = os.environ.get("BOX_REGISTRY_MIRROR", "").strip().rstrip("/")
    if ref.domain != reference.DOCKER_HUB or not mirror:
        return ref.api_host, None
    scheme, sep, host = mirror.partition("://")
    return (host, scheme) if sep else (mirror, None)


def pull(store: ImageStore, text: str, progress: PullProgress | None = None) -> PullResult:
    """Pull ``text`` (``busybox``, ``host:5000/app:1``, ``app@sha256:…``) into ``store``."""
    progress = progress or Silent()
    ref = reference.parse(text)
    if not ref.tag and not ref.digest:
        progress.status(f"Using default tag: {reference.DEFAULT_TAG}")
        ref = dataclasses.replace(ref, tag=reference.DEFAULT_TAG)
    host, scheme = endpoint(ref)
    client = RegistryClient(host, ref.path, auth.find_credentials(host if host != ref.api_host else ref.domain), scheme)
    try:
        with store.pulling():
            return _Pull(store, client, ref, progress).run()
    finally:
        client.close()


class _Pull:
    """One pull's state: what it downloaded and unpacked, so a failure can take exactly that back."""

    def __init__(self, store: ImageStore, client: RegistryClient, ref: Reference, progress: PullProgress) -> None:
        self.store, self.client, self.ref, self.progress = store, client, ref, progress
        self.downloads = store.root / "downloads"
        self.downloads.mkdir(exist_ok=True)
        self.fetched: list[Path] = []   # complete, verified blobs in downloads/
        self.staged: dict[str, Path] = {}  # diff_id → staging directory

    def run(self) -> PullResult:
        top = self.client.manifest(self.ref.version)
        self.progress.status(f"{self.ref.version}: Pulling from {self.ref.path}")
        manifest, plat = self._platform_manifest(top)
        body = _json(manifest.data, f"manifest {manifest.digest}")
        _check_manifest(body, manifest, self.client.host)
        try:
            config_path, _ = self._fetch(body["config"]["digest"], body["config"]["size"])
            config = _json(config_path.read_bytes(), f"image config {body['config']['digest']}")
            diff_ids = _diff_ids(config, body, self.client.host)
            pulled = tuple(self._fetch_layer(d["digest"], d["size"]) for d in body["layers"])
            for descriptor, diff_id in zip(body["layers"], diff_ids):
                self._unpack(descriptor["digest"], diff_id)
            return self._commit(top, manifest, plat, pulled)
        except BoxError as err:
            if not isinstance(err, RegistryUnreachable):
                self._forget_downloads()  # a refused image's blobs are not worth resuming; a broken network's are
            raise
        finally:
            for staging in self.staged.values():
                shutil.rmtree(staging, ignore_errors=True)

    # -- manifests ---------------------------------------------------------
    def _platform_manifest(self, top: Manifest) -> tuple[Manifest, str]:
        media_type = _media_type(top)
        if media_type in MANIFEST_TYPES:
            return top, "/".join(host_platform())
        if media_type not in INDEX_TYPES:
            raise RegistryError(f"registry {self.client.host}: {self.ref} has a manifest of type {media_type or 'unknown'!r}, "
                                "which box cannot pull (it reads OCI and Docker v2 schema 2 manifests and indexes)")
        want_os, want_arch = host_platform()
        entries = [e for e in _json(top.data, f"index {top.digest}").get("manifests") or [] if isinstance(e, dict)]
        for entry in entries:
            plat = entry.get("platform", {})
            if (plat.get("os"), plat.get("architecture")) == (want_os, want_arch):
                digest = _checked_digest(entry.get("digest"), f"index {top.digest}", self.client.host)
                return self.client.manifest(digest), f"{want_os}/{want_arch}"
        offered = sorted({f"{e.get('platform', {}).get('os')}/{e.get('platform', {}).get('architecture')}" for e in entries})
        raise RegistryError(f"no matching manifest for {want_os}/{want_arch} in the manifest list entries of {self.ref} "
                            f"on {self.client.host} (it has: {', '.join(offered) or 'none'})")

    # -- blobs -------------------------------------------------------------
    def _fetch(self, digest: str, size: int, show: bool = False) -> tuple[Path, Download | None]:
        """The verified blob and what fetching it took: from the store (None), or downloaded into downloads/."""
        stored = self.store.blob_path(digest)
        if stored.exists():
            return stored, None
        path = self.downloads / _hex(digest)
        download = Download(digest, 0, 0)  # already complete and verified by an earlier, interrupted pull
        if not path.exists():
            short = _short(digest)
            partial = path.with_suffix(".partial")
            download = self.client.blob(digest, size, partial,
                                        (lambda n: self.progress.advance(short, n)) if show else (lambda n: None))
            os.replace(partial, path)
        if path not in self.fetched:  # a manifest may name the same layer twice
            self.fetched.append(path)
        return path, download

    def _fetch_layer(self, digest: str, size: int) -> LayerPull:
        short = _short(digest)
        present = self.store.blob_path(digest).exists()
        self.progress.layer(short, size, "Already exists" if present else "Downloading")
        _, download = self._fetch(digest, size, show=True)
        if download:
            self.progress.layer(short, size, "Download complete")
        return LayerPull(digest, size, download)

    def _unpack(self, blob_digest: str, diff_id: str) -> None:
        blob = self.store.blob_path(blob_digest)
        blob = blob if blob.exists() else self.downloads / _hex(blob_digest)
        # The same layer may be unpacked already (another image, or `box import` of the same files):
        # its content is there all the same, so the layer is complete either way.
        if not (self.store.layer_dir(diff_id).is_dir() or diff_id in self.staged):
            self.staged[diff_id] = self.store.unpack_aside(blob, diff_id)
        if blob.parent == self.downloads:  # fetched by this pull; a stored one was "Already exists"
            self.progress.layer(_short(blob_digest), blob.stat().st_size, "Pull complete")

    def _forget_downloads(self) -> None:
        for path in self.fetched:
            if path.parent == self.downloads:
                path.unlink(missing_ok=True)

    # -- commit ------------------------------------------------------------
    def _commit(self, top: Manifest, manifest: Manifest, plat: str, pulled: tuple[LayerPull, ...]) -> PullResult:
        """Blobs, then layers, then the tag: a crash in between leaves only unreferenced blobs for GC."""
        for path in self.fetched:
            if path.parent == self.downloads:
                os.replace(path, self.store.blobs / path.name)
        for diff_id, staging in list(self.staged.items()):
            target = self.store.layer_dir(diff_id)
            if not target.exists():
                staging.rename(target)
        self.store.put_blob(manifest.data)
        key = self.ref.store_key
        try:
            before = self.store.resolve(key)
        except BoxError:
            before = None
        self.store.set_tag(key, {"mediaType": _media_type(manifest), "digest": manifest.digest,
                                 "size": len(manifest.data)}, repo_digest=top.digest)
        image = self.store.resolve(key)
        return PullResult(self.ref, image, top.digest, plat, pulled,
                          up_to_date=before is not None and before.manifest == manifest.digest)


def _hex(digest: str) -> str:
    return digest.split(":", 1)[1]


def _short(digest: str) -> str:
    return _hex(digest)[:12]


def _json(data: bytes, what: str) -> dict:
    try:
        body = json.loads(data)
    except ValueError:
        raise RegistryError(f"{what} is not JSON; refused") from None
    if not isinstance(body, dict):
        raise RegistryError(f"{what} is not a JSON object; refused")
    return body


def _media_type(manifest: Manifest) -> str:
    """The Content-Type the registry sent, else the manifest's own mediaType field."""
    if manifest.media_type in (*INDEX_TYPES, *MANIFEST_TYPES):
        return manifest.media_type
    try:
        return str(json.loads(manifest.data).get("mediaType", ""))
    except (ValueError, AttributeError):
        return ""


def _checked_digest(value: object, where: str, host: str) -> str:
    """A digest from the registry, used in file names: exactly sha256 and 64 hex digits, nothing like '../'."""
    if not isinstance(value, str) or not _DIGEST_RE.match(value):
        raise RegistryError(f"registry {host}: {where} names the digest {value!r}; box takes sha256:<64 hex digits> "
                            "only; refused")
    return value


def _check_manifest(body: dict, manifest: Manifest, host: str) -> None:
    if not isinstance(body.get("config"), dict) or not isinstance(body.get("layers"), list):
        raise RegistryError(f"registry {host}: manifest {manifest.digest} has no config or layers; refused")
    for descriptor in (body["config"], *body["layers"]):
        _checked_digest(descriptor.get("digest"), f"manifest {manifest.digest}", host)
        if not isinstance(descriptor.get("size"), int) or descriptor["size"] < 0:
            raise RegistryError(f"registry {host}: manifest {manifest.digest} gives no valid size for "
                                f"{descriptor['digest']}; refused")
    for layer in body["layers"]:
        if layer.get("mediaType") not in LAYER_TYPES:
            raise RegistryError(f"registry {host}: layer {layer.get('digest')} has media type {layer.get('mediaType')!r}; "
                                "box unpacks tar and gzip'd tar layers only")


def _diff_ids(config: dict, body: dict, host: str) -> list[str]:
    rootfs = config.get("rootfs")
    diff_ids = rootfs.get("diff_ids") if isinstance(rootfs, dict) else None
    if not isinstance(diff_ids, list):
        raise RegistryError(f"registry {host}: the image config's rootfs.diff_ids is not a list; refused")
    for diff_id in diff_ids:
        _checked_digest(diff_id, "the image config", host)
    if len(diff_ids) != len(body["layers"]):
        raise RegistryError(f"registry {host}: the image config lists {len(diff_ids)} layers, the manifest "
                            f"{len(body['layers'])}; refused")
    return diff_ids
