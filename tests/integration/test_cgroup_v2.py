"""box and vz on a real cgroup v2 kernel: their cgroup checks, run in a guest.

This host has cgroup v1; most distributions (and the Vagrant box) have v2.
The guest boots the Debian cloud kernel with only a cgroup2 hierarchy and
this host's own filesystem as its root (tests/v2guest/guest.py), and runs
tests/v2guest/box_checks.py and vz_checks.py there.
"""

from __future__ import annotations


import pytest

from tests.conftest import REPO
from tests.v2guest.guest import checks_in_guest


@pytest.fixture(scope="module")
def guest_lines() -> list[str]:
    python = f"{REPO}/.venv/bin/python"
    return checks_in_guest(f"{python} {REPO}/tests/v2guest/box_checks.py && {python} {REPO}/tests/v2guest/vz_checks.py")


def test_the_guest_runs_box_on_cgroup_v2(guest_lines: list[str]) -> None:
    assert "CHECK cgroup_version v2" in guest_lines


@pytest.mark.parametrize("check", [
    "test_the_command_is_pid_2_under_box_init_and_host_pids_are_invisible",
    "test_only_loopback_exists_and_it_is_up",
    "test_capabilities_are_dockers_default_set",
    "test_memory_limit_oom_kills_and_the_state_says_so",
    "test_pids_limit_stops_a_fork_bomb",
    "test_cpu_quota_shows_in_measured_throughput",
    "test_usage_is_read_back_from_the_cgroup",
    "test_a_node_made_where_nodev_does_not_apply_cannot_be_opened",
    "test_the_devices_a_container_is_given_work",
])
def test_box_check_passes_on_cgroup_v2(guest_lines: list[str], check: str) -> None:
    line = next((l for l in guest_lines if l.split()[1] == check), f"CHECK {check} missing")
    assert line == f"CHECK {check} ok", line


def test_no_cgroup_is_left_in_the_v2_tree(guest_lines: list[str]) -> None:
    assert "CHECK leftover_cgroups none" in guest_lines


@pytest.mark.parametrize("check", [
    "test_a_process_over_the_ram_limit_is_killed_and_the_ct_lives_on",
    "test_numproc_stops_a_fork_bomb_inside_its_ct",
    "test_set_changes_a_running_ct_at_once",
])
def test_vz_check_passes_on_cgroup_v2(guest_lines: list[str], check: str) -> None:
    line = next((l for l in guest_lines if l.split()[1] == check), f"CHECK {check} missing")
    assert line == f"CHECK {check} ok", line


def test_no_vz_cgroup_is_left_in_the_v2_tree(guest_lines: list[str]) -> None:
    assert "CHECK vz_leftover_cgroups none" in guest_lines
