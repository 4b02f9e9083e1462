"""Run inside the cgroup v2 guest: vz's limit checks, on a pure v2 kernel.

The very functions of tests/integration/test_vz.py that exercise cgroups,
each on a fresh CT made as that file's ``ct`` fixture makes it. One line
per check, as box_checks.py. (The lifecycle test also compares loop devices'
backing files, which read differently from inside this guest's chroot.)
"""

from __future__ import annotations

from pathlib import Path

from runtimes.openvz.ct import Engine
from tests.integration import test_vz as checks
from tests.v2guest.box_checks import report

CT_CHECKS = (
    checks.test_a_process_over_the_ram_limit_is_killed_and_the_ct_lives_on,
    checks.test_numproc_stops_a_fork_bomb_inside_its_ct,
    checks.test_set_changes_a_running_ct_at_once,
)


def on_a_fresh_ct(engine: Engine, check) -> None:  # type: ignore[no-untyped-def]
    ctid = 7101
    engine.create(ctid, diskspace=64 * 2**20, hostname="web1", ips=["10.213.27.189"])
    try:
        check(engine, ctid)
    finally:
        engine.stop(ctid, fast=True)
        engine.destroy(ctid)


def main() -> None:
    engine = Engine()
    for check in CT_CHECKS:
        report(check.__name__, lambda: on_a_fresh_ct(engine, check))
    parent = Path("/sys/fs/cgroup/vz")
    left = sorted(p.name for p in parent.iterdir() if p.is_dir()) if parent.is_dir() else []
    print(f"CHECK vz_leftover_cgroups {'none' if not left else ' '.join(left)}", flush=True)


if __name__ == "__main__":
    main()
