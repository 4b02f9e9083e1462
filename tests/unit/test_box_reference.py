"""box's image references, registry challenges and credentials: Docker's rules, no network needed."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from runtimes.box import auth, reference
from runtimes.box.errors import BoxError
from runtimes.box.pull import endpoint
from runtimes.box.registry import uses_plain_http


@pytest.mark.parametrize("text, domain, path, tag, digest, key", [
    ("busybox", "docker.io", "library/busybox", None, None, "busybox:latest"),
    ("busybox:1.36", "docker.io", "library/busybox", "1.36", None, "busybox:1.36"),
    ("library/busybox", "docker.io", "library/busybox", None, None, "busybox:latest"),
    ("docker.io/library/busybox:latest", "docker.io", "library/busybox", "latest", None, "busybox:latest"),
    ("index.docker.io/library/busybox", "docker.io", "library/busybox", None, None, "busybox:latest"),
    ("bitnami/redis:7", "docker.io", "bitnami/redis", "7", None, "bitnami/redis:7"),
    ("localhost/app", "localhost", "app", None, None, "localhost/app:latest"),
    ("127.0.0.1:5000/team/app:v1.0-rc_2", "127.0.0.1:5000", "team/app", "v1.0-rc_2", None,
     "127.0.0.1:5000/team/app:v1.0-rc_2"),
    ("ghcr.io/owner/tool", "ghcr.io", "owner/tool", None, None, "ghcr.io/owner/tool:latest"),
    ("busybox@sha256:" + "a" * 64, "docker.io", "library/busybox", None, "sha256:" + "a" * 64,
     "busybox@sha256:" + "a" * 64),
    ("host:5000/app:1@sha256:" + "b" * 64, "host:5000", "app", "1", "sha256:" + "b" * 64,
     "host:5000/app@sha256:" + "b" * 64),
])
def test_parses_references_as_docker_does(text: str, domain: str, path: str, tag: str | None, digest: str | None,
                                          key: str) -> None:
    parsed = reference.parse(text)
    assert (parsed.domain, parsed.path, parsed.tag, parsed.digest, parsed.store_key) == (domain, path, tag, digest, key)


def test_docker_hub_is_asked_at_its_api_host_and_printed_in_full() -> None:
    parsed = reference.parse("busybox")
    assert parsed.api_host == "registry-1.docker.io"
    assert parsed.canonical == "docker.io/library/busybox:latest"
    assert reference.parse("127.0.0.1:5000/app").api_host == "127.0.0.1:5000"


@pytest.mark.parametrize("text, why", [
    ("Busybox", "must be lowercase"),
    ("busybox:", "tag ''"),
    ("busybox:-x", "tag '-x'"),
    ("busybox@sha256:abc", "digest"),
    ("bad__-name", "bad character"),
    ("host:port/app", "not a host name"),
    ("", "bad character"),
    ("a/" * 130 + "b", "longer than 255"),
])
def test_refuses_bad_references_in_one_line(text: str, why: str) -> None:
    with pytest.raises(BoxError) as err:
        reference.parse(text)
    message = str(err.value)
    assert message.startswith(f'invalid reference format: "{text}"') and why in message and "\n" not in message


def test_parses_bearer_and_basic_challenges() -> None:
    bearer = auth.parse_challenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",'
                                  'scope="repository:library/busybox:pull"')
    assert bearer.scheme == "bearer" and bearer.realm == "https://auth.docker.io/token"
    assert bearer.params["scope"] == "repository:library/busybox:pull"
    basic = auth.parse_challenge('Basic realm="Registry Realm"')
    assert (basic.scheme, basic.realm) == ("basic", "Registry Realm")


def test_finds_credentials_in_the_environment_first_then_the_docker_config(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("BOX_REGISTRY_USER", "BOX_REGISTRY_PASSWORD", "REGISTRY_AUTH_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    (tmp_path / "config.json").write_text(json.dumps({"auths": {
        "https://index.docker.io/v1/": {"auth": base64.b64encode(b"hub-user:hub:pass").decode()},
        "127.0.0.1:5000": {"auth": base64.b64encode(b"local:secret").decode()},
    }}))
    hub = auth.find_credentials("docker.io")
    assert hub is not None and (hub.username, hub.password) == ("hub-user", "hub:pass")
    local = auth.find_credentials("127.0.0.1:5000")
    assert local is not None and (local.username, local.password, local.source) == ("local", "secret",
                                                                                   str(tmp_path / "config.json"))
    assert auth.find_credentials("elsewhere.example:443") is None
    monkeypatch.setenv("BOX_REGISTRY_USER", "env-user")
    monkeypatch.setenv("BOX_REGISTRY_PASSWORD", "env-pass")
    monkeypatch.setenv("BOX_REGISTRY_HOST", "127.0.0.1:5000")
    from_env = auth.find_credentials("127.0.0.1:5000")
    assert from_env is not None and (from_env.username, from_env.password) == ("env-user", "env-pass")
    assert auth.find_credentials("elsewhere.example:443") is None, "for the registry they name only"
    assert auth.find_credentials("docker.io") == hub, "the config file's, not the environment's"
    monkeypatch.delenv("BOX_REGISTRY_HOST")
    with pytest.raises(BoxError, match=r"BOX_REGISTRY_USER is set but not BOX_REGISTRY_HOST"):
        auth.find_credentials("127.0.0.1:5000")


def test_a_broken_config_file_is_one_clear_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BOX_REGISTRY_USER", raising=False)
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(BoxError, match=r"config.json is not a Docker config file"):
        auth.find_credentials("docker.io")


def test_loopback_and_listed_registries_use_plain_http(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOX_INSECURE_REGISTRIES", "lab.example:5000")
    assert uses_plain_http("127.0.0.1:5000") and uses_plain_http("localhost:5000") and uses_plain_http("[::1]:5000")
    assert uses_plain_http("lab.example:5000")
    assert not uses_plain_http("registry-1.docker.io") and not uses_plain_http("lab.example:5001")


def test_a_mirror_serves_docker_hub_names_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOX_REGISTRY_MIRROR", "http://127.0.0.1:5000/")
    assert endpoint(reference.parse("busybox")) == ("127.0.0.1:5000", "http")
    assert endpoint(reference.parse("ghcr.io/owner/tool")) == ("ghcr.io", None)
    monkeypatch.delenv("BOX_REGISTRY_MIRROR")
    assert endpoint(reference.parse("busybox")) == ("registry-1.docker.io", None)
