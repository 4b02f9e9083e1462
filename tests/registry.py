"""A real local registry for tests and class walkthroughs: distribution's registry, skopeo, a token server.

    from tests.registry import LocalRegistry

    with LocalRegistry(workdir) as registry:                 # docker-registry on 127.0.0.1:<free port>
        registry.push_busybox(image.rootfs)                  # the suite's image as library/busybox:latest
        env = {**os.environ, **registry.mirror_env()}        # BOX_REGISTRY_MIRROR=http://127.0.0.1:<port>
        subprocess.run(["box", "pull", "busybox"], env=env)  # busybox from this registry, as from Docker Hub

``LocalRegistry(workdir, token=True)`` puts the registry behind token
authentication (distribution's docs/spec/auth/token.md): a small token
server, started alongside, checks users' passwords and signs JWTs with an
EC key whose self-signed certificate the registry trusts (``rootcertbundle``).
Anonymous users may pull every repository but those under ``private/``;
``USER`` may pull and push everything.

Images are built here as OCI image layouts (image-layout.md) from tar
layers made with ``tarfile``, and pushed with ``skopeo copy``, which speaks
the distribution API as Docker's own client does.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import gzip
import hashlib
import http.server
import io
import json
import os
import shutil
import socket
import subprocess
import tarfile
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path
from collections.abc import Iterator
from types import TracebackType

from runtimes.box.images import tar_directory

USER, PASSWORD = "teacher", "class-password"
SERVICE, ISSUER = "isobench-registry", "isobench-token-server"
MEDIA_OCI_INDEX = "application/vnd.oci.image.index.v1+json"
MEDIA_OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MEDIA_OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
MEDIA_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
START_TIMEOUT_S = 15


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- layers and OCI layouts ----------------------------------------------------
def tar_layer(entries: list[tuple[tarfile.TarInfo, bytes | None]]) -> bytes:
    """An uncompressed tar of ``entries`` (TarInfo, file content or None), in PAX format as image builders write."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for info, data in entries:
            if data is not None:
                info.size = len(data)
            archive.addfile(info, io.BytesIO(data) if data is not None else None)
    return buffer.getvalue()


def entry(name: str, kind: bytes = tarfile.REGTYPE, data: bytes | None = None, linkname: str = "",
          mode: int = 0o644, devmajor: int = 0, devminor: int = 0) -> tuple[tarfile.TarInfo, bytes | None]:
    """One archive member: ``entry("etc/motd", data=b"hi")``, ``entry("bin", tarfile.DIRTYPE, mode=0o755)``…"""
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.mode, info.mtime = kind, linkname, mode, 1_700_000_000
    info.devmajor, info.devminor = devmajor, devminor
    return info, (data if data is not None else (b"" if kind == tarfile.REGTYPE else None))


@dataclasses.dataclass
class OciLayout:
    """An OCI image layout on disk (image-layout.md) being filled with images."""

    root: Path

    def __post_init__(self) -> None:
        (self.root / "blobs" / "sha256").mkdir(parents=True, exist_ok=True)
        (self.root / "oci-layout").write_text(json.dumps({"imageLayoutVersion": "1.0.0"}))
        if not (self.root / "index.json").exists():
            (self.root / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": []}))

    def blob(self, data: bytes, media_type: str) -> dict:
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        (self.root / "blobs" / "sha256" / digest[7:]).write_bytes(data)
        return {"mediaType": media_type, "digest": digest, "size": len(data)}

    def image(self, layers: list[bytes], arch: str = "amd64", cmd: list[str] | None = None,
              diff_ids: list[str] | None = None, settings: dict | None = None) -> dict:
        """Store config, gzip'd layers and manifest; return the manifest's descriptor (with its platform).

        ``diff_ids`` replaces the true ones in the config (a lying or hostile image); ``settings``
        adds to the config's ``config`` (e.g. ``{"User": "nobody"}``).
        """
        diff_ids = diff_ids or ["sha256:" + hashlib.sha256(layer).hexdigest() for layer in layers]
        config = {"created": dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc).isoformat(), "architecture": arch,
                  "os": "linux", "config": {"Cmd": cmd or ["/bin/sh"], **(settings or {})}, "rootfs": {"type": "layers", "diff_ids": diff_ids}}
        manifest = {
            "schemaVersion": 2, "mediaType": MEDIA_OCI_MANIFEST,
            "config": self.blob(json.dumps(config).encode(), MEDIA_OCI_CONFIG),
            "layers": [self.blob(gzip.compress(layer, mtime=0), MEDIA_LAYER_GZIP) for layer in layers],
        }
        return {**self.blob(json.dumps(manifest).encode(), MEDIA_OCI_MANIFEST),
                "platform": {"architecture": arch, "os": "linux"}}

    def index(self, manifests: list[dict]) -> dict:
        """An image index (multi-arch) naming ``manifests``; return its descriptor."""
        return self.blob(json.dumps({"schemaVersion": 2, "mediaType": MEDIA_OCI_INDEX, "manifests": manifests}).encode(),
                         MEDIA_OCI_INDEX)

    def tag(self, descriptor: dict, tag: str) -> None:
        index = json.loads((self.root / "index.json").read_text())
        plain = {k: v for k, v in descriptor.items() if k != "platform"}
        index["manifests"].append({**plain, "annotations": {"org.opencontainers.image.ref.name": tag}})
        (self.root / "index.json").write_text(json.dumps(index))


# -- the token server -----------------------------------------------------------
class TokenServer:
    """Issues registry tokens (JWT, ES256, certificate in ``x5c``) to anonymous users and to USER."""

    def __init__(self, workdir: Path) -> None:
        import jwt  # PyJWT and cryptography: test dependencies only
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        self._jwt = jwt
        self.key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ISSUER)])
        now = dt.datetime.now(dt.timezone.utc)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(self.key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(hours=1))
                .not_valid_after(now + dt.timedelta(days=1)).sign(self.key, hashes.SHA256()))
        self.cert_path = workdir / "token-cert.pem"
        self.cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        self.x5c = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.realm = f"http://127.0.0.1:{self.server.server_address[1]}/token"
        self.received: list[str] = []  # the Authorization header of every request ("" for none), to check who sent what
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def grant(self, account: str | None, scope: str) -> list[dict]:
        """Which actions ``account`` (None: anonymous) gets for ``scope`` ("repository:NAME:pull,push")."""
        kind, _, rest = scope.partition(":")
        name, _, actions = rest.rpartition(":")
        if kind != "repository" or not name:
            return []
        wanted = set(actions.split(","))
        allowed = {"pull", "push"} if account == USER else ({"pull"} if not name.startswith("private/") else set())
        return [{"type": "repository", "name": name, "actions": sorted(wanted & allowed)}]

    def token(self, account: str | None, scopes: list[str]) -> str:
        now = int(time.time())
        claims = {"iss": ISSUER, "sub": account or "", "aud": SERVICE, "iat": now, "nbf": now - 10, "exp": now + 300,
                  "jti": base64.b32encode(os.urandom(10)).decode(),
                  "access": [grant for scope in scopes for grant in self.grant(account, scope)]}
        return self._jwt.encode(claims, self.key, algorithm="ES256", headers={"x5c": [self.x5c]})

    def _handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                query = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
                account = None
                header = self.headers.get("Authorization", "")
                server.received.append(header)
                if header.startswith("Basic "):
                    user, _, password = base64.b64decode(header[6:]).decode().partition(":")
                    if (user, password) != (USER, PASSWORD):
                        self.send_error(401, "wrong user name or password")
                        return
                    account = user
                body = json.dumps({"token": server.token(account, query.get("scope", []))}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        return Handler

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


# -- the registry ---------------------------------------------------------------
class LocalRegistry:
    """distribution's registry (Debian: docker-registry) on 127.0.0.1, storage under ``workdir``; a context manager."""

    def __init__(self, workdir: Path, token: bool = False) -> None:
        self.workdir = workdir
        self.storage = workdir / "storage"
        self.token_server = TokenServer(workdir) if token else None
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def mirror_env(self) -> dict[str, str]:
        """Environment for `box` so that Docker Hub names (``busybox``) are pulled from here."""
        return {"BOX_REGISTRY_MIRROR": f"http://{self.host}"}

    def __enter__(self) -> "LocalRegistry":
        try:
            if self.token_server:
                self.token_server.start()
            self._start()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.token_server:
            self.token_server.stop()

    def _config(self) -> dict:
        config: dict = {
            "version": 0.1, "log": {"level": "error", "accesslog": {"disabled": True}},
            "storage": {"filesystem": {"rootdirectory": str(self.storage)}, "delete": {"enabled": True}},
            "http": {"addr": self.host, "secret": base64.b64encode(os.urandom(24)).decode()},
        }
        if self.token_server:
            config["auth"] = {"token": {"realm": self.token_server.realm, "service": SERVICE, "issuer": ISSUER,
                                        "rootcertbundle": str(self.token_server.cert_path)}}
        return config

    def _start(self) -> None:
        binary = shutil.which("docker-registry")
        if binary is None:
            raise FileNotFoundError("docker-registry not found; fix: sudo apt-get install docker-registry "
                                    "(or sudo scripts/provision)")
        self.port = free_port()
        config = self.workdir / "registry.yml"
        config.write_text(json.dumps(self._config()))  # JSON is YAML: the registry reads it as its config
        log = open(self.workdir / "registry.log", "wb")
        with log:
            self.process = subprocess.Popen([binary, "serve", str(config)], stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"docker-registry exited at start: {(self.workdir / 'registry.log').read_text()[-500:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"docker-registry did not listen on {self.host} within {START_TIMEOUT_S} s")

    # -- pushing -----------------------------------------------------------------
    def push(self, layout: OciLayout, tag: str, destination: str, *, multi_arch: bool = False,
             docker_format: bool = False, credentials: tuple[str, str] | None = None) -> None:
        """``skopeo copy oci:LAYOUT:TAG docker://HOST/DESTINATION`` (``--all`` keeps every platform of an index)."""
        if self.token_server and credentials is None:
            credentials = (USER, PASSWORD)
        command = ["skopeo", "--insecure-policy", "copy", "--quiet", "--dest-tls-verify=false",
                   *(["--all"] if multi_arch else []), *(["--format", "v2s2"] if docker_format else []),
                   *(["--dest-creds", ":".join(credentials)] if credentials else []),
                   f"oci:{layout.root}:{tag}", f"docker://{self.host}/{destination}"]
        result = subprocess.run(command, capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            raise RuntimeError(f"skopeo copy to {destination} failed: {result.stderr.strip()}")

    def push_layers(self, destination: str, layers: list[bytes], diff_ids: list[str] | None = None,
                    settings: dict | None = None, **kwargs: object) -> None:
        """Build a one-platform image of ``layers`` (uncompressed tars) and push it as ``destination``."""
        layout = OciLayout(Path(self._scratch()))
        layout.tag(layout.image(layers, diff_ids=diff_ids, settings=settings), "t")
        self.push(layout, "t", destination, **kwargs)  # type: ignore[arg-type]

    def push_busybox(self, rootfs: Path, destination: str = "library/busybox:latest") -> None:
        """The suite's one image (busybox-static + probe) as ``destination``: what `docker pull busybox` gets a class."""
        self.push_layers(destination, [tar_directory(rootfs)])

    def blob_data_path(self, digest: str) -> Path:
        """Where the registry keeps a blob's bytes (filesystem driver layout), e.g. to corrupt it on purpose."""
        hexa = digest.split(":", 1)[1]
        return self.storage / "docker/registry/v2/blobs/sha256" / hexa[:2] / hexa / "data"

    def _scratch(self) -> str:
        return tempfile.mkdtemp(prefix="layout-", dir=self.workdir)


def serve(workdir: Path, token: bool = False) -> Iterator[LocalRegistry]:
    """A fixture's body: skip with the fix where the tools are missing, else a started registry until the end."""
    from tests.envcheck import require_root, require_tool

    require_root()
    require_tool("docker-registry", "docker-registry")
    require_tool("skopeo", "skopeo")
    with LocalRegistry(workdir, token=token) as started:
        yield started
