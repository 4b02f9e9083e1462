"""A client of the OCI distribution API (GET /v2/<name>/manifests/<ref>, /blobs/<digest>).

Spec: opencontainers/distribution-spec, spec.md ("Pull"). Authentication
follows the registry's 401 challenge (auth.py): a Bearer challenge sends us
to its token server for a token scoped to ``repository:<name>:pull``, with
credentials when we have some and anonymously when not; a Basic challenge
gets the credentials directly.

Credentials and tokens go to the registry and to the token server its own
challenge names, nowhere else. A registry often redirects blob downloads to
a CDN: box follows redirects itself and sends the Authorization header only
to the registry's own origin (scheme, host and port, RFC 6454), answers no
challenge from anywhere else, and sends a password to a token server in the
clear only when registry and token server are both on this host's loopback.

Registries on the loopback interface (and those in ``BOX_INSECURE_REGISTRIES``,
comma-separated ``host:port``) are spoken to in plain HTTP, as Docker treats
127.0.0.0/8 as an insecure registry; every other one over HTTPS.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import ipaddress
import os
import re
import urllib.parse
from collections.abc import Callable
from pathlib import Path

import requests
import urllib3

from runtimes.box import auth
from runtimes.box.errors import BoxError

MEDIA_OCI_INDEX = "application/vnd.oci.image.index.v1+json"
MEDIA_OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MEDIA_DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
MEDIA_DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
INDEX_TYPES = (MEDIA_OCI_INDEX, MEDIA_DOCKER_LIST)
MANIFEST_TYPES = (MEDIA_OCI_MANIFEST, MEDIA_DOCKER_MANIFEST)
CONNECT_TIMEOUT_S, READ_TIMEOUT_S = 10, 60
CHUNK_BYTES = 256 * 1024
MANIFEST_MAX_BYTES = 4 * 2**20  # distribution refuses to store bigger ones; so do we
MAX_REDIRECTS = 5
DEFAULT_PORTS = {"http": 80, "https": 443}


class RegistryError(BoxError):
    """The registry could not be reached, refused us, or sent something wrong."""


class DigestMismatch(RegistryError):
    pass


class RegistryUnreachable(RegistryError):
    """The network failed (no connection, a download broke off): trying again later may work."""


@dataclasses.dataclass(frozen=True)
class Manifest:
    """A manifest or index as the registry sent it (the bytes are what the digest covers)."""

    data: bytes
    media_type: str
    digest: str


@dataclasses.dataclass(frozen=True)
class Download:
    """What fetching one blob took: bytes over the wire, and where a partial file let it resume."""

    digest: str
    downloaded_bytes: int
    resumed_from: int


def uses_plain_http(host: str) -> bool:
    """Loopback registries and the configured insecure ones speak HTTP, the rest HTTPS."""
    insecure = {h.strip() for h in os.environ.get("BOX_INSECURE_REGISTRIES", "").split(",") if h.strip()}
    return host in insecure or is_loopback(host.rsplit(":", 1)[0] if not host.endswith("]") else host)


def is_loopback(name: str) -> bool:
    """"localhost", 127.0.0.0/8 or [::1]: traffic that never leaves this host."""
    name = name.strip("[]")
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def origin(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of ``url``: what must match for a credential to go there (RFC 6454)."""
    parts = urllib.parse.urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), parts.port or DEFAULT_PORTS.get(parts.scheme, 0)


class RegistryClient:
    """One repository on one registry; one token, refreshed when the registry challenges again."""

    def __init__(self, host: str, repository: str, credentials: auth.Credentials | None,
                 scheme: str | None = None) -> None:
        self.host, self.repository, self.credentials = host, repository, credentials
        self.base = f"{scheme or ('http' if uses_plain_http(host) else 'https')}://{host}/v2/{repository}"
        self.origin = origin(self.base)  # the only place our Authorization header goes
        self.session = requests.Session()
        self.session.headers["User-Agent"] = "box (isobench)"
        self.session.trust_env = True  # honour HTTPS_PROXY / NO_PROXY as other clients do
        self._authorization: str | None = None

    def close(self) -> None:
        self.session.close()

    # -- requests with authentication ---------------------------------------
    def _get(self, path: str, headers: dict[str, str] | None = None, stream: bool = False) -> requests.Response:
        for attempt in (1, 2):
            response = self._follow(f"{self.base}/{path}", headers or {}, stream)
            if response.status_code != 401 or attempt == 2:
                return response
            response.close()
            if origin(response.url) != self.origin:  # blob storage we were redirected to wants credentials
                raise RegistryError(f"registry {self.host} sent us to {urllib.parse.urlsplit(response.url).netloc}, "
                                    "which asks for credentials; refused: box gives them to the registry only")
            self._authenticate(response.headers.get("WWW-Authenticate", ""))
        raise AssertionError("unreachable")

    def _follow(self, url: str, headers: dict[str, str], stream: bool) -> requests.Response:
        """GET ``url``, following redirects here, so that our Authorization header goes to the registry only."""
        for _ in range(MAX_REDIRECTS + 1):
            sent = dict(headers)
            if self._authorization and origin(url) == self.origin:
                sent["Authorization"] = self._authorization
            try:
                response = self.session.get(url, headers=sent, stream=stream, allow_redirects=False,
                                            timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S))
            except requests.RequestException as err:
                where = (f"registry {self.host}" if origin(url) == self.origin else
                         f"{urllib.parse.urlsplit(url).netloc}, where registry {self.host} sent us,")
                raise RegistryUnreachable(f"cannot reach {where}: {_reason(err)} "
                                          "(is it running and reachable from here?)") from None
            if not response.is_redirect:
                return response
            response.close()
            url = urllib.parse.urljoin(url, response.headers["Location"])
        raise RegistryError(f"registry {self.host}: more than {MAX_REDIRECTS} redirects for {url}; refused")

    def _authenticate(self, header: str) -> None:
        challenge = auth.parse_challenge(header)
        if challenge.scheme == "basic":
            if not self.credentials:
                raise self._denied()
            self._authorization = _basic(self.credentials)
        elif challenge.scheme == "bearer" and challenge.realm:
            self._authorization = f"Bearer {self._token(challenge)}"
        else:
            raise RegistryError(f"registry {self.host} asks for authentication box does not speak: {header!r}")

    def _token(self, challenge: auth.Challenge) -> str:
        """Ask the realm for a pull token (distribution docs/spec/auth/token.md, "Requesting a Token")."""
        params = {"scope": f"repository:{self.repository}:pull"}
        if "service" in challenge.params:
            params["service"] = challenge.params["service"]
        headers = {}
        if self.credentials:
            self._check_realm(challenge.realm)
            params["account"] = self.credentials.username
            headers["Authorization"] = _basic(self.credentials)
        try:
            # No redirects: the password goes to the realm the registry named, not where that realm points.
            response = self.session.get(challenge.realm, params=params, headers=headers, allow_redirects=False,
                                        timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S))
        except requests.RequestException as err:
            raise RegistryUnreachable(f"cannot reach the token server {challenge.realm} of registry {self.host}: "
                                      f"{_reason(err)}") from None
        if response.status_code in (401, 403) and self.credentials:
            raise RegistryError(f"registry {self.host}: login refused for user {self.credentials.username!r} "
                                f"(credentials from {self.credentials.source}); check the user name and password")
        if response.status_code != 200:
            raise self._denied() if response.status_code in (401, 403) else RegistryError(
                f"token server {challenge.realm} of registry {self.host} answered HTTP {response.status_code}")
        try:
            body = response.json()
            return body.get("token") or body["access_token"]
        except (ValueError, KeyError):
            raise RegistryError(f"token server {challenge.realm} sent no token (registry {self.host})") from None

    def _check_realm(self, realm: str) -> None:
        """A password goes over HTTPS, or in the clear only when registry and token server are both on loopback."""
        scheme, host, _ = origin(realm)
        if scheme == "https" or (scheme == "http" and self.origin[0] == "http"
                                 and is_loopback(self.origin[1]) and is_loopback(host)):
            return
        raise RegistryError(f"registry {self.host} wants the password sent to {realm} "
                            f"{'in the clear' if scheme == 'http' else 'by ' + (scheme or 'no scheme')}; refused "
                            "(its token server must be served over HTTPS)")

    def _denied(self) -> RegistryError:
        hint = ("the credentials were not accepted for it" if self.credentials else
                f"set BOX_REGISTRY_USER, BOX_REGISTRY_PASSWORD and BOX_REGISTRY_HOST={self.host}, "
                "or add the registry to ~/.docker/config.json")
        return RegistryError(f"pull access denied for {self.repository} on {self.host}: "
                             f"the repository does not exist or needs credentials ({hint})")

    # -- the API ------------------------------------------------------------
    def manifest(self, reference: str) -> Manifest:
        """The manifest or index ``reference`` (a tag or a digest) names, checked against a digest reference."""
        accept = ", ".join((*INDEX_TYPES, *MANIFEST_TYPES))
        with self._get(f"manifests/{reference}", {"Accept": accept}, stream=True) as response:
            self._check(response, f"manifest for {self.repository}:{reference}" if not reference.startswith("sha256:")
                        else f"manifest {reference} of {self.repository}")
            try:
                data = response.raw.read(MANIFEST_MAX_BYTES + 1, decode_content=True)
            except urllib3.exceptions.HTTPError as err:  # raw reads are urllib3's, not wrapped by requests
                raise RegistryUnreachable(f"registry {self.host}: reading the manifest of {self.repository} "
                                          f"broke off: {err}") from None
            content_type = response.headers.get("Content-Type", "")
        if len(data) > MANIFEST_MAX_BYTES:
            raise RegistryError(f"registry {self.host}: manifest of {self.repository} is larger than 4 MiB; refused")
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        if reference.startswith("sha256:") and digest != reference:
            raise DigestMismatch(f"registry {self.host}: manifest {reference} of {self.repository} "
                                 f"has digest {digest}; refused")
        media_type = content_type.split(";")[0].strip()
        return Manifest(data, media_type, digest)

    def blob(self, digest: str, size: int, partial: Path, on_bytes: Callable[[int], None] = lambda n: None) -> Download:
        """Download blob ``digest`` into ``partial``, resuming what is there; verify its sha256 and size.

        On a mismatch ``partial`` is deleted and DigestMismatch raised: the
        caller never sees bytes that are not the ones the digest names.
        """
        start = partial.stat().st_size if partial.exists() else 0
        if start >= size:
            start = 0
        # identity: the digest covers the blob's bytes as stored, never a transfer encoding of them
        headers = {"Accept-Encoding": "identity", **({"Range": f"bytes={start}-"} if start else {})}
        response = self._get(f"blobs/{digest}", headers, stream=True)
        with response:
            if start and response.status_code == 416:  # the partial does not fit this blob: start over
                partial.unlink(missing_ok=True)
            elif start and response.status_code == 206:
                return self._receive(response, digest, size, partial, start, on_bytes)
            else:
                self._check(response, f"blob {digest} of {self.repository}")  # 200: the whole blob
                return self._receive(response, digest, size, partial, 0, on_bytes)
        return self.blob(digest, size, partial, on_bytes)

    def _receive(self, response: requests.Response, digest: str, size: int, partial: Path, start: int,
                 on_bytes: Callable[[int], None]) -> Download:
        hasher = hashlib.sha256()
        with open(partial, "r+b" if start else "wb") as out:
            if start:
                _hash_prefix(out, start, hasher)
                on_bytes(start)
            received = start + self._copy(response, out, hasher, size - start, on_bytes, digest)
        actual = "sha256:" + hasher.hexdigest()
        if received != size or actual != digest:
            partial.unlink(missing_ok=True)
            raise DigestMismatch(f"registry {self.host}: blob {digest} of {self.repository} arrived as "
                                 f"{received} bytes with digest {actual}; refused, nothing stored")
        return Download(digest, received - start, start)

    def _copy(self, response: requests.Response, out, hasher, limit: int, on_bytes, digest: str) -> int:  # type: ignore[no-untyped-def]
        """Stream the body to ``out``; stop one byte past ``limit`` (a registry must not fill the disk)."""
        copied = 0
        try:
            for chunk in response.iter_content(CHUNK_BYTES):
                copied += len(chunk)
                if copied > limit:
                    return copied
                out.write(chunk)
                hasher.update(chunk)
                on_bytes(len(chunk))
        except requests.RequestException as err:
            raise RegistryUnreachable(f"registry {self.host}: download of {digest} broke off: {_reason(err)} "
                                "(run the pull again: it resumes)") from None
        return copied

    def _check(self, response: requests.Response, what: str) -> None:
        if response.status_code == 200:
            return
        if response.status_code == 404:
            raise RegistryError(f"{what} not found on {self.host}: {_api_error(response) or 'manifest unknown'}")
        if response.status_code in (401, 403):
            raise self._denied()
        raise RegistryError(f"registry {self.host}: {what}: HTTP {response.status_code} {_api_error(response)}".rstrip())


def _hash_prefix(file, length: int, hasher) -> None:  # type: ignore[no-untyped-def]
    """Feed the first ``length`` bytes already on disk to ``hasher``; leave the file positioned after them."""
    remaining = length
    while remaining:
        chunk = file.read(min(CHUNK_BYTES, remaining))
        if not chunk:
            break
        hasher.update(chunk)
        remaining -= len(chunk)
    file.truncate(length)
    file.seek(length)


def _basic(credentials: auth.Credentials) -> str:
    """RFC 7617: "Basic " + base64("user:password")."""
    return "Basic " + base64.b64encode(f"{credentials.username}:{credentials.password}".encode()).decode()


def _api_error(response: requests.Response) -> str:
    """The first ``errors[].message`` of a distribution error body (spec.md, "Error Codes")."""
    try:
        errors = response.json().get("errors") or []
        return "; ".join(f"{e.get('code', '')}: {e.get('message', '')}".lower() for e in errors[:1])
    except (ValueError, AttributeError):
        return ""


def _reason(err: requests.RequestException) -> str:
    """The OS-level reason inside requests' long exception text ("Connection refused")."""
    match = re.search(r"\[Errno -?\d+\] ([^'\")]+)", str(err))
    if match:
        return match.group(1).strip()
    if isinstance(err, requests.Timeout):
        return "timed out"
    return type(err).__name__
