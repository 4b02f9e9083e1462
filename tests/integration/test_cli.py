"""`bench` as a user runs it: a subprocess, its output and its exit code."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO


def bench(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bench", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "PYTHONPATH": str(REPO)})


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def test_run_writes_the_store_and_a_report(tmp_path: Path) -> None:
    result = bench("run", "startup", "--quick", "-n", "3", "--reports", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "latest.html").is_file()
    report_path = Path(result.stdout.split("report: ")[1].split()[0])
    session = report_path.parent.name
    assert report_path == tmp_path / session / "index.html"
    page = report_path.read_text()
    assert "chart-startup-ready_s" in page and "native" in page and "chroot" in page
    listed = bench("sessions", "--reports", str(tmp_path), cwd=tmp_path)
    assert session in listed.stdout and "finished" in listed.stdout


def test_report_rebuilds_from_the_store_alone(tmp_path: Path) -> None:
    assert bench("run", "startup", "-n", "2", "--no-report", "--reports", str(tmp_path), cwd=tmp_path).returncode == 0
    assert not (tmp_path / "latest.html").exists()
    result = bench("report", "--reports", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "latest.html").is_file()


def test_fails_with_unknown_scenario_and_lists_choices(tmp_path: Path) -> None:
    result = bench("run", "nosuch", "--reports", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 2
    line = one_error_line(result)
    assert "unknown scenario 'nosuch'" in line and "startup" in line and "all" in line


def test_fails_with_unknown_runtime_and_lists_choices(tmp_path: Path) -> None:
    result = bench("run", "startup", "--runtime", "dockr", cwd=tmp_path)
    assert result.returncode == 2
    line = one_error_line(result)
    assert "dockr" in line and "native" in line and "chroot" in line


@pytest.mark.parametrize("args", [("run", "-n", "0"), ("run", "--bogus"), ("frobnicate",), ("report", "--session")])
def test_bad_usage_is_one_line_and_exit_2(tmp_path: Path, args: tuple[str, ...]) -> None:
    result = bench(*args, cwd=tmp_path)
    assert result.returncode == 2
    one_error_line(result)


def test_a_broken_scenario_file_is_one_line_naming_file_and_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\ndescription = "x"\n[workload]\nmode = "ready"\n[run]\nrepetitions = "many"\n'
                   '[report]\nmetrics = ["ready_s"]\n')
    result = bench("run", str(bad), "--reports", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 2
    line = one_error_line(result)
    assert str(bad) in line and "[run] repetitions" in line and "integer" in line
    assert not (tmp_path / "isobench.sqlite").exists() or _count_runs(tmp_path / "isobench.sqlite") == 0


def test_report_without_any_session_says_what_to_run(tmp_path: Path) -> None:
    result = bench("report", "--reports", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 1
    assert "bench run all" in one_error_line(result)


def test_a_store_from_a_newer_isobench_is_refused_with_the_fix(tmp_path: Path) -> None:
    store = tmp_path / "isobench.sqlite"
    with sqlite3.connect(store) as db:
        db.execute("PRAGMA user_version = 99")
    result = bench("report", "--reports", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 1
    assert "newer" in one_error_line(result)


def test_list_shows_scenarios_and_runtime_availability(tmp_path: Path) -> None:
    result = bench("list", cwd=tmp_path)
    assert result.returncode == 0
    for word in ("startup", "memory", "cpu", "io", "native", "chroot"):
        assert word in result.stdout


def test_doctor_reports_every_check_and_passes_on_a_provisioned_host(tmp_path: Path) -> None:
    result = bench("doctor", cwd=tmp_path)
    assert "runtime: native" in result.stdout and "libvirtd" in result.stdout
    assert result.returncode == 0, result.stdout


def _count_runs(store: Path) -> int:
    with sqlite3.connect(store) as db:
        return db.execute("SELECT count(*) FROM runs WHERE ok = 1").fetchone()[0]


def _start_long_run(tmp_path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "bench", "run", "startup", "-r", "chroot", "-n", "10000", "--no-report",
                             "--reports", str(tmp_path)], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})


def _wait_for_runs(store: Path, at_least: int, proc: subprocess.Popen[str]) -> int:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read()
        if store.exists():
            try:
                n = _count_runs(store)
            except sqlite3.OperationalError:  # tables not created yet
                n = 0
            if n >= at_least:
                return n
        time.sleep(0.05)
    raise AssertionError(f"fewer than {at_least} runs stored within 60 s")


def test_kill_9_mid_run_keeps_every_finished_run(tmp_path: Path) -> None:
    proc = _start_long_run(tmp_path)
    seen = _wait_for_runs(tmp_path / "isobench.sqlite", 20, proc)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    kept = _count_runs(tmp_path / "isobench.sqlite")
    assert kept >= seen
    report = bench("report", "--reports", str(tmp_path), cwd=tmp_path)
    assert report.returncode == 0, report.stderr
    assert "did not finish (status: running)" in (tmp_path / "latest.html").read_text()
    _reap_orphans_of_a_killed_harness(tmp_path)


def _reap_orphans_of_a_killed_harness(tmp_path: Path) -> None:
    """SIGKILL gives the harness no chance to clean up: remove its scratch tree here.

    (Finding and removing such orphans automatically is `bench clean`'s job.)
    """
    import shutil

    scratch = Path(os.environ["ISOBENCH_STATE"]) / "scratch"
    for tree in scratch.iterdir():
        shutil.rmtree(tree)


def test_ctrl_c_mid_run_keeps_runs_marks_the_session_and_leaves_nothing(tmp_path: Path) -> None:
    proc = _start_long_run(tmp_path)
    _wait_for_runs(tmp_path / "isobench.sqlite", 20, proc)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    with sqlite3.connect(tmp_path / "isobench.sqlite") as db:
        assert db.execute("SELECT status FROM sessions").fetchone()[0] == "interrupted"
    # the no_leaks fixture checks that no scratch tree, mount or process is left
