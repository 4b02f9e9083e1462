"""Docker's engine held for a `bench run` (runtimes/peers/docker_engine.py), on a real dockerd.

Where no engine answers, a run starts dockerd itself and, however the run
ends, leaves the host as it found it: no daemon, link, firewall rule, mount,
cgroup directory or file of the engine's. A run killed with SIGKILL leaves
its dockerd running: `bench clean` stops it and removes the same. A dockerd
that cannot start is a skip with its reason, and the run goes on. The memory
scenario stores what the daemons cost while idle.

These tests need a host where no engine of its own answers (this CI host);
elsewhere they skip, since the suite never stops an engine it did not start.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from bench.report.i18n import Catalogue
from bench.runner import Lineup, RunOptions, run_suite
from bench.scenario import parse_scenario
from bench.store import Store
from runtimes import Image
from runtimes.peers import docker_engine
from runtimes.peers._common import name_prefix

STARTUP = ('name = "startup"\ndescription = "test"\n[workload]\nmode = "ready"\n'
           '[run]\nwarmup = 0\nrepetitions = {n}\n[report]\nmetrics = ["ready_s"]\n')
MEMORY = ('name = "memory"\ndescription = "test"\n[workload]\nmode = "idle"\n'
          '[run]\nwarmup = 0\nrepetitions = 1\n[report]\nmetrics = ["host_pss_bytes"]\nchart = "memory"\n')
BENCH = Path(sys.executable).parent / "bench"


@pytest.fixture(autouse=True)
def no_engine_of_the_hosts() -> None:
    if not docker_engine.engine_answers():
        pytest.skip(f"an engine the suite did not start answers on {docker_engine.SOCKET}; it is never stopped")
    if subprocess.run(["which", "dockerd"], capture_output=True).returncode != 0:
        pytest.skip("dockerd is not installed (sudo scripts/provision installs docker.io)")


def _host() -> dict[str, object]:
    """What a dockerd could leave on the host: links, firewall rules, its cgroup directories."""
    return {"links": docker_engine._links(), "firewall": docker_engine._firewall(),
            "cgroups": {str(g) for g in docker_engine._docker_cgroups() if g.exists()}}


def _assert_nothing_left(before: dict[str, object]) -> None:
    assert docker_engine.engine_answers(), "an engine still answers"
    engine = [f"{p.pid} {p.info['name']}" for p in psutil.process_iter(["name", "cmdline"])
              if str(docker_engine.EXEC_ROOT) in " ".join(p.info["cmdline"] or ())]
    assert not engine, f"processes of the suite's engine still run: {engine}"
    roots = [docker_engine.home(), docker_engine.EXEC_ROOT]
    assert not docker_engine._mounts_under(roots)
    assert not [r for r in roots if r.exists()], "the engine's roots are still there"
    assert _host() == before


def _scenarios(tmp_path: Path, n: int = 2) -> list:
    return [parse_scenario(STARTUP.format(n=n), tmp_path / "startup.toml"), parse_scenario(MEMORY, tmp_path / "memory.toml")]


def test_a_run_starts_the_engine_stores_its_daemons_cost_and_leaves_the_host_as_it_was(tmp_path: Path,
                                                                                      image: Image) -> None:
    before = _host()
    with Store(tmp_path / "s.sqlite") as store:
        data = store.load(run_suite(_scenarios(tmp_path), store, image, RunOptions(runtimes=("docker",)), lineup=Lineup.registered()))
    meta = data.info.metadata
    assert meta["service.docker.how"] == "dockerd started by the suite" and meta["service.docker.answering"] == "True"
    assert "--iptables=false" in meta["service.docker.options"].split()
    runs = data.runs[(data.runs["runtime"] == "docker") & (data.runs["kind"] != "setup")]
    assert len(runs) == 3 and runs["ok"].all(), list(runs["error"])
    daemons = data.samples[(data.samples["runtime"] == "docker") & data.samples["metric"].str.startswith("daemon_")]
    assert set(daemons["scenario"]) == {"memory"}  # once per run, in the scenario about memory
    figures = dict(zip(daemons["metric"], daemons["value"]))
    assert figures["daemon_dockerd_pss_bytes"] > 10 * 2**20 and figures["daemon_containerd_pss_bytes"] > 5 * 2**20
    _assert_nothing_left(before)


def test_bench_clean_stops_the_engine_of_a_run_killed_with_sigkill(tmp_path: Path, image: Image) -> None:
    before = _host()
    scenario = tmp_path / "startup.toml"
    scenario.write_text(STARTUP.format(n=500))
    run = subprocess.Popen([str(BENCH), "run", str(scenario), "-r", "docker", "--no-report", "--reports", str(tmp_path)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not (seen := _containers()) and time.monotonic() < deadline and run.poll() is None:
            time.sleep(0.05)
        assert seen, f"no docker container ran: {run.stderr.read() if run.poll() is not None else ''}"
    finally:
        run.kill()
        run.wait()
        run.stderr.close()  # type: ignore[union-attr]
    assert not docker_engine.engine_answers(), "the killed run's engine answers"
    assert [o.kind for o in docker_engine.leftovers()] == ["engine"]
    done = subprocess.run([str(BENCH), "clean"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "docker: engine dockerd" in done.stdout + done.stderr, done.stderr
    assert docker_engine.leftovers() == []
    _assert_nothing_left(before)


def _containers() -> list[str]:
    done = subprocess.run(["docker", "ps", "--quiet", "--filter", f"name={name_prefix('docker')}"],
                          capture_output=True, text=True, timeout=30)
    return done.stdout.split()


def test_docker_is_skipped_with_the_reason_when_dockerd_cannot_start(tmp_path: Path, image: Image,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A real failure: dockerd itself refuses an option it does not know (the test-only knob adds it)."""
    before = _host()
    monkeypatch.setenv(docker_engine.EXTRA_OPTIONS_ENV, "--isobench-no-such-option")
    with Store(tmp_path / "s.sqlite") as store:
        data = store.load(run_suite(_scenarios(tmp_path)[:1], store, image, RunOptions(runtimes=("docker",)), lineup=Lineup.registered()))
    (skip,) = [s for s in data.skips if s.runtime == "docker"]
    assert skip.reason.startswith("the suite could not start a Docker engine: dockerd exited with status ")
    assert "isobench-no-such-option" in skip.reason
    assert data.info.metadata["service.docker.answering"] == "False"
    assert data.runs[data.runs["runtime"] == "native"]["ok"].all()  # the run went on
    t = Catalogue("es")  # dockerd's own words (a tool's output) stay as they are; the sentence around them is Spanish
    assert t.stored(skip.reason).startswith("la suite no pudo arrancar un motor Docker: dockerd terminó con el estado ")
    _assert_nothing_left(before)
