"""Run inside the cgroup v2 guest booted with systemd as PID 1: the short part of `make classroom`.

What a class does first, on the classroom VM's init system and cgroup
layout, with the fastest runtimes: `bench run startup --quick` writes a
store and a report; the checks then read that store back (the round trip)
and `bench report` renders it again. One line per check, as box_checks.py.
The whole classroom run, every container runtime and the walkthrough, is
`make classroom` (tests/classroom_vm/).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench.store import Store
from tests.v2guest.box_checks import report

RUNTIMES = ("chroot", "box", "crun")  # native runs too, as the baseline
REPORTS = Path("/run/reports")
STORE = REPORTS / "isobench.sqlite"


def bench(*args: str) -> str:
    out = subprocess.run([sys.executable, "-m", "bench", *args], capture_output=True, text=True, timeout=1200)
    if out.returncode != 0:
        # The last line (the error itself) first: the CHECK line is cut at 300 characters.
        lines = out.stderr.strip().splitlines() or ["(nothing on stderr)"]
        raise AssertionError(f"bench {args[0]} exited {out.returncode}: {lines[-1]} | " + " / ".join(lines[-6:-1]))
    return out.stdout


def the_hosts_tmp_is_kept(kept: Path) -> None:
    # The repository, and files of earlier tests, may live in the host's /tmp: boot must not empty it.
    assert kept.exists(), f"the guest's boot removed {kept} from the host's /tmp"


def runs_in_the_guest() -> None:
    bench("run", "startup", "--quick", *(a for name in RUNTIMES for a in ("-r", name)), "--reports", str(REPORTS))


def the_session_says_systemd_and_cgroup_v2() -> None:
    with Store(STORE) as store:
        (session,) = store.sessions()
    found = {k: session.metadata.get(k) for k in ("init", "cgroup_version")}
    assert found == {"init": "systemd", "cgroup_version": "v2"}, found
    assert session.status == "finished", session.status


def every_runtime_has_figures() -> None:
    with Store(STORE) as store:
        data = store.load()
    measured = data.samples[data.samples["metric"] == "ready_s"].groupby("runtime").size().to_dict()
    missing = [name for name in ("native", *RUNTIMES) if not measured.get(name)]
    assert not missing and not data.skips, f"no start-up figures for {missing}; skips: {data.skips}"


def the_store_renders_again() -> None:
    latest = REPORTS / "latest.html"
    latest.unlink()  # the run's own report: what follows must come from the store alone
    bench("report", "--store", str(STORE), "--reports", str(REPORTS))
    assert latest.is_file() and "init systemd" in latest.read_text(), "the re-rendered report does not name systemd"


def main() -> None:
    print(f"CHECK pid1 {Path('/proc/1/comm').read_text().strip()}", flush=True)
    report("the_hosts_tmp_is_kept", lambda: the_hosts_tmp_is_kept(Path(sys.argv[1])))
    report("runs_in_the_guest", runs_in_the_guest)
    for check in (the_session_says_systemd_and_cgroup_v2, every_runtime_has_figures, the_store_renders_again):
        report(check.__name__, check)


if __name__ == "__main__":
    main()
