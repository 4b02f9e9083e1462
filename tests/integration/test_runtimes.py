"""native and chroot, driven through the one Runtime interface, for real; and that interface's failed setup."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import psutil
import pytest

from bench.errors import InstanceError
from runtimes import Chroot, Image, InstanceSpec, Native, get_runtime, parse_line, probe_argv
from runtimes.base import Runtime
from runtimes.kernel.paths import scratch_root
from tests.envcheck import require_runtime

RUNTIME_CLASSES = [Native, Chroot]


@pytest.fixture(params=RUNTIME_CLASSES, ids=lambda r: r.name)
def runtime(request: pytest.FixtureRequest, image: Image):
    require_runtime(request.param.name)
    with request.param(image) as rt:
        yield rt


def spec(image: Image, mode: str, *args: str) -> InstanceSpec:
    return InstanceSpec(image=image, argv=probe_argv(mode, args))


def test_ready_is_seen_after_launch_and_the_workload_exits_zero(runtime: Runtime, image: Image) -> None:
    with runtime.start(spec(image, "ready")) as inst:
        ready = inst.wait_ready(10)
        assert ready.event == "ready" and ready.at_ns > 0
        assert inst.wait(10) == 0


def test_idle_instance_exposes_its_host_pids_and_stops_on_request(runtime: Runtime, image: Image) -> None:
    with runtime.start(spec(image, "idle")) as inst:
        inst.wait_ready(10)
        pids = inst.host_pids
        assert pids and inst.workload_pid in pids
        assert psutil.Process(inst.workload_pid).exe().endswith("/usr/bin/probe")
        inst.stop()
        inst.stop()  # idempotent
        assert not any(psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE for p in pids)
    assert [p.event for ln in inst.lines if (p := parse_line(ln.text))][-1] == "stopped"


def test_io_writes_inside_the_instance_root(runtime: Runtime, image: Image) -> None:
    with runtime.start(spec(image, "io", "--size-mib", "4", "--rand-ops", "50", "--fsync-ops", "5")) as inst:
        inst.wait_ready(10)
        assert inst.wait(60) == 0
    result = [p for ln in inst.lines if (p := parse_line(ln.text))][-1]
    assert result.event == "result" and result.number("seq_write_mib_s") > 0


def test_a_workload_that_never_gets_ready_times_out_and_is_killed(runtime: Runtime, image: Image) -> None:
    with runtime.start(InstanceSpec(image=image, argv=("/bin/sleep", "30"))) as inst:
        with pytest.raises(InstanceError, match="no ready line within 0.3 s"):
            inst.wait_ready(0.3)
        pid = inst.workload_pid
    assert not psutil.pid_exists(pid)


def test_a_workload_that_exits_early_fails_with_its_status_and_message(runtime: Runtime, image: Image) -> None:
    with runtime.start(InstanceSpec(image=image, argv=("/bin/sh", "-c", "echo broken >&2; exit 3"))) as inst:
        with pytest.raises(InstanceError, match=r"exited with status 3 before it was ready: broken"):
            inst.wait_ready(10)


def test_chroot_sees_the_image_as_its_root(image: Image) -> None:
    require_runtime("chroot")
    with Chroot(image) as rt:
        with rt.start(InstanceSpec(image=image, argv=("/bin/sh", "-c", "ls /; cat /etc/hostname"))) as inst:
            assert inst.wait(10) == 0
        listing = {ln.text for ln in inst.lines}
        assert {"bin", "usr", "etc", "proc"} <= listing and "isobench" in listing
        assert not Path("/isobench-not-here").exists()
        root = rt.root
        assert root.is_dir()
    assert not root.exists(), "the writable root is removed at cleanup"


def test_chroot_does_not_isolate_pids(image: Image) -> None:
    """chroot changes only the root: the workload's PID is a host PID (chroot(2))."""
    require_runtime("chroot")
    with Chroot(image) as rt, rt.start(spec(image, "ready")) as inst:
        ready = inst.wait_ready(10)
        assert int(ready.fields["pid"]) == inst.workload_pid != 1
        inst.wait(10)


def test_native_runs_the_image_binary_in_a_scratch_dir_removed_at_cleanup(image: Image) -> None:
    with Native(image) as rt:
        workdir = rt.workdir
        with rt.start(spec(image, "idle")) as inst:
            inst.wait_ready(10)
            assert Path(os.readlink(f"/proc/{inst.workload_pid}/cwd")) == workdir
            assert Path(os.readlink(f"/proc/{inst.workload_pid}/exe")) == image.probe
    assert not workdir.exists()


def test_start_outside_with_is_a_clear_error(image: Image) -> None:
    with pytest.raises(RuntimeError, match="inside `with`"):
        Native(image).start(spec(image, "ready"))


# Their setup makes a scratch tree, then copies the image into it: the copy is what fails below.
COPYING_SETUPS = ("chroot", "unshare", "bwrap", "lxc", "crun", "runc")


@pytest.mark.parametrize("name", COPYING_SETUPS)
def test_a_setup_that_fails_halfway_leaves_nothing_behind(name: str, image: Image) -> None:
    """Runtime.__enter__ undoes what ``setup()`` had done when it raises: here, the scratch tree made before the copy."""
    require_runtime(name)
    broken = dataclasses.replace(image, rootfs=image.rootfs.parent / "no-such-rootfs")
    before = set(scratch_root().iterdir())
    with pytest.raises(FileNotFoundError, match="no-such-rootfs"):
        with get_runtime(name)(broken):
            pass
    assert set(scratch_root().iterdir()) == before


def test_unknown_runtime_name_lists_the_valid_ones() -> None:
    from bench.errors import UsageError

    with pytest.raises(UsageError, match="choose from: native, chroot"):
        get_runtime("docker-ish")
