"""vz, the OpenVZ-style system containers, for real: lifecycle, isolation, limits, clean-up.

Each test makes its own CT (CTIDs from 7101, so a teacher's CT 101 on the
same host is never touched) and destroys it; the leak check of
tests/conftest.py then finds no loop device, veth, cgroup, mount or process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from bench.runner import Lineup, RunOptions, run_suite
from bench.scenario import parse_scenario
from bench.store import Store
from runtimes import Image, InstanceSpec, probe_argv
from runtimes.kernel import loop
from runtimes.openvz import net, resources
from runtimes.openvz.ct import Engine
from runtimes.openvz.errors import Conflict
from runtimes.openvz.runtime import OpenVZ
from runtimes.openvz.security import VZ_CAPS
from tests.envcheck import require_runtime


@pytest.fixture
def engine(image: Image) -> Engine:
    require_runtime("openvz")
    return Engine()


@pytest.fixture
def ct(engine: Engine):
    """A created CT 7101 with an address; stopped (fast) and destroyed afterwards, whatever happened."""
    ctid = 7101
    if net.exists(net.host_device(ctid)):
        pytest.skip(f"{net.host_device(ctid)} exists on this host: another CT {ctid} is running")
    engine.create(ctid, diskspace=64 * 2**20, hostname="web1", ips=["10.213.27.189"])
    try:
        yield ctid
    finally:
        engine.stop(ctid, fast=True)
        engine.destroy(ctid)


def run(engine: Engine, ctid: int, script: str) -> tuple[int, str]:
    """`vz exec` through the library: the exit code and everything the command printed."""
    read_fd, write_fd = os.pipe()
    devnull = os.open(os.devnull, os.O_RDONLY)
    try:
        started = engine.exec_in(ctid, ["/bin/sh", "-c", script], (devnull, write_fd, write_fd))
    finally:
        os.close(write_fd)
        os.close(devnull)
    with os.fdopen(read_fd, "rb") as out:
        output = out.read().decode()
    _, status = os.waitpid(started.pid, 0)
    assert not started.setup_error(), output
    os.close(started.error_fd)
    return os.waitstatus_to_exitcode(status), output


def kernel_objects(engine: Engine, ctid: int) -> dict[str, object]:
    return {"loops": loop.loops_backed_by(engine.image_path(ctid)), "veth": net.exists(net.host_device(ctid)),
            "cgroup": resources.cgroup(ctid).exists(), "state": engine.state_path(ctid).exists()}


NOTHING = {"loops": [], "veth": False, "cgroup": False, "state": False}


def test_full_lifecycle_with_init_as_pid_1_and_a_graceful_stop(engine: Engine, ct: int) -> None:
    started = engine.start(ct)
    assert started.running and started.state.start_s > 0 and started.state.init_s > 0
    code, out = run(engine, ct, "tr -d '\\0' < /proc/1/cmdline; echo; echo $$; hostname; ls /proc | grep -c '^[0-9]'")
    init, own_pid, hostname, count = out.split()
    assert (code, init, hostname) == (0, "init", "web1")
    assert int(own_pid) > 1 and int(count) <= 4, "only init, the shell and its children: host PIDs are invisible"
    assert kernel_objects(engine, ct) == {"loops": [loop.loops_backed_by(engine.image_path(ct))[0]], "veth": True,
                                          "cgroup": True, "state": True}
    assert [c.ctid for c in engine.list()] == [ct]
    with pytest.raises(Conflict, match="already running"):
        engine.start(ct)
    with pytest.raises(Conflict, match="stop it first"):
        engine.destroy(ct)
    began = time.monotonic()
    assert engine.stop(ct) is True
    assert time.monotonic() - began < 5, "halted through init (about 2 s), not killed after the 10 s timeout"
    assert "halting" in engine.log_path(ct).read_text(), "init ran the inittab's shutdown action"
    assert kernel_objects(engine, ct) == NOTHING
    assert engine.list() == [] and not engine.get(ct).running
    assert engine.stop(ct) is False
    restarted = engine.restart(ct)
    assert restarted.running and run(engine, ct, "true")[0] == 0


def test_the_host_reaches_the_ct_and_the_ct_only_the_host(engine: Engine, ct: int) -> None:
    engine.start(ct)
    ping = subprocess.run(["busybox", "ping", "-c", "1", "-W", "2", "10.213.27.189"], capture_output=True, text=True)
    assert ping.returncode == 0, ping.stdout + ping.stderr
    code, out = run(engine, ct, "ip -4 -o addr show eth0; ip route; ping -c 1 -W 2 10.213.255.254 >/dev/null && echo pong")
    assert code == 0, out
    assert "inet 10.213.27.189/32" in out and "default via 10.213.255.254 dev eth0" in out and "pong" in out
    code, out = run(engine, ct, "ls /sys/class/net | sort | tr '\\n' ' '")
    assert out.split() == ["eth0", "lo"]


def test_writes_past_the_disk_quota_fail_with_enospc_and_spare_the_host(engine: Engine, ct: int) -> None:
    engine.start(ct)
    code, out = run(engine, ct, "df -k / | tail -1; dd if=/dev/zero of=/root/fill bs=1M count=100")
    assert code != 0 and "No space left on device" in out, out
    size_kib = int(out.splitlines()[0].split()[1])
    assert 48 * 1024 < size_kib <= 64 * 1024, "df inside shows the 64M quota, not the host's disk"
    image = os.stat(engine.image_path(ct))
    assert image.st_size == 64 * 2**20 and image.st_blocks * 512 <= 64 * 2**20, "the host gave it no more than 64M"
    assert run(engine, ct, "rm /root/fill && echo ok") == (0, "ok\n"), "the CT is fine after its disk was full"


def test_a_process_over_the_ram_limit_is_killed_and_the_ct_lives_on(engine: Engine, ct: int) -> None:
    engine.set(ct, ram=32 * 2**20, save=True)
    engine.start(ct)
    code, out = run(engine, ct, "exec /usr/bin/probe mem --mib 128")
    assert code == 137, out  # SIGKILL from the OOM killer
    assert resources.cgroup(ct).usage().oom_kills >= 1
    assert run(engine, ct, "echo alive") == (0, "alive\n")


def test_numproc_stops_a_fork_bomb_inside_its_ct(engine: Engine, ct: int) -> None:
    engine.set(ct, numproc=16, save=True)
    engine.start(ct)
    code, out = run(engine, ct, "i=0; while [ $i -lt 40 ]; do sleep 30 >/dev/null 2>&1 & i=$((i+1)); done; echo spawned")
    assert "can't fork" in out or "Resource temporarily unavailable" in out, out
    assert resources.cgroup(ct).usage().pids_current <= 16
    assert subprocess.run(["true"]).returncode == 0, "the host forks as usual"


def test_exec_returns_the_commands_exit_code(engine: Engine, ct: int) -> None:
    engine.start(ct)
    assert run(engine, ct, "exit 42")[0] == 42
    assert run(engine, ct, "/no/such/program")[0] == 127
    assert run(engine, ct, "kill -9 $$")[0] == 137


def test_root_in_the_ct_has_a_system_containers_capabilities_and_no_more(engine: Engine, ct: int) -> None:
    engine.start(ct)
    code, out = run(engine, ct, "grep CapBnd /proc/self/status; mknod /tmp/sda b 8 0; mount -t tmpfs x /mnt; "
                                "hostname other; ip addr add 10.213.9.9/32 dev eth0; echo done")
    bounding = int(out.split()[1], 16)
    assert bounding == sum(1 << bit for bit in VZ_CAPS.values())
    assert out.count("Operation not permitted") + out.count("Permission denied") >= 3, out
    assert run(engine, ct, "hostname")[1] == "web1\n", "the CT cannot rename itself without CAP_SYS_ADMIN"
    assert run(engine, ct, "ip -4 -o addr show eth0 | grep -c inet")[1] == "1\n", "nor take another address"


def test_set_changes_a_running_ct_at_once(engine: Engine, ct: int) -> None:
    engine.start(ct)
    engine.set(ct, ram=64 * 2**20, cpuunits=500, hostname="web2", ipadd=["10.213.27.190"], ipdel=["10.213.27.189"])
    group = resources.cgroup(ct)
    limit = group.path / ("memory.max" if group.version == "v2" else "memory.limit_in_bytes")
    assert limit.read_text().strip() == str(64 * 2**20)
    assert run(engine, ct, "hostname; cat /etc/hostname; ip -4 -o addr show eth0 | awk '{print $4}'")[1].split() == [
        "web2", "web2", "10.213.27.190/32"]
    assert subprocess.run(["busybox", "ping", "-c", "1", "-W", "2", "10.213.27.190"], capture_output=True).returncode == 0
    engine.set(ct, ram=128 * 2**20)  # raising a live limit moves memsw first
    assert limit.read_text().strip() == str(128 * 2**20)
    assert engine.get(ct).config.hostname == "web1", "not saved: the config is unchanged"


def test_a_ct_whose_init_died_is_noticed_and_cleaned_up(engine: Engine, ct: int) -> None:
    pid = engine.start(ct).state.pid
    os.kill(pid, signal.SIGKILL)
    time.sleep(0.1)
    assert not engine.get(ct).running
    assert [c.running for c in engine.list(all=True)] == [False]
    assert kernel_objects(engine, ct) == NOTHING


def test_a_ct_started_by_a_process_that_dies_dies_with_it(engine: Engine, ct: int) -> None:
    """die_with_parent, as the harness uses it: a killed `bench run` leaves no CT running."""
    parent = os.fork()
    if parent == 0:
        try:
            engine.start(ct, die_with_parent=True)
            os.kill(os.getpid(), signal.SIGKILL)
        finally:
            os._exit(1)
    os.waitpid(parent, 0)
    deadline = time.monotonic() + 5
    while engine.get(ct).running and time.monotonic() < deadline:
        time.sleep(0.02)
    assert kernel_objects(engine, ct) == NOTHING


def test_the_suite_runtime_execs_the_probe_into_one_running_ct(image: Image) -> None:
    require_runtime("openvz")
    with OpenVZ(image) as runtime:
        figures = runtime.setup_observations()
        assert 0 < figures["vz_ct_start_s"] < 10 and figures["vz_ct_pss_bytes"] > 0
        init_pid = Engine().get(runtime.ctid).state.pid
        for _ in range(2):
            with runtime.start(InstanceSpec(image=image, argv=probe_argv("ready"))) as inst:
                ready = inst.wait_ready(10)
                assert int(ready.fields["pid"]) > 1, "the probe runs inside the CT's PID namespace"
                assert inst.wait(10) == 0
        with runtime.start(InstanceSpec(image=image, argv=probe_argv("idle"))) as inst:
            inst.wait_ready(10)
            assert init_pid in inst.host_pids and inst.workload_pid in inst.host_pids
            assert inst.cgroup == resources.cgroup(runtime.ctid).path
            assert os.readlink(f"/proc/{inst.pid}/exe").startswith("/memfd:box-init"), \
                "the exec helper runs from a sealed memfd, so the CT cannot rewrite a host binary (CVE-2019-5736)"
            inst.stop()
        ctid = runtime.ctid
    assert not Engine().exists(ctid), "cleanup destroys the CT"


def test_the_ct_start_reaches_the_store_as_a_setup_run(tmp_path: Path, image: Image) -> None:
    require_runtime("openvz")
    text = ('name = "t"\ndescription = "test"\n[workload]\nmode = "ready"\n[run]\nwarmup = 1\nrepetitions = 2\n'
            'runtimes = ["native", "openvz"]\n[report]\nmetrics = ["ready_s"]\n')
    with Store(tmp_path / "s.sqlite") as store:
        data = store.load(run_suite([parse_scenario(text, tmp_path / "t.toml")], store, image, RunOptions(), lineup=Lineup.registered()))
    runs = data.runs[data.runs["runtime"] == "openvz"]
    assert list(runs["kind"]) == ["warmup", "measured", "measured", "setup"] and runs["ok"].all()
    assert list(dict.fromkeys(data.runs["runtime"])) == ["native", "openvz"], "stored after the runs: order kept"
    by_metric = data.samples[data.samples["runtime"] == "openvz"].groupby("metric").size().to_dict()
    assert by_metric["vz_ct_start_s"] == 1 and by_metric["ready_s"] == 2
