"""Faults: the harness killed at random moments, a second run at once, workloads that misbehave, a full disk,
libvirtd stopped under a booting VM.

After every kill (SIGKILL, or SIGINT as Ctrl-C would send), whatever the
moment: the runs finished before are intact in the store, the report still
builds, and `bench clean` removes every orphan, so that the leak snapshot is
back to what it was. The loop runs for ISOBENCH_SOAK_S seconds (90 in
`make test`, longer with `make soak`) and prints how many kills it survived.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from bench import clean as clean_mod
from bench.store import Store
from runtimes import Image
from runtimes.kernel import cgroups
from tests.conftest import REPO, _leftovers
from tests.envcheck import require_runtime

SOAK_S = float(os.environ.get("ISOBENCH_SOAK_S", "90"))
HOLD = """name = "hold"
description = "fault injection: idle instances held, then stopped"
[workload]
mode = "idle"
[run]
warmup = 0
repetitions = 3
timeout_s = 30
[report]
metrics = ["ready_s"]
"""
RUNTIMES = ("chroot", "box", "openvz")
MEASURED_RUNS = {"hold": 3 * (1 + len(RUNTIMES)), "isolation": 1 + len(RUNTIMES)}  # native runs too


def bench(*args: str, **popen) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bench", *args], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **popen)


def start_run(tmp_path: Path) -> subprocess.Popen:
    scenario = tmp_path / "hold.toml"
    scenario.write_text(HOLD)
    runtimes = [arg for name in RUNTIMES for arg in ("-r", name)]
    return bench("run", str(scenario), "isolation", *runtimes, "--no-report", "--store", str(tmp_path / "s.sqlite"))


def wait_for_lock(proc: subprocess.Popen, timeout_s: float = 30) -> None:
    """Until ``proc`` holds the run lock (its PID is in the lock file), or has already finished."""
    lock = Path(os.environ["ISOBENCH_STATE"]) / clean_mod.LOCK_NAME
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and proc.poll() is None:
        if lock.exists() and lock.read_text().strip() == str(proc.pid):
            return
        time.sleep(0.02)
    if proc.poll() is None:
        pytest.fail(f"bench run (pid {proc.pid}) did not take the lock within {timeout_s:g} s")


def check_store(path: Path, reports: Path) -> int:
    """Every stored run is whole; finished sessions have every run; the report builds. Returns the runs stored."""
    if not path.exists():
        return 0
    with Store(path) as store:
        sessions = store.sessions()
        total = 0
        for session in sessions:
            data = store.load(session.id)
            runs = data.runs
            total += len(runs)
            measured = runs[runs["kind"] != "setup"]
            for row in measured.itertuples():
                assert row.ok or row.error, f"a failed run without its reason: {row}"
            ready = data.samples[data.samples["metric"] == "ready_s"]
            with_ready = set(zip(ready["scenario"], ready["runtime"], ready["iteration"]))
            ok = measured[(measured["ok"] == 1) & (measured["warmup"] == 0)]
            missing = set(zip(ok["scenario"], ok["runtime"], ok["iteration"])) - with_ready
            assert not missing, f"runs committed without their samples: {missing}"
            if session.status == "finished":
                counts = measured.groupby("scenario").size().to_dict()
                skipped = {(k.scenario, k.runtime): k.reason for k in data.skips}
                expected = {name: n - sum(n // (1 + len(RUNTIMES)) for sc, _ in skipped if sc == name)
                            for name, n in MEASURED_RUNS.items()}
                assert counts == expected, f"finished session {session.id} lost runs: {counts}; skips: {skipped}"
        if total:
            from bench.report import write_report

            assert write_report(store, reports, None).exists()
    return total


def own_leftovers(state: Path, before: dict[str, set[str]], ids: set[str]) -> dict[str, set[str]]:
    """What is new since ``before``; host-wide kinds only where they name one of our containers or CTs."""
    after = _leftovers(state)
    new = {kind: after[kind] - before[kind] for kind in after}
    host_wide = ("cgroups", "vz veth links", "vz cgroups", "network namespaces", "libvirt domains")
    for kind in host_wide:
        new[kind] = {e for e in new[kind] if any(e.endswith(f"/{i}") or e == f"vz{i}" for i in ids)}
    return {kind: entries for kind, entries in new.items() if entries}


def our_ids(state: Path) -> set[str]:
    box = state / "box" / "containers"
    vz = state / "vz"
    ids = {p.name for p in box.iterdir()} if box.is_dir() else set()
    ids |= {p.stem for p in (vz / "conf").glob("*.conf")} | {p.stem for p in (vz / "run").glob("*.json")}
    return ids


def test_two_runs_at_once_the_second_gets_one_line_and_exit_2(tmp_path: Path, image: Image) -> None:
    first = start_run(tmp_path)
    try:
        wait_for_lock(first)
        assert first.poll() is None, "the first run ended before the second could start"
        second = bench("run", "startup", "--no-report", "--store", str(tmp_path / "other.sqlite"))
        _, err = second.communicate(timeout=60)
        assert second.returncode == 2, err
        assert err.count("\n") == 1 and "another bench run" in err and str(first.pid) in err, err
        assert "Traceback" not in err
    finally:
        first.send_signal(signal.SIGINT)
        first.communicate(timeout=60)
    assert first.returncode == 130


@pytest.mark.slow
def test_random_kills_lose_no_finished_run_and_clean_removes_every_orphan(tmp_path: Path, image: Image,
                                                                         private_state: Path) -> None:
    for name in RUNTIMES:
        require_runtime(name)
    seed = int(os.environ.get("ISOBENCH_SOAK_SEED", str(random.randrange(1 << 30))))
    rng = random.Random(seed)
    baseline = _leftovers(private_state)
    deadline = time.monotonic() + SOAK_S
    kills = interrupts = completed = 0
    while time.monotonic() < deadline:
        proc = start_run(tmp_path)
        began = time.monotonic()
        moment = rng.uniform(0.2, 7.5)
        ctrl_c = rng.random() < 0.25
        try:
            if ctrl_c:  # once bench runs: a Ctrl-C while Python itself starts up is Python's business
                wait_for_lock(proc)
            proc.wait(max(0.0, moment - (time.monotonic() - began)))
            completed += 1
            assert proc.returncode == 0, proc.stderr.read()
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGINT if ctrl_c else signal.SIGKILL)
            code = proc.wait(60)
            if ctrl_c:
                interrupts += 1
                err = "\n".join(ln for ln in proc.stderr.read().splitlines() if ln.strip(" ^~"))
                assert code in (0, 130) and "Traceback" not in err, f"Ctrl-C at {moment:.2f} s: exit {code}: {err[-3000:]}"
            else:
                kills += 1
        finally:
            for stream in (proc.stdout, proc.stderr):
                stream.close()
        where = f"(seed {seed}, {'Ctrl-C' if ctrl_c else 'kill -9'} at {moment:.2f} s)"
        check_store(tmp_path / "s.sqlite", tmp_path / "reports")
        ids = our_ids(private_state)
        with clean_mod.run_lock():
            failed = [r.line() for r in clean_mod.clean() if r.error]
        assert not failed, f"{where}: bench clean could not remove: {failed}"
        leaked = own_leftovers(private_state, baseline, ids)
        assert not leaked, f"{where}: left behind after bench clean: {leaked}"
        for ident in ids:
            assert not cgroups.for_host(ident).exists(), f"{where}: box cgroup {ident} left"
    print(f"\nfault injection: survived {kills} kill -9 and {interrupts} Ctrl-C of bench run, "
          f"{completed} runs finished undisturbed, in {SOAK_S:g} s (seed {seed})")
    assert kills + interrupts >= 3, "the loop must have killed the harness a few times"


FAULTY = {
    # name: (workload table, timeout_s, limits table, runtimes, what each failed run must say)
    "hangs": ('mode = "cpu"\nargs = ["--iterations", "1000000000000000"]', 1, "", ("native", "box"),
              "still running after 1 s"),
    "crashes": ('mode = "io"\nargs = ["--dir", "/no/such/dir"]', 20, "", ("native", "chroot", "box"),
                "probe error in io: open_write (errno 2)"),
    "eats-memory": ('mode = "mem"\nargs = ["--mib", "512"]', 30, "memory_mib = 64", ("box", "openvz"),
                    "exited with status 137"),
    "fills-its-disk": ('mode = "io"\nargs = ["--size-mib", "1100", "--rand-ops", "1", "--fsync-ops", "1"]', 120, "",
                       ("openvz",), "seq_write (errno 28)"),
}


def test_a_workload_that_hangs_crashes_eats_memory_or_fills_its_disk_fails_alone(tmp_path: Path, image: Image) -> None:
    """Each bad run is stored as failed with its reason; the suite goes on, the report builds, nothing leaks."""
    from bench.runner import Lineup, RunOptions, run_suite
    from bench.scenario import parse_scenario

    for name in ("box", "openvz", "chroot"):
        require_runtime(name)
    scenarios = []
    for name, (workload, timeout_s, limits, runtimes, _) in FAULTY.items():
        text = (f'name = "{name}"\ndescription = "fault"\n[workload]\n{workload}\n[run]\nwarmup = 0\n'
                f'repetitions = 2\ntimeout_s = {timeout_s}\nruntimes = {list(runtimes)!r}\n'
                f'[report]\nmetrics = ["ready_s"]\n[limits]\n{limits}\n').replace("'", '"')
        scenarios.append(parse_scenario(text, tmp_path / f"{name}.toml"))
    with Store(tmp_path / "s.sqlite") as store:
        session = run_suite(scenarios, store, image, RunOptions(), lineup=Lineup.registered())
        data = store.load(session)
        from bench.report import write_report

        assert write_report(store, tmp_path / "reports", session).exists()
    assert data.info.status == "finished"
    runs = data.runs[data.runs["kind"] != "setup"]
    for name, (*_, runtimes, reason) in FAULTY.items():
        for runtime in runtimes:
            bad = runs[(runs["scenario"] == name) & (runs["runtime"] == runtime)]
            assert len(bad) == 2 and not bad["ok"].any(), f"{name} on {runtime}: {bad.to_dict('records')} {data.skips}"
            assert all(reason in e for e in bad["error"]), f"{name} on {runtime}: {list(bad['error'])}"


def test_a_full_disk_under_the_store_is_one_line_and_keeps_what_was_stored(tmp_path: Path, image: Image) -> None:
    """The store on a 192 KiB tmpfs: `bench run` stops with one error line, exit 1; the runs before stay readable."""
    full = tmp_path / "full"
    full.mkdir()
    scenario = tmp_path / "many.toml"
    scenario.write_text('name = "many"\ndescription = "fill the store"\n[workload]\nmode = "ready"\n'
                        '[run]\nwarmup = 0\nrepetitions = 5000\nruntimes = ["native"]\n[report]\nmetrics = ["ready_s"]\n')
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=192k", "isobench-full", str(full)], check=True)
    try:
        done = subprocess.run([sys.executable, "-m", "bench", "run", str(scenario), "--no-report",
                               "--store", str(full / "s.sqlite")], cwd=REPO, capture_output=True, text=True,
                              timeout=300)
        errors = [ln for ln in done.stderr.splitlines() if ln.startswith("error:")]
        assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr[-2000:]
        assert len(errors) == 1 and "cannot write" in errors[0] and "disk is full" in errors[0], done.stderr[-2000:]
        with Store(full / "s.sqlite") as store:
            runs = store.load(None).runs
        assert len(runs) > 10 and runs["ok"].all(), "the runs stored before the disk filled are intact"
    finally:
        subprocess.run(["umount", str(full)], check=True)


def test_bench_clean_says_what_it_removed_and_then_finds_nothing(tmp_path: Path, image: Image,
                                                                  private_state: Path) -> None:
    """Orphans made by hand, as a killed run leaves them: a probe still holding, a mount, a working tree."""
    from runtimes.kernel.paths import scratch_root

    tree = scratch_root() / "native-killed"
    (tree / "mnt").mkdir(parents=True)
    subprocess.run(["mount", "-t", "tmpfs", "orphan", str(tree / "mnt")], check=True)
    holder = subprocess.Popen([str(image.probe), "idle"], cwd=tree, stdout=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        first = bench("clean")
        out, err = first.communicate(timeout=60)
        assert first.returncode == 0, err
        assert f"removed harness: process {holder.pid} (probe)" in out
        assert f"removed harness: mount {tree / 'mnt'}" in out
        assert f"removed harness: working tree {tree}" in out
        assert holder.wait(10) == -signal.SIGKILL
        again = bench("clean")
        assert again.communicate(timeout=60)[0].strip() == "nothing to clean"
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
        subprocess.run(["umount", str(tree / "mnt")], capture_output=True)


def test_a_killed_run_shows_as_interrupted_from_the_next_clean_on(tmp_path: Path, image: Image,
                                                                  private_state: Path) -> None:
    """`kill -9` of `bench run` leaves its session 'running' in the store; the next `bench clean` says it is not."""
    scenario = tmp_path / "hold.toml"
    # far more runs than the test waits for: a fast machine must not finish the session before the kill lands
    scenario.write_text(HOLD.replace("repetitions = 3", "repetitions = 10000"))
    store = tmp_path / "s.sqlite"
    killed = []
    cleaned = False
    try:
        for _ in range(2):
            proc = bench("run", str(scenario), "-r", "native", "--no-report", "--store", str(store))
            try:
                wait_for_lock(proc)
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline and len(_sessions(store)) == len(killed):
                    time.sleep(0.02)  # until its session is stored
                assert proc.poll() is None, "bench run ended before the test could kill it"
                proc.kill()
                assert proc.wait(30) == -signal.SIGKILL
            finally:
                for stream in (proc.stdout, proc.stderr):
                    stream.close()
            killed.append(next(sid for sid in _sessions(store) if sid not in killed))
        import sqlite3

        db = sqlite3.connect(store)
        # the second run marked the first, whose process it found gone; the second is left as it was killed
        assert [s for (s,) in db.execute("SELECT status FROM sessions")] == ["interrupted", "running"]
        db.close()
        cleaner = bench("clean", "--store", str(store))
        out, err = cleaner.communicate(timeout=60)
        cleaned = True
    finally:
        if not cleaned:  # what the killed runs left (a scratch tree, a probe) must not outlive a failed test
            bench("clean").communicate(timeout=60)
    assert cleaner.returncode == 0, err
    assert f"session {killed[1]} marked interrupted" in err
    assert _sessions(store) == {sid: "interrupted" for sid in killed}
    listing = bench("sessions", "--store", str(store))
    assert "running" not in listing.communicate(timeout=60)[0]


def _sessions(store: Path) -> dict[str, str]:
    """Session id → status, read straight from the file (a Store would mark the dead ones)."""
    import sqlite3

    if not store.exists():
        return {}
    db = sqlite3.connect(store, timeout=10)
    try:
        return dict(db.execute("SELECT id, status FROM sessions ORDER BY rowid"))
    except sqlite3.OperationalError:  # the table is not made yet
        return {}
    finally:
        db.close()


def _libvirtd() -> psutil.Process | None:
    return next((p for p in psutil.process_iter(["name"]) if p.info["name"] == "libvirtd"), None)


def _start_libvirtd(timeout_s: float = 60) -> None:
    """As scripts/provision does (no systemd here): libvirtd under `tini -s`, then wait until it answers."""
    import libvirt

    from runtimes.vm.libvirt import connect

    if _libvirtd() is None:
        # setsid --fork: not a child of this test, which would own it (and leak it) otherwise
        subprocess.run(["setsid", "--fork", "tini", "-s", "--", "libvirtd"], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            connect().close()
            return
        except libvirt.libvirtError:
            assert time.monotonic() < deadline, "libvirtd did not come back"
            time.sleep(0.2)


def _our_domains() -> set[str]:
    from runtimes.vm.libvirt import connect, domain_prefix

    conn = connect()
    try:
        return {d.name() for d in conn.listAllDomains() if d.name().startswith(domain_prefix())}
    finally:
        conn.close()


@pytest.mark.slow
def test_libvirtd_stopped_mid_run_fails_those_runs_alone_and_clean_removes_the_vm(tmp_path: Path, image: Image) -> None:
    """libvirtd goes away while a VM boots: the run fails with its reason, nothing stored is lost,
    and once libvirtd is back, `bench clean` destroys the VM it could no longer stop."""
    require_runtime("libvirt")
    scenario = tmp_path / "vm.toml"
    scenario.write_text('name = "vm"\ndescription = "libvirtd stopped mid-run"\n[workload]\nmode = "idle"\n'
                        '[run]\nwarmup = 0\nrepetitions = 2\ntimeout_s = 30\nruntimes = ["native", "libvirt"]\n'
                        '[report]\nmetrics = ["ready_s"]\n')
    store = tmp_path / "s.sqlite"
    run = bench("run", str(scenario), "--no-report", "--store", str(store))
    try:
        deadline = time.monotonic() + 120
        while not _our_domains():  # a VM is booting: stop libvirtd under it
            assert run.poll() is None and time.monotonic() < deadline, "no VM ever started"
            time.sleep(0.05)
        daemon = _libvirtd()
        assert daemon is not None
        daemon.terminate()
        daemon.wait(30)
        _, err = run.communicate(timeout=300)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
        _start_libvirtd()
    assert run.returncode in (0, 1) and "Traceback" not in err, err[-2000:]
    with Store(store) as s:
        data = s.load(None)
    runs = data.runs[(data.runs["kind"] != "setup") & (data.runs["runtime"] == "libvirt")]
    assert (runs["ok"] == 0).any(), "the run libvirtd died under is recorded as failed"
    assert all(runs.loc[runs["ok"] == 0, "error"].str.len() > 0), "each failed run says why"
    assert (data.runs["runtime"] == "native").any(), "the baseline's runs are kept"
    cleaned = bench("clean")
    out, err = cleaned.communicate(timeout=120)
    assert cleaned.returncode == 0, err
    assert not _our_domains(), f"bench clean left: {_our_domains()}; it said: {out}"
    from runtimes.vm.libvirt import domain_prefix

    qemus = [p.pid for p in psutil.process_iter(["cmdline"]) if domain_prefix() in " ".join(p.info["cmdline"] or ())]
    assert not qemus, f"QEMU processes of this session still run: {qemus}"
