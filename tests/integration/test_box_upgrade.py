"""A store made by the previous release of box still works with this one.

The previous release's own code (taken from git at the commit below, not
imitated) imports an image and makes containers — one created, one running
— in a store; this version then lists, starts, stops, runs and removes them,
as a teacher who upgrades isobench between two classes would.
"""

from __future__ import annotations

import os
import subprocess
import io
import sys
import tarfile
import time
from pathlib import Path

import pytest

from runtimes import Image
from tests.envcheck import require_runtime

REPO = Path(__file__).resolve().parents[2]
PREVIOUS_RELEASE = "1bbe706"  # the last commit before box's hardening (issue 15)


@pytest.fixture(scope="module")
def previous_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The previous release's source tree (runtimes/ and bench/), unpacked from git."""
    archive = subprocess.run(["git", "-C", str(REPO), "archive", PREVIOUS_RELEASE, "runtimes", "bench"],
                             capture_output=True)
    if archive.returncode != 0:
        pytest.skip(f"git cannot give the previous release {PREVIOUS_RELEASE} here (a shallow clone?): "
                    f"{archive.stderr.decode().strip()}; fix: git fetch --unshallow")
    tree = tmp_path_factory.mktemp("previous-release")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as files:
        files.extractall(tree)  # our own repository's archive
    return tree


def box(code: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`box ARGS` run by the code in ``code`` on this test session's store."""
    return subprocess.run([sys.executable, "-m", "runtimes.box", *args], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(code)}, stdin=subprocess.DEVNULL)


def test_images_and_containers_of_the_previous_release_still_work(previous_release: Path, image: Image) -> None:
    require_runtime("box")
    old, new = previous_release, REPO
    assert box(old, "import", str(image.rootfs), "upgrade/old:1").returncode == 0
    exited = box(old, "run", "-d", "--name", "exited-before", "upgrade/old:1", "echo", "from the previous release")
    assert exited.returncode == 0, exited.stderr
    running = box(old, "run", "-d", "--name", "running-before", "upgrade/old:1", "sleep", "60")
    assert running.returncode == 0, running.stderr
    try:
        assert "upgrade/old" in box(new, "images").stdout
        listed = box(new, "ps", "-a").stdout
        assert "exited-before" in listed and "running-before" in listed
        assert "running-before" in box(new, "ps").stdout          # still running, under the old box-init
        deadline = time.monotonic() + 10
        while "Exited (0)" not in box(new, "ps", "-a", "-f", "name=exited-before").stdout:
            assert time.monotonic() < deadline, box(new, "ps", "-a").stdout
            time.sleep(0.1)
        assert box(new, "logs", "exited-before").stdout == "from the previous release\n"
        joined = box(new, "exec", "running-before", "echo", "joined by the new release")
        assert (joined.returncode, joined.stdout) == (0, "joined by the new release\n"), joined.stderr
        assert box(new, "stop", "-t", "1", "running-before").returncode == 0
        assert "running-before" not in box(new, "ps").stdout
        fresh = box(new, "run", "--rm", "upgrade/old:1", "echo", "a new container of an old image")
        assert (fresh.returncode, fresh.stdout) == (0, "a new container of an old image\n"), fresh.stderr
    finally:
        removed = box(new, "rm", "-f", "exited-before", "running-before")
        untagged = box(new, "rmi", "upgrade/old:1")
    assert removed.returncode == 0, removed.stderr
    assert untagged.returncode == 0, untagged.stderr
    assert "exited-before" not in box(new, "ps", "-a").stdout
