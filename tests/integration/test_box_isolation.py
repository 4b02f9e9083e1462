"""box isolates for real: every namespace, limit and privilege checked from inside."""

from __future__ import annotations

import os
import re
import socket
from pathlib import Path

import pytest

from runtimes import Image, Limits
from runtimes.box import Engine
from runtimes.box.contain import Volume
from runtimes.box.runtime import SUITE_IMAGE, BoxRuntime
from runtimes.kernel.security import DOCKER_DEFAULT_CAPS
from tests.envcheck import require_runtime


@pytest.fixture(scope="module")
def engine(image: Image) -> Engine:
    require_runtime("box")
    with BoxRuntime(image) as runtime:  # imports the suite's image under its fixed name
        return runtime.engine


def run(engine: Engine, *command: str, limits: Limits = Limits(), **options) -> tuple[int, str]:
    """`box run --rm` through the library: the exit code and everything the command printed."""
    container = engine.create(SUITE_IMAGE, command, limits=limits, **options)
    read_fd, write_fd = os.pipe()
    devnull = os.open(os.devnull, os.O_RDONLY)
    try:
        started = engine.start(container, (devnull, write_fd, write_fd), die_with_parent=True)
    finally:
        os.close(write_fd)
        os.close(devnull)
    with os.fdopen(read_fd, "rb") as out:
        output = out.read().decode()
    _, status = os.waitpid(started.pid, 0)
    setup = started.setup_error()
    os.close(started.error_fd)
    engine.finish(container, status)
    code = container.state.exit_code
    run.last_state = container.state  # type: ignore[attr-defined]
    engine.remove(container)
    assert not setup, setup
    return code, output


def sh(engine: Engine, script: str, **options) -> tuple[int, str]:
    return run(engine, "/bin/sh", "-c", script, **options)


def test_the_command_is_pid_2_under_box_init_and_host_pids_are_invisible(engine: Engine) -> None:
    code, out = sh(engine, "echo $$; ls /proc | grep -E '^[0-9]+$' | sort -n | tr '\\n' ' '")
    assert code == 0
    own_pid, pids = out.splitlines()
    assert own_pid == "2"
    assert max(int(p) for p in pids.split()) < 10, "only the container's own few processes"
    assert str(os.getpid()) not in pids.split()


def test_hostname_is_the_containers_own(engine: Engine) -> None:
    code, out = sh(engine, "hostname", hostname="inside")
    assert (code, out.strip()) == (0, "inside")
    assert socket.gethostname() != "inside"


def test_only_loopback_exists_and_it_is_up(engine: Engine) -> None:
    code, out = sh(engine, "ls /sys/class/net; cat /sys/class/net/lo/operstate /sys/class/net/lo/flags")
    assert code == 0
    lines = out.split()
    assert lines[0] == "lo" and len(lines) == 3, out
    assert int(lines[2], 16) & 0x1, "IFF_UP set on lo"


def test_root_is_an_overlay_with_its_own_proc_and_no_host_mounts(engine: Engine) -> None:
    code, out = sh(engine, "cat /proc/self/mountinfo")
    assert code == 0
    mounts = {line.split()[4]: line.split(" - ")[1].split()[0] for line in out.splitlines()}
    assert mounts["/"] == "overlay"
    assert mounts["/proc"] == "proc" and mounts["/sys"] == "sysfs" and mounts["/dev"] == "tmpfs"
    assert "/work" not in mounts and not any(m.startswith("/var/lib") for m in mounts)


def test_writes_land_in_the_container_layer_not_in_the_image(engine: Engine, image: Image) -> None:
    code, _ = sh(engine, "echo hi > /etc/written-by-test && rm /bin/ls")
    assert code == 0
    layer = engine.images.lower_dirs(engine.images.resolve(SUITE_IMAGE))[0]
    assert not (layer / "etc/written-by-test").exists() and (layer / "bin/ls").is_symlink()


def test_dev_has_only_the_default_devices(engine: Engine) -> None:
    code, out = sh(engine, "ls /dev; ls /dev/sda /dev/vda 2>&1 || true")
    assert code == 0
    names = set(out.split())
    assert {"null", "zero", "full", "random", "urandom", "tty", "pts", "shm"} <= names
    assert "vda" not in names and "sda" not in names and "kmsg" not in names


def test_capabilities_are_dockers_default_set(engine: Engine) -> None:
    code, out = sh(engine, "grep -E '^Cap(Eff|Bnd|Prm)' /proc/self/status; grep NoNewPrivs /proc/self/status")
    assert code == 0
    expected = sum(1 << n for n in DOCKER_DEFAULT_CAPS.values())
    caps = dict(re.findall(r"(Cap\w+):\s+([0-9a-f]+)", out))
    assert {k: int(v, 16) for k, v in caps.items()} == {"CapPrm": expected, "CapEff": expected, "CapBnd": expected}
    assert re.search(r"NoNewPrivs:\s+1", out)


@pytest.mark.parametrize("path", ["/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug"])
def test_masked_proc_files_read_as_empty(engine: Engine, path: str) -> None:
    if not os.path.exists(path):
        pytest.skip(f"{path} does not exist on this host's kernel, so there is nothing to mask")
    code, out = sh(engine, f"wc -c < {path}")
    assert (code, out.strip()) == (0, "0")


def test_proc_sys_and_sysrq_trigger_are_read_only(engine: Engine) -> None:
    code, out = sh(engine, "echo 1 > /proc/sys/kernel/domainname 2>&1; echo rc=$?; echo h > /proc/sysrq-trigger 2>&1; echo rc=$?")
    assert code == 0
    assert out.count("rc=1") == 2 and "Read-only file system" in out


def test_mounting_is_refused(engine: Engine) -> None:
    code, out = sh(engine, "mkdir -p /mnt/x; mount -t tmpfs none /mnt/x 2>&1; echo rc=$?")
    assert "rc=0" not in out, out


def test_seccomp_filter_is_loaded(engine: Engine) -> None:
    # what it refuses: test_box_seccomp.py; without libseccomp's binding box is not available at all
    code, out = sh(engine, "grep Seccomp: /proc/self/status")
    assert re.search(r"Seccomp:\s+2", out), out  # 2 = SECCOMP_MODE_FILTER


def test_the_classic_chroot_escape_fails(engine: Engine) -> None:
    code, out = run(engine, "/usr/bin/probe", "escape")
    assert code == 0
    assert "escaped=0" in out


def test_memory_limit_oom_kills_and_the_state_says_so(engine: Engine) -> None:
    code, out = run(engine, "/usr/bin/probe", "mem", "--mib", "128", limits=Limits(memory_bytes=32 * 2**20))
    assert code == 137, out
    assert run.last_state.oom_killed  # type: ignore[attr-defined]


def test_pids_limit_stops_a_fork_bomb(engine: Engine) -> None:
    # Forks for ever, printing how many children it has; the shell itself
    # gives up (exit 2) once fork(2) fails with EAGAIN at the limit.
    code, out = sh(engine, "i=0; while :; do sleep 30 & i=$((i+1)); echo $i; done", limits=Limits(pids=16))
    counts = [int(line) for line in out.split() if line.isdigit()]
    assert code == 2 and "can't fork" in out, out
    assert max(counts) <= 16 - 2, "box-init and the shell count against the limit too"


def test_cpu_quota_shows_in_measured_throughput(engine: Engine) -> None:
    # Long enough (~0.2 s of CPU) that where the first 100 ms CFS period starts hardly matters.
    code, out = run(engine, "/usr/bin/probe", "cpu", "--iterations", "100000000", limits=Limits(cpus=0.25))
    assert code == 0
    fields = dict(f.split("=") for f in out.splitlines()[-1].split()[1:])
    elapsed, cpu = float(fields["elapsed_s"]), float(fields["cpu_s"])
    assert elapsed > 2.5 * cpu, f"a quarter CPU: wall {elapsed:.3f} s for {cpu:.3f} s of CPU"


def test_volumes_are_bound_in_and_read_only_ones_refuse_writes(engine: Engine, tmp_path: Path) -> None:
    (tmp_path / "rw").mkdir()
    (tmp_path / "ro").mkdir()
    (tmp_path / "ro" / "file").write_text("from host")
    volumes = [Volume(tmp_path / "rw", "/data"), Volume(tmp_path / "ro", "/config", readonly=True)]
    code, out = sh(engine, "echo from-container > /data/out; cat /config/file; echo x > /config/new 2>&1; echo rc=$?",
                   volumes=volumes)
    assert (tmp_path / "rw" / "out").read_text() == "from-container\n"
    assert "from host" in out and "rc=1" in out and not (tmp_path / "ro" / "new").exists()


def test_exit_codes_follow_docker(engine: Engine) -> None:
    assert run(engine, "/bin/sh", "-c", "exit 7")[0] == 7
    code, out = run(engine, "/no/such/command")
    assert code == 127 and "No such file" in out
    assert run(engine, "/etc/passwd")[0] == 126


def test_usage_is_read_back_from_the_cgroup(engine: Engine, image: Image) -> None:
    from runtimes import InstanceSpec, probe_argv

    with BoxRuntime(image) as runtime, runtime.start(InstanceSpec(image=image, argv=probe_argv("mem", ("--mib", "24")))) as inst:
        inst.wait_ready(10)
        assert inst.cgroup is not None and inst.cgroup.is_dir()
        inst.stop()
        figures = inst.observations()
    assert figures["cgroup_memory_peak_bytes"] >= 24 * 2**20
    assert figures["cgroup_cpu_s"] > 0
