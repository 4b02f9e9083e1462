"""The README's two commands work as written, in a root shell without sudo and from a user account.

Debian's root has no sudo, so `sudo make test` fails there; a user account
needs root for namespaces and libvirt. The Makefile decides: as root the
commands run as they are, from a user account each goes through sudo.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.envcheck import require_root

ROOT = Path(__file__).resolve().parents[2]


def _first_commands() -> list[str]:
    block = re.search(r"```sh\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    assert block, "README.md has no sh block"
    return [line.split("#")[0].strip() for line in block.group(1).splitlines() if line.strip()]


def test_the_readme_starts_with_the_two_commands():
    assert _first_commands() == ["make bench", "make test"]


@pytest.mark.parametrize("target", ["bench", "test"])
def test_as_root_they_run_without_sudo(target):
    require_root()
    planned = subprocess.run(["make", "-n", "-C", str(ROOT), target], capture_output=True, text=True, check=True).stdout
    assert "./scripts/provision" in planned
    assert "sudo" not in planned


@pytest.mark.parametrize("target", ["bench", "test"])
def test_from_a_user_account_they_go_through_sudo(target):
    require_root()  # to become another user
    # A copy the user can read: the clone itself may sit in root's home, pytest's tmp_path is root's only.
    with tempfile.TemporaryDirectory() as copy:
        os.chmod(copy, 0o755)
        (Path(copy) / "Makefile").write_text((ROOT / "Makefile").read_text())
        planned = subprocess.run(["su", "nobody", "-s", "/bin/sh", "-c", f"make -s -n --no-print-directory -C {copy} {target}"],
                                 capture_output=True, text=True, check=True).stdout
    commands = [line for line in planned.splitlines() if line.strip()]
    assert commands and all(line.startswith("sudo ") for line in commands), planned
