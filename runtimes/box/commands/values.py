"""Option values box checks before it makes anything, as docker checks them before it calls the daemon.

Each converter takes the text as typed and returns the value, or raises
``ValueError`` with the reason (options.py makes it docker's one line,
``invalid argument "1k" for "-m, --memory" flag: …``, exit 125).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable

MIN_MEMORY = 6 * 2**20  # Docker's floor: "Minimum memory limit allowed is 6MB"
MAX_MEMORY = 2**63 - 1  # what a cgroup's memory limit file can hold
_UNITS = {"": 1, "b": 1, "k": 2**10, "m": 2**20, "g": 2**30}
_NAME_FIRST = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_NAME_REST = _NAME_FIRST | frozenset("_.-")
_LABEL_REST = _NAME_FIRST | frozenset("-")


def memory(text: str) -> int:
    """'64m' → 67108864, with Docker's units (b, k, m, g; powers of 1024)."""
    digits, unit = text.strip(), ""
    if digits[-1:].lower() in _UNITS:
        digits, unit = digits[:-1], digits[-1].lower()
    if not (digits.isascii() and digits.isdigit()):
        raise ValueError("use a number with an optional unit b, k, m or g (e.g. 64m)")
    value = int(digits) * _UNITS[unit]
    if value < MIN_MEMORY:
        raise ValueError("the minimum memory limit is 6m")
    if value > MAX_MEMORY:
        raise ValueError("more than a cgroup can hold (at most 8589934591g)")
    return value


def volume(text: str) -> tuple[str, str, bool]:
    """HOST:CONTAINER[:ro|rw] → (host, target, read-only), both paths absolute, no '..' inside the container."""
    parts = text.split(":")
    if len(parts) not in (2, 3) or (len(parts) == 3 and parts[2] not in ("ro", "rw")):
        raise ValueError("use /host/path:/container/path[:ro]")
    host, target = parts[0], parts[1]
    # Checked here, before any pull, as Docker checks a mount spec before it contacts a registry.
    if not host.startswith("/") or not target.startswith("/"):
        raise ValueError("both paths must be absolute (-v /host/dir:/container/dir)")
    if ".." in target.split("/"):
        raise ValueError("'..' is not allowed in the container path")
    return host, target, len(parts) == 3 and parts[2] == "ro"


def container_name(text: str) -> str:
    """Docker's rule, [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 128 characters (container.NAME_RE, without re)."""
    if not (0 < len(text) <= 128 and text[0] in _NAME_FIRST and set(text) <= _NAME_REST):
        raise ValueError("invalid container name: only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed")
    return text


def hostname(text: str) -> str:
    """RFC 1123: dot-separated labels of letters, digits and '-', none starting or ending with '-'; up to 64."""
    labels = text.split(".")
    if len(text) > 64 or not all(0 < len(label) <= 63 and set(label) <= _LABEL_REST and label[0] != "-"
                                 and label[-1] != "-" for label in labels):
        raise ValueError("invalid hostname: letters, digits, '-' and '.' (RFC 1123), up to 64")
    return text


def cpus(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError("not a number of CPUs") from None
    if not (math.isfinite(value) and 0.01 <= value <= 1024):  # nan fails every comparison: refused too
        raise ValueError("a number of CPUs from 0.01 to 1024")
    return value


def int_range(low: int, high: int) -> Callable[[str], int]:
    def convert(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise ValueError("not a whole number") from None
        if not low <= value <= high:
            raise ValueError(f"from {low} to {high}")
        return value
    return convert


def env(text: str) -> str:
    if not text.partition("=")[0] or "=" not in text:
        raise ValueError("invalid environment variable: expected KEY=VALUE")
    return text


def security_opt(text: str) -> str:
    """The --security-opt box knows: seccomp=unconfined (or the default profile); checked by seccomp itself."""
    from runtimes.kernel import seccomp
    from runtimes.kernel.errors import SetupError

    try:
        seccomp.setting((text,))
    except SetupError as err:  # seccomp's own refusal, one line
        raise ValueError(str(err)) from None
    return text


def existing_path(text: str) -> str:
    if not os.path.exists(text):
        raise ValueError(f"path {text!r} does not exist")
    return text
