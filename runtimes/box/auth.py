"""Who box is to a registry: credentials, and the challenge a registry answers 401 with.

Credentials come, first found wins, from

1. ``BOX_REGISTRY_USER`` and ``BOX_REGISTRY_PASSWORD`` in the environment,
   for the one registry ``BOX_REGISTRY_HOST`` names (``127.0.0.1:5000``,
   ``docker.io``), as ``docker login HOST`` credentials are for HOST only:
   an image name chosen by someone else must not get them sent elsewhere;
2. a Docker-style config file: ``$DOCKER_CONFIG/config.json``, else
   ``~/.docker/config.json``, or the containers' ``$REGISTRY_AUTH_FILE``
   (same format): ``{"auths": {"host:port": {"auth": base64("user:password")}}}``.

A registry tells the client how to authenticate in its ``WWW-Authenticate``
header (RFC 7235): ``Bearer realm="…",service="…",scope="…"`` sends it to a
token server first (distribution's docs/spec/auth/token.md), ``Basic``
wants the credentials on every request.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import os
import re
from pathlib import Path

from runtimes.box.errors import BoxError

DOCKER_HUB_CONFIG_KEY = "index.docker.io"  # config files name Docker Hub "https://index.docker.io/v1/"
ENV_USER, ENV_PASSWORD, ENV_HOST = "BOX_REGISTRY_USER", "BOX_REGISTRY_PASSWORD", "BOX_REGISTRY_HOST"
_PARAM_RE = re.compile(r'(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))')


@dataclasses.dataclass(frozen=True)
class Credentials:
    username: str
    password: str
    source: str  # where they came from, for error messages


@dataclasses.dataclass(frozen=True)
class Challenge:
    """A parsed ``WWW-Authenticate`` header."""

    scheme: str                          # "bearer" or "basic", lower-case
    params: dict[str, str]

    @property
    def realm(self) -> str:
        return self.params.get("realm", "")


def parse_challenge(header: str) -> Challenge:
    """``Bearer realm="https://auth/token",service="reg"`` → Challenge("bearer", {...})."""
    scheme, _, rest = header.strip().partition(" ")
    params = {m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3)
              for m in _PARAM_RE.finditer(rest)}
    return Challenge(scheme.lower(), {k: v.replace('\\"', '"') for k, v in params.items()})


def config_files() -> list[Path]:
    """The config files searched, in order."""
    docker_dir = Path(os.environ["DOCKER_CONFIG"]) if "DOCKER_CONFIG" in os.environ else Path.home() / ".docker"
    files = [docker_dir / "config.json"]
    if "REGISTRY_AUTH_FILE" in os.environ:
        files.append(Path(os.environ["REGISTRY_AUTH_FILE"]))
    return files


def find_credentials(registry: str) -> Credentials | None:
    """Credentials for ``registry`` (as written in references: "docker.io", "host:5000"), if any."""
    from_env = _from_environment(registry)
    if from_env:
        return from_env
    wanted = DOCKER_HUB_CONFIG_KEY if registry == "docker.io" else registry
    for path in config_files():
        found = _from_config(path, wanted)
        if found:
            return found
    return None


def _from_environment(registry: str) -> Credentials | None:
    user, password = os.environ.get(ENV_USER), os.environ.get(ENV_PASSWORD)
    if not user or password is None:
        return None
    host = os.environ.get(ENV_HOST, "").strip()
    if not host:
        raise BoxError(f"registry credentials: {ENV_USER} is set but not {ENV_HOST}; set {ENV_HOST} to the registry "
                       f"they are for (e.g. {ENV_HOST}=127.0.0.1:5000), so that they are never sent to another")
    if _same_registry(_config_host(host), registry):
        return Credentials(user, password, f"{ENV_USER}/{ENV_PASSWORD} for {host}")
    return None


def _same_registry(a: str, b: str) -> bool:
    """Host names compare without case; Docker Hub answers to several names."""
    hub = {"docker.io", DOCKER_HUB_CONFIG_KEY, "registry-1.docker.io"}
    return a.lower() == b.lower() or (a.lower() in hub and b.lower() in hub)


def _from_config(path: Path, registry: str) -> Credentials | None:
    if not path.is_file():
        return None
    try:
        auths = json.loads(path.read_text()).get("auths", {})
    except (OSError, json.JSONDecodeError, AttributeError) as err:
        raise BoxError(f"registry credentials: {path} is not a Docker config file ({err}); fix or move it") from None
    for key, entry in auths.items():
        if _config_host(key) != registry or not isinstance(entry, dict):
            continue
        if "auth" in entry:
            try:
                user, _, password = base64.b64decode(entry["auth"]).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                raise BoxError(f"registry credentials: {path}: the 'auth' of {key!r} is not base64 of user:password") from None
            return Credentials(user, password, str(path))
        if "username" in entry:
            return Credentials(entry["username"], entry.get("password", ""), str(path))
    return None


def _config_host(key: str) -> str:
    """"https://index.docker.io/v1/" → "index.docker.io"; "host:5000" stays."""
    return key.split("://", 1)[-1].split("/", 1)[0]
