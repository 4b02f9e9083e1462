"""Shared fixtures: a private state directory per test session, and leak checks.

Every integration test runs between two snapshots of what the suite could
leak (mounts, scratch trees, child processes); any difference fails the test,
as bocker's and crun's test harnesses do.
"""

from __future__ import annotations

import os
from pathlib import Path

import psutil
import pytest

from runtimes import Image, build_image
from tests.envcheck import require_root

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session", autouse=True)
def private_state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Point ISOBENCH_STATE at a fresh directory so leak checks see only our trees.

    The image cache stays shared (ISOBENCH_CACHE unset → /var/cache/isobench):
    it is a cache, and rebuilding it per test would only cost time.
    """
    state = tmp_path_factory.mktemp("state")
    os.environ["ISOBENCH_STATE"] = str(state)
    return state


def _mounts() -> set[str]:
    with open("/proc/self/mountinfo") as f:
        return {" ".join(line.split()[3:5]) for line in f}  # root and mount point


def _leftovers(state: Path) -> dict[str, set[str]]:
    scratch = state / "scratch"
    return {
        "mounts": _mounts(),
        "scratch trees": {p.name for p in scratch.iterdir()} if scratch.is_dir() else set(),
        "child processes": {f"{p.pid} {p.name()}" for p in psutil.Process().children(recursive=True)},
    }


@pytest.fixture
def no_leaks(private_state: Path):
    """Fail the test if it leaves a mount, a scratch tree or a process behind."""
    before = _leftovers(private_state)
    yield
    after = _leftovers(private_state)
    leaked = {kind: after[kind] - before[kind] for kind in after if after[kind] - before[kind]}
    assert not leaked, f"leaked: {leaked}"


@pytest.fixture(scope="session")
def image() -> Image:
    """The one image, built (or taken from the cache) once per test session."""
    require_root()
    return build_image()
