"""The store is root's only: another user of the host cannot reach a container's files (CVE-2021-41091).

A container runs as root inside; what it writes to its upper directory is
owned by root on the host too, setuid bit and all. Were the store's
directories open to every user, any user could run such a file from the
host and be root. The tests play that user with setpriv(1), from a store
under a world-traversable directory (the suite's own state is under
pytest's private /tmp/pytest-of-root, which would hide the problem).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from runtimes import Image
from tests.conftest import REPO
from tests.envcheck import require_runtime, require_tool

# setpriv(1) keeps its capabilities until its own execve: a shell started under it runs the
# command with none, as a user's own shell would.
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--", "/bin/sh", "-c", 'exec "$@"', "sh"]


@pytest.fixture
def store(image: Image) -> Iterator[Path]:
    """A store of its own with the suite's image as busybox:latest, in a directory every user may traverse."""
    require_runtime("box")
    require_tool("setpriv", "util-linux")
    top = Path(tempfile.mkdtemp(prefix="box-store-", dir="/var/tmp"))
    top.chmod(0o755)
    root = top / "box"
    try:
        imported = box(root, "import", str(image.rootfs), "busybox:latest")
        assert imported.returncode == 0, imported.stderr
        yield root
    finally:
        box(root, "rm", "-f", "attacker")
        shutil.rmtree(top, ignore_errors=True)


def box(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "runtimes.box", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(REPO), "BOX_ROOT": str(root)})


def as_nobody(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*NOBODY, *argv], capture_output=True, text=True, timeout=30)


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_a_host_user_cannot_reach_a_setuid_file_a_container_wrote(store: Path) -> None:
    # The container copies its busybox and makes it setuid root, as a hostile image or workload could.
    started = box(store, "run", "-d", "--name", "attacker", "busybox", "sh", "-c",
                  "mkdir /x && cp /bin/busybox /x/busybox && chmod 4755 /x/busybox && touch /ready && exec sleep 60")
    assert started.returncode == 0, started.stderr
    upper = store / "containers" / started.stdout.strip() / "upper"
    deadline = time.monotonic() + 20
    while not (upper / "ready").exists():
        assert time.monotonic() < deadline, "the container never wrote its file"
        time.sleep(0.05)
    attack = as_nobody(str(upper / "x/busybox"), "id", "-u")
    assert attack.stdout.strip() != "0", "a host user became root through a container's setuid file"
    assert attack.returncode != 0 and "Permission denied" in attack.stderr, attack
    for directory in (store, store / "containers", store / "layers"):
        listing = as_nobody("/bin/ls", str(directory))
        assert listing.returncode != 0 and "Permission denied" in listing.stderr, (directory, listing)
    as_root = box(store, "exec", "attacker", "cat", "/ready")
    assert as_root.returncode == 0, as_root.stderr  # box itself, as root, works as before


def test_a_store_made_by_an_older_box_is_closed_on_first_use(store: Path) -> None:
    for directory in (store, store / "containers", store / "layers"):
        directory.chmod(0o755)  # what the previous version left
    assert box(store, "images").returncode == 0
    assert {str(d): oct(mode(d)) for d in (store, store / "containers", store / "layers")} == {
        str(d): "0o700" for d in (store, store / "containers", store / "layers")}
    ran = box(store, "run", "--rm", "busybox", "echo", "still works")
    assert (ran.returncode, ran.stdout) == (0, "still works\n"), ran.stderr
