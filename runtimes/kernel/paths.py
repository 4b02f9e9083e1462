"""Where isobench keeps files on the host, each overridable for tests.

- cache (``$ISOBENCH_CACHE``, /var/cache/isobench): built images; safe to delete.
- state (``$ISOBENCH_STATE``, /var/lib/isobench): per-run working trees that
  exist only while instances run; anything left here after a run is a leak.
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    return Path(os.environ.get("ISOBENCH_CACHE", "/var/cache/isobench"))


def state_dir() -> Path:
    return Path(os.environ.get("ISOBENCH_STATE", "/var/lib/isobench"))


def scratch_root() -> Path:
    """Parent of every per-instance and per-runtime working tree."""
    path = state_dir() / "scratch"
    path.mkdir(parents=True, exist_ok=True)
    return path
