"""The libvirt VM runtime, for real: guests boot (under TCG where KVM does not work) and run the probe.

One runtime serves the whole module: its setup fetches the kernel, builds the
guest and decides the accelerator once. Every test runs between the leak
checks of tests/conftest.py, which include `virsh list --all` and the
scratch directory where overlays and console sockets live.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from bench.errors import InstanceError
from bench.runner import run_once
from bench.scenario import parse_scenario, select
from bench.store import Store
from runtimes import Image, InstanceSpec, probe_argv
from runtimes.vm import libvirt as libvirt_vm
from runtimes.vm.libvirt import LibvirtVM, connect
from runtimes.probe import parse_line
from runtimes.vm.console import parse_guest_line
from tests.conftest import REPO
from tests.envcheck import require_runtime

BOOT_TIMEOUT_S = 120  # a TCG boot takes seconds; this only bounds a broken test


@pytest.fixture(scope="module")
def vm(image: Image) -> Iterator[LibvirtVM]:
    require_runtime("libvirt")
    with LibvirtVM(image) as runtime:
        yield runtime


def spec(image: Image, *argv: str) -> InstanceSpec:
    return InstanceSpec(image=image, argv=tuple(argv))


def domain_exists(name: str) -> bool:
    conn = connect()
    try:
        return name in {d.name() for d in conn.listAllDomains()}
    finally:
        conn.close()


def events(inst) -> list[str]:
    return [p.event for ln in inst.lines if (p := parse_line(ln.text))]


def guest_events(inst) -> list[str]:
    return [g.event for ln in inst.lines if (g := parse_guest_line(ln))]


# -- booting and powering off ----------------------------------------------------

def test_the_guest_boots_reports_ready_and_powers_off_with_the_workload_status(vm: LibvirtVM, image: Image) -> None:
    t0 = time.monotonic_ns()
    with vm.start(spec(image, *probe_argv("ready"))) as inst:
        ready = inst.wait_ready(BOOT_TIMEOUT_S)
        qemu = inst.host_pids
        assert qemu and "qemu" in psutil.Process(qemu[0]).name()
        assert inst.wait(BOOT_TIMEOUT_S) == 0
        figures = inst.observations()
        name = inst.name
    assert not domain_exists(name) and not psutil.pid_exists(qemu[0])
    assert int(ready.fields["pid"]) > 1, "the probe runs under the guest's init, not as PID 1"
    assert guest_events(inst)[:2] == ["initramfs", "init"]
    phases = [v for k, v in figures.items() if k.startswith("vm_boot_")]
    assert len(phases) == 7 and all(v >= 0 for v in phases)
    assert sum(phases) == pytest.approx((ready.at_ns - t0) / 1e9, abs=0.05), "the phases add up to launch → READY"
    assert 0 < figures["vm_guest_mem_available_bytes"] < figures["vm_guest_mem_total_bytes"] <= 256 * 2**20


def store_one_run(vm: LibvirtVM, scenario, tmp_path: Path):
    """Run once, store it as the runner does, read it back: (record, stored samples)."""
    record = run_once(vm, scenario, 0, warmup=False)
    with Store(tmp_path / "s.sqlite") as store:
        session = store.begin_session("test", True, {})
        store.record_run(session, record)
        store.finish_session(session, "finished")
        samples = store.load(session).samples
    return record, dict(zip(samples["metric"], samples["value"]))


@pytest.mark.parametrize(("name", "expected"), [
    ("startup", {"ready_s", "exit_s", "vm_boot_kernel_s", "vm_poweroff_s"}),
    ("memory", {"host_pss_bytes", "overhead_bytes", "workload_rss_bytes", "vm_guest_mem_total_bytes"}),
    ("cpu", {"cpu_elapsed_s", "cpu_cpu_s"}),
    ("io", {"io_seq_write_mib_s", "io_seq_read_mib_s", "io_rand_read_iops", "io_fsync_p50_us"}),
])
def test_each_scenario_runs_in_the_guest_and_its_figures_reach_the_store(vm: LibvirtVM, name: str,
                                                                         expected: set[str], tmp_path: Path) -> None:
    record, stored = store_one_run(vm, select([name])[0].quick(), tmp_path)
    assert record.ok, record.error
    assert expected <= set(stored), f"missing: {expected - set(stored)}"
    assert all(stored[m] > 0 for m in expected)


def test_mem_mode_holds_its_memory_in_the_guest_and_the_host_pays_for_the_whole_vm(vm: LibvirtVM, tmp_path: Path) -> None:
    body = ('name = "mem"\ndescription = "t"\n[workload]\nmode = "mem"\nargs = ["--mib", "48"]\n'
            '[run]\nwarmup = 0\nrepetitions = 1\n[report]\nmetrics = ["host_pss_bytes"]\n')
    record, stored = store_one_run(vm, parse_scenario(body, tmp_path / "mem.toml"), tmp_path)
    assert record.ok, record.error
    assert stored["workload_rss_bytes"] >= 47 * 2**20, "the probe's own RSS, read inside the guest"
    assert stored["host_pss_bytes"] > stored["workload_rss_bytes"] + 32 * 2**20, "QEMU and the guest kernel on top"
    assert stored["overhead_bytes"] == pytest.approx(stored["host_pss_bytes"] - stored["workload_rss_bytes"])
    assert stored["mem_touch_s"] > 0


# -- stopping ---------------------------------------------------------------------

def test_a_holding_guest_stops_when_asked_through_its_console_and_stop_is_idempotent(vm: LibvirtVM, image: Image) -> None:
    with vm.start(spec(image, *probe_argv("idle"))) as inst:
        inst.wait_ready(BOOT_TIMEOUT_S)
        inst.stop()
        inst.stop()
        assert inst.wait(10) == 0, "the probe got SIGTERM and exited cleanly, as a host process would"
    assert events(inst)[-1] == "stopped"
    assert "memory" in guest_events(inst) and guest_events(inst)[-1] == "exit"


def test_a_guest_that_never_gets_ready_is_destroyed_at_its_timeout(vm: LibvirtVM, image: Image) -> None:
    with vm.start(spec(image, *probe_argv("ready"))) as inst:
        with pytest.raises(InstanceError, match=r"no ready line within 0.5 s"):
            inst.wait_ready(0.5)  # still booting: the guest cannot be asked, so it is destroyed
        qemu, name = inst.host_pids, inst.name
        started = time.monotonic()
    assert time.monotonic() - started < 10
    assert not domain_exists(name) and not any(psutil.pid_exists(p) for p in qemu)


def test_a_guest_that_ignores_the_stop_request_is_destroyed_after_the_grace_period(vm: LibvirtVM, image: Image) -> None:
    ignores_term = ("/bin/sh", "-c", "trap '' TERM; echo BENCH event=ready mode=idle pid=$$; while :; do sleep 1; done")
    with vm.start(spec(image, *ignores_term)) as inst:
        inst.wait_ready(BOOT_TIMEOUT_S)
        with pytest.raises(InstanceError, match="still runs after 1 s"):
            inst.wait(1)  # never powers off by itself
        inst.stop()
        assert inst.wait(10) == -signal.SIGKILL, "destroyed, like a process that needed SIGKILL"
        name = inst.name
    assert "exit" not in guest_events(inst)
    assert not domain_exists(name)


def test_a_workload_that_fails_reports_its_status_and_message(vm: LibvirtVM, image: Image) -> None:
    with vm.start(spec(image, "/bin/sh", "-c", "echo broken >&2; exit 3")) as inst:
        with pytest.raises(InstanceError, match=r"exited with status 3 before it was ready: broken"):
            inst.wait_ready(BOOT_TIMEOUT_S)


@pytest.mark.parametrize("after_s", [0.005, 0.1, 0.25])
def test_ctrl_c_during_start_leaves_no_domain_overlay_or_socket(vm: LibvirtVM, image: Image, after_s: float) -> None:
    """KeyboardInterrupt lands somewhere in start (overlay, createXML, accept) or just after it."""
    def interrupt(_signum, _frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        with pytest.raises(KeyboardInterrupt):
            signal.setitimer(signal.ITIMER_REAL, after_s)
            with vm.start(spec(image, *probe_argv("ready"))) as inst:
                inst.wait_ready(BOOT_TIMEOUT_S)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    # the leak check (no domain, no scratch tree) runs after this test


def test_an_argument_with_spaces_reaches_the_guest_as_one_word(vm: LibvirtVM, image: Image) -> None:
    count_args = "echo BENCH event=ready mode=ready pid=$$; echo args=$#"
    with vm.start(spec(image, "/bin/sh", "-c", count_args, "sh", "a b")) as inst:
        inst.wait_ready(BOOT_TIMEOUT_S)
        assert inst.wait(BOOT_TIMEOUT_S) == 0
    assert "args=1" in [ln.text for ln in inst.lines]


def test_the_accelerator_and_disk_modes_are_recorded(vm: LibvirtVM) -> None:
    versions = vm.versions()
    assert versions["accelerator"] in ("kvm", "tcg") and versions["accelerator check"]
    if not os.path.exists("/dev/kvm"):
        assert versions["accelerator"] == "tcg"
    assert "cache=" in str(versions["disk"]) and "io=" in str(versions["disk"])  # a message: its English
    assert versions["guest kernel"].startswith("linux-image-")


def test_an_unreachable_libvirtd_makes_the_runtime_unavailable_with_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(libvirt_vm, "URI", "qemu+unix:///system?socket=/nonexistent/libvirt-sock")
    availability = LibvirtVM.available()
    assert not availability.ok
    assert "libvirtd is not reachable" in availability.reason and "scripts/provision" in availability.fix


# -- the suite as a user runs it ------------------------------------------------------

def test_doctor_says_where_the_guest_kernel_and_the_accelerator_stand(vm: LibvirtVM, tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "bench", "doctor"], cwd=tmp_path, capture_output=True, text=True,
                            timeout=120, env={**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "200"})
    assert f"VM guest kernel: cached: {vm.guest.kernel_label}" in result.stdout
    assert f"VM accelerator: {vm.accelerator.name}: " in result.stdout


def test_bench_runs_the_vm_beside_the_baseline_and_the_report_explains_it(vm: LibvirtVM, tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "bench", "run", "startup", "-r", "libvirt", "--quick",
                             "--reports", str(tmp_path)], cwd=tmp_path, capture_output=True, text=True, timeout=600,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "latest.html").read_text()
    assert 'id="vm"' in page and "where the start-up time goes" in page
    assert f"libvirt ran {LibvirtVM.max_quick_repetitions} only" in page
    if vm.accelerator.is_emulated:
        assert "software emulation (TCG)" in page
    with sqlite3.connect(tmp_path / "isobench.sqlite") as db:
        runtimes = {r for (r,) in db.execute("SELECT DISTINCT runtime FROM runs WHERE ok = 1")}
    assert runtimes == {"native", "libvirt"}
