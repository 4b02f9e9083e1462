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
    os.environ["BOX_ROOT"] = str(state / "box")
    return state


def _mounts() -> set[str]:
    with open("/proc/self/mountinfo") as f:
        return {" ".join(line.split()[3:5]) for line in f}  # root and mount point


def _entries(directory: Path) -> set[str]:
    return {str(p) for p in directory.iterdir()} if directory.is_dir() else set()


def _box_cgroups() -> set[str]:
    """Every group box made, in any hierarchy (v1: one per controller; v2: one tree)."""
    found: set[str] = set()
    for parent in [*Path("/sys/fs/cgroup").glob("*/box"), Path("/sys/fs/cgroup/box")]:
        found |= {str(p) for p in parent.iterdir() if p.is_dir()} if parent.is_dir() else set()
    return found


def _leftovers(state: Path) -> dict[str, set[str]]:
    return {
        "mounts": _mounts(),
        "scratch trees": _entries(state / "scratch"),
        "box containers": _entries(state / "box" / "containers"),
        "cgroups": _box_cgroups(),
        "network namespaces": _entries(Path("/run/netns")),
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
