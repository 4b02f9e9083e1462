"""Run inside the cgroup v2 guest: box's limit and usage checks, on a pure v2 kernel.

These are the very functions of tests/integration/test_box_isolation.py,
called directly (pytest itself would be slow to start under emulation). One
line per check: ``CHECK <name> ok`` or ``CHECK <name> FAIL <why>``.
"""

from __future__ import annotations

import traceback
from pathlib import Path

from runtimes import build_image
from runtimes.kernel import cgroups
from runtimes.box.runtime import BoxRuntime
from tests.integration import test_box_devices as device_checks
from tests.integration import test_box_isolation as checks

ENGINE_CHECKS = (
    checks.test_the_command_is_pid_2_under_box_init_and_host_pids_are_invisible,
    checks.test_only_loopback_exists_and_it_is_up,
    checks.test_capabilities_are_dockers_default_set,
    checks.test_memory_limit_oom_kills_and_the_state_says_so,
    checks.test_pids_limit_stops_a_fork_bomb,
    checks.test_cpu_quota_shows_in_measured_throughput,
    # v2 has no devices files: these show box's BPF device program at work (runtimes/kernel/devices.py)
    device_checks.test_a_node_made_where_nodev_does_not_apply_cannot_be_opened,
    device_checks.test_the_devices_a_container_is_given_work,
)


def report(name: str, check) -> None:  # type: ignore[no-untyped-def]
    try:
        check()
        print(f"CHECK {name} ok", flush=True)
    except BaseException as err:  # noqa: BLE001 — every failure is reported, none stops the rest
        why = " ".join(traceback.format_exception_only(err)).strip().replace("\n", " ")
        print(f"CHECK {name} FAIL {why[:300]}", flush=True)


def main() -> None:
    print(f"CHECK cgroup_version {cgroups.host_version()}", flush=True)
    image = build_image()
    with BoxRuntime(image) as runtime:
        for check in ENGINE_CHECKS:
            report(check.__name__, lambda: check(runtime.engine))
        report("test_usage_is_read_back_from_the_cgroup",
               lambda: checks.test_usage_is_read_back_from_the_cgroup(runtime.engine, image))
    left = sorted(p.name for p in (Path("/sys/fs/cgroup") / cgroups.PARENT).iterdir() if p.is_dir())
    print(f"CHECK leftover_cgroups {'none' if not left else ' '.join(left)}", flush=True)


if __name__ == "__main__":
    main()
