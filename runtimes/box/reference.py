"""Image references as Docker reads them: ``busybox``, ``host:5000/team/app:1.0``, ``app@sha256:…``.

The grammar is the one of distribution's ``reference`` package (reference.go):

    reference := name [ ":" tag ] [ "@" digest ]
    name      := [ domain "/" ] path-component { "/" path-component }
    domain    := host-component { "." host-component } [ ":" port ]

and Docker's normalisation on top of it (normalize.go): a first component
is a registry only if it has a "." or a ":" or is "localhost"; without one
the image lives on Docker Hub (``docker.io``), and a one-word name lives in
its ``library/`` namespace. ``busybox`` therefore means
``docker.io/library/busybox:latest``, whose API is served by
``registry-1.docker.io``.
"""

from __future__ import annotations

import dataclasses
import functools
import re

from runtimes.box.errors import BoxError

DOCKER_HUB = "docker.io"
DOCKER_HUB_API = "registry-1.docker.io"  # where docker.io's distribution API answers
DEFAULT_TAG = "latest"

_LABEL = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = rf"{_LABEL}(?:\.{_LABEL})*(?::[0-9]+)?"
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
NAME_MAX = 255


@functools.cache
def _patterns() -> dict[str, re.Pattern[str]]:
    """Compiled on first parse, not at import: `box run` of a local image by its stored name never needs them."""
    return {"path": re.compile(rf"^{_COMPONENT}(?:/{_COMPONENT})*$"), "domain": re.compile(rf"^{_DOMAIN}$"),
            "tag": re.compile(r"^[\w][\w.-]{0,127}$"), "digest": re.compile(r"^sha256:[0-9a-f]{64}$")}


@dataclasses.dataclass(frozen=True)
class Reference:
    """A parsed, normalised reference: where the image lives and which version of it."""

    domain: str                # "docker.io", "127.0.0.1:5000"
    path: str                  # "library/busybox"
    tag: str | None = None     # "latest"
    digest: str | None = None  # "sha256:…" (wins over the tag when both are given, as in Docker)

    @property
    def familiar_name(self) -> str:
        """The short name Docker prints: ``busybox``, ``team/app``, ``host:5000/app``."""
        if self.domain != DOCKER_HUB:
            return f"{self.domain}/{self.path}"
        return self.path.removeprefix("library/") if self.path.count("/") == 1 else self.path

    @property
    def api_host(self) -> str:
        return DOCKER_HUB_API if self.domain == DOCKER_HUB else self.domain

    @property
    def version(self) -> str:
        """What to ask the registry for: the digest if there is one, else the tag."""
        return self.digest or self.tag or DEFAULT_TAG

    @property
    def store_key(self) -> str:
        """How box's store names it: ``busybox:latest`` or ``busybox@sha256:…``."""
        if self.digest:
            return f"{self.familiar_name}@{self.digest}"
        return f"{self.familiar_name}:{self.tag or DEFAULT_TAG}"

    @property
    def canonical(self) -> str:
        """The fully qualified form Docker prints last after a pull: ``docker.io/library/busybox:latest``."""
        return f"{self.domain}/{self.path}" + (f"@{self.digest}" if self.digest else f":{self.tag or DEFAULT_TAG}")

    def __str__(self) -> str:
        return self.store_key


def parse(text: str) -> Reference:
    """Parse and normalise ``text``; a bad reference is a one-line BoxError naming what is wrong."""
    patterns = _patterns()
    remainder, digest = text, None
    if "@" in text:
        remainder, digest = text.split("@", 1)
        if not patterns["digest"].match(digest):
            _invalid(text, f"digest {digest!r} is not sha256: followed by 64 lower-case hex digits")
    name, tag = remainder, None
    colon, slash = remainder.rfind(":"), remainder.rfind("/")
    if colon > slash:
        name, tag = remainder[:colon], remainder[colon + 1:]
        if not patterns["tag"].match(tag):
            _invalid(text, f"tag {tag!r} must be letters, digits, '_', '.', '-' (at most 128, not starting with '.' or '-')")
    domain, path = _split_domain(name)
    if not patterns["domain"].match(domain):
        _invalid(text, f"registry {domain!r} is not a host name")
    if not patterns["path"].match(path):
        why = "repository name must be lowercase" if path.lower() != path else "repository name has a bad character or separator"
        _invalid(text, why)
    if len(f"{domain}/{path}") > NAME_MAX:
        _invalid(text, f"repository name must not be longer than {NAME_MAX} characters")
    return Reference(domain, path, tag, digest)


def _split_domain(name: str) -> tuple[str, str]:
    """Docker's splitDockerDomain: is the first component a registry, or part of a Hub name?"""
    first, slash, rest = name.partition("/")
    if not slash or ("." not in first and ":" not in first and first != "localhost" and first.lower() == first):
        domain, path = DOCKER_HUB, name
    else:
        domain, path = first, rest
    if domain == "index.docker.io":
        domain = DOCKER_HUB
    if domain == DOCKER_HUB and "/" not in path:
        path = f"library/{path}"
    return domain, path


def _invalid(text: str, why: str) -> None:
    raise BoxError(f'invalid reference format: "{text}": {why} (expected NAME[:TAG|@DIGEST], e.g. busybox:latest)')
