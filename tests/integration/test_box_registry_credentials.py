"""Registry credentials go to the registry they were given for, and to its token server, nowhere else.

The registry is the real one with token authentication (tests/registry.py).
In front of it the tests put a small HTTP server of their own (``Front``)
that passes every request through but can do what big registries do — send
blob downloads to another host (a CDN) — or what a hostile one could do —
name a token server off loopback in plain HTTP. Servers on other ports of
127.0.0.1 record every ``Authorization`` header they receive; nothing leaves
this host.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import http.server
import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.envcheck import require_root, require_tool
from tests.registry import PASSWORD, USER, LocalRegistry, entry, tar_layer

Handler = Callable[[http.server.BaseHTTPRequestHandler], bool]  # True: answered; False: pass it on


class Server:
    """A threaded HTTP server on 127.0.0.1 that records each request's Authorization header."""

    def __init__(self, answer: Handler) -> None:
        recorded = self.received = []  # type: list[tuple[str, str]]  # (path, Authorization or "")

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                recorded.append((self.path, self.headers.get("Authorization", "")))
                answer(self)

            do_HEAD = do_GET

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "Server":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def credentials_seen(self) -> list[str]:
        return [header for _, header in self.received if header]


def reply(handler: http.server.BaseHTTPRequestHandler, status: int, body: bytes = b"",
          headers: dict[str, str] | None = None) -> None:
    handler.send_response(status)
    for name, value in {"Content-Length": str(len(body)), **(headers or {})}.items():
        handler.send_header(name, value)
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(body)


def forward(registry: LocalRegistry, handler: http.server.BaseHTTPRequestHandler,
            rewrite_realm: str | None = None) -> None:
    """Pass one request to the real registry and its answer back (the realm swapped if asked)."""
    connection = http.client.HTTPConnection("127.0.0.1", registry.port, timeout=30)
    try:
        headers = {k: v for k, v in handler.headers.items() if k.lower() != "host"}
        connection.request(handler.command, handler.path, headers=headers)
        answer = connection.getresponse()
        body = answer.read()
        sent = {k: v for k, v in answer.getheaders() if k.lower() not in ("content-length", "transfer-encoding",
                                                                           "connection")}
        for name in [n for n in sent if rewrite_realm and n.lower() == "www-authenticate"]:
            sent[name] = re.sub(r'realm="[^"]*"', f'realm="{rewrite_realm}"', sent[name])
        reply(handler, answer.status, body, sent)
    finally:
        connection.close()


@pytest.fixture(scope="module")
def token_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalRegistry]:
    require_root()
    require_tool("docker-registry", "docker-registry")
    require_tool("skopeo", "skopeo")
    with LocalRegistry(tmp_path_factory.mktemp("credentials-registry"), token=True) as started:
        started.push_layers("private/app:latest", [tar_layer([entry("secret", data=b"private layer\n")])])
        started.push_layers("public/app:latest", [tar_layer([entry("public", data=b"public layer\n")])])
        yield started


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return tmp_path / "store"


def pull(name: str, store: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`box pull` into a store of this test's own (so nothing is shared with other tests)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("BOX_REGISTRY", "DOCKER_CONFIG"))}
    return subprocess.run([sys.executable, "-m", "runtimes.box", "pull", "-q", name], capture_output=True, text=True,
                          timeout=60, env={**clean, "PYTHONPATH": str(REPO), "BOX_ROOT": str(store),
                                           "DOCKER_CONFIG": str(store.parent / "no-docker-config"), **env})


def login(host: str) -> dict[str, str]:
    """Credentials for ``host`` only, as `docker login HOST` gives them."""
    return {"BOX_REGISTRY_USER": USER, "BOX_REGISTRY_PASSWORD": PASSWORD, "BOX_REGISTRY_HOST": host}


def blob_digest(path: str) -> str | None:
    match = re.search(r"/blobs/(sha256:[0-9a-f]{64})$", path.split("?")[0])
    return match.group(1) if match else None


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


@contextlib.contextmanager
def front_redirecting_blobs_to(registry: LocalRegistry, cdn: Server) -> Iterator[Server]:
    """The registry, except that every blob download is a 307 to ``cdn``, as Docker Hub sends it to its CDN."""
    def answer(handler: http.server.BaseHTTPRequestHandler) -> None:
        if blob_digest(handler.path) and handler.headers.get("Authorization"):
            reply(handler, 307, headers={"Location": f"http://{cdn.host}{handler.path}"})
        else:
            forward(registry, handler)

    with Server(answer) as front:
        yield front


def test_a_blob_redirect_to_another_host_carries_no_credentials(token_registry: LocalRegistry, store: Path) -> None:
    def serve_blob(handler: http.server.BaseHTTPRequestHandler) -> None:
        reply(handler, 200, token_registry.blob_data_path(blob_digest(handler.path) or "sha256:").read_bytes())

    with Server(serve_blob) as cdn, front_redirecting_blobs_to(token_registry, cdn) as front:
        pulled = pull(f"{front.host}/private/app", store, login(front.host))
    assert pulled.returncode == 0, pulled.stderr
    assert [h for _, h in front.received if h.startswith("Bearer ")], "the registry itself got the token"
    assert len(cdn.received) >= 2, "config and layer came from the CDN"
    assert cdn.credentials_seen() == [], "the registry's token went to the CDN"


def test_a_challenge_from_blob_storage_gets_no_credentials(token_registry: LocalRegistry, store: Path) -> None:
    with Server(lambda h: reply(h, 200, json.dumps({"token": "stolen"}).encode())) as thief:
        def challenge(handler: http.server.BaseHTTPRequestHandler) -> None:
            reply(handler, 401, headers={"WWW-Authenticate": f'Bearer realm="http://{thief.host}/token",service="cdn"'})

        with Server(challenge) as cdn, front_redirecting_blobs_to(token_registry, cdn) as front:
            refused = pull(f"{front.host}/private/app", store, login(front.host))
    assert thief.received == [], "box asked a token server the CDN named, with the password"
    assert refused.returncode == 1
    assert f"{cdn.host}, which asks for credentials; refused" in one_line(refused)
    assert cdn.credentials_seen() == []


def test_credentials_for_one_registry_never_reach_another(token_registry: LocalRegistry, store: Path) -> None:
    elsewhere = "127.0.0.1:1"  # the registry the user logged in to: not the one an image name points at
    config = store.parent / "docker"
    config.mkdir()
    auth = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    (config / "config.json").write_text(json.dumps({"auths": {elsewhere: {"auth": auth}}}))
    seen_before = len(token_registry.token_server.received)
    pulled = pull(f"{token_registry.host}/public/app", store, {**login(elsewhere), "DOCKER_CONFIG": str(config)})
    assert pulled.returncode == 0, pulled.stderr  # anonymously: public/app needs no login
    sent = token_registry.token_server.received[seen_before:]
    assert sent and not [h for h in sent if h], f"credentials for {elsewhere} went to {token_registry.host}'s realm"
    unscoped = pull(f"{token_registry.host}/public/app", store, {"BOX_REGISTRY_USER": USER, "BOX_REGISTRY_PASSWORD": "x"})
    assert unscoped.returncode == 1 and "set BOX_REGISTRY_HOST to the registry they are for" in one_line(unscoped)


def test_a_password_never_goes_in_the_clear_off_loopback(token_registry: LocalRegistry, store: Path) -> None:
    # 0.0.0.0 is not a loopback address, so a realm there counts as another host; yet Linux
    # delivers a connection to it locally (to the token server here), so a leak would be recorded.
    token_port = token_registry.token_server.server.server_address[1]
    off_loopback = f"http://0.0.0.0:{token_port}/token"
    seen_before = len(token_registry.token_server.received)
    with Server(lambda h: forward(token_registry, h, rewrite_realm=off_loopback)) as front:
        refused = pull(f"{front.host}/private/app", store, login(front.host))
    sent = token_registry.token_server.received[seen_before:]
    assert not [h for h in sent if h.startswith("Basic ")], "the password went over plain HTTP off loopback"
    assert refused.returncode == 1, "pulled: the front did not swap the registry's realm"
    assert f"wants the password sent to {off_loopback} in the clear; refused" in one_line(refused)
