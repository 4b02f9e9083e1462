"""The short part of `make classroom`, in every `make test`: systemd as PID 1, cgroup v2, a real run.

The classroom VM boots systemd on the unified cgroup v2 hierarchy; this
host has neither. The guest of tests/v2guest/guest.py boots with systemd as
PID 1 on this host's own files (read-only, under a tmpfs overlay), and runs
tests/v2guest/classroom_checks.py: `bench run startup --quick` with the
fastest runtimes, then the store read back and rendered again. The whole
check (a Debian 12 image built and provisioned, every container runtime,
the walkthrough) is `make classroom`, too long for every CI run.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator

import pytest

from tests.conftest import REPO
from tests.v2guest.guest import checks_in_guest


@pytest.fixture(scope="module")
def guest_lines() -> Iterator[list[str]]:
    # A file of the host's /tmp, which the guest's boot must leave alone (Debian's tmpfiles.d empties /tmp).
    with tempfile.NamedTemporaryFile(dir="/tmp", prefix="isobench-kept-") as kept:
        command = f"{REPO}/.venv/bin/python {REPO}/tests/v2guest/classroom_checks.py {kept.name}"
        yield checks_in_guest(command, memory_mib=2048, systemd=True)


def test_systemd_is_pid_1_in_the_guest(guest_lines: list[str]) -> None:
    assert "CHECK pid1 systemd" in guest_lines


@pytest.mark.parametrize("check", ["the_hosts_tmp_is_kept", "runs_in_the_guest",
                                   "the_session_says_systemd_and_cgroup_v2", "every_runtime_has_figures",
                                   "the_store_renders_again"])
def test_classroom_check_passes_under_systemd(guest_lines: list[str], check: str) -> None:
    line = next((l for l in guest_lines if l.split()[1] == check), f"CHECK {check} missing")
    assert line == f"CHECK {check} ok", line
