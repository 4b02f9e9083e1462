"""Every environment check the tests make, in one place, each with its fix.

A test that needs something calls ``require_*`` and is skipped with the exact
reason and the command that fixes it, never passed silently.
"""

from __future__ import annotations

import os
import shutil

import pytest

from runtimes import get_runtime

PROVISION = "sudo scripts/provision"


def require_root() -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root (namespaces, chroot, mounts); run the tests as root: sudo make test")


def require_runtime(name: str) -> None:
    availability = get_runtime(name).available()
    if not availability.ok:
        pytest.skip(f"runtime {name} unavailable: {availability.reason}; fix: {availability.fix}")


def require_tool(tool: str, package: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} not found; fix: sudo apt-get install {package} (or {PROVISION})")
    return path
