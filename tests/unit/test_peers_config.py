"""What the peers hand their tools, checked without running them: OCI config, LXC keys, engine flags, QEMU argv."""

from __future__ import annotations

from pathlib import Path

from runtimes.base import Limits
from runtimes.kernel import rootfs, seccomp, security
from runtimes.peers import hybrid
from runtimes.peers.engine import limit_flags
from runtimes.peers.lxc import container_config, limit_keys, seccomp_policy
from runtimes.peers.oci import runtime_config
from runtimes.peers.qemu import qemu_argv
from runtimes.vm.accel import Accelerator
from runtimes.vm.guest import Guest

MIB = 2**20
HYBRID = """\
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
"""
UNIFIED = "30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n"
V1_ONLY = "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"


def test_oci_config_asks_for_boxs_namespaces_privileges_and_masks() -> None:
    config = runtime_config(Path("/srv/root"), ["/usr/bin/probe", "ready"], hostname="h", cgroups_path="/isobench-crun/c1")
    assert {ns["type"] for ns in config["linux"]["namespaces"]} == {"pid", "mount", "uts", "ipc", "network", "cgroup"}
    assert config["process"]["args"] == ["/usr/bin/probe", "ready"] and config["hostname"] == "h"
    assert set(config["process"]["capabilities"]["bounding"]) == set(security.DOCKER_DEFAULT_CAPS)
    assert config["process"]["noNewPrivileges"] is True
    assert config["root"] == {"path": "/srv/root", "readonly": False}
    assert config["linux"]["maskedPaths"] == list(rootfs.MASKED_PATHS)
    filt = config["linux"]["seccomp"]
    assert (filt["defaultAction"], filt["defaultErrnoRet"], filt["architectures"]) == ("SCMP_ACT_ERRNO", 1, ["SCMP_ARCH_X86_64"])
    assert set(filt["syscalls"][0]["names"]) == seccomp.BOX_PROFILE.allowed
    assert {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
            "args": [{"index": 0, "value": 0x7E020000, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]} in filt["syscalls"]
    assert {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38} in filt["syscalls"]
    assert config["linux"]["cgroupsPath"] == "/isobench-crun/c1"
    assert set(config["linux"]["resources"]) == {"devices"}, "no limits unless the scenario sets them"


def test_oci_config_turns_limits_into_resources_without_swap() -> None:
    res = runtime_config(Path("/r"), ["x"], limits=Limits(memory_bytes=64 * MIB, cpus=0.5, pids=50))["linux"]["resources"]
    assert res["memory"] == {"limit": 64 * MIB, "swap": 64 * MIB}
    assert res["cpu"] == {"quota": 50_000, "period": 100_000}
    assert res["pids"] == {"limit": 50}


def test_hybrid_host_is_told_apart_from_unified_and_v1_only() -> None:
    assert hybrid.is_hybrid(HYBRID)
    assert not hybrid.is_hybrid(UNIFIED)
    assert not hybrid.is_hybrid(V1_ONLY)


def test_lxc_limits_use_the_keys_of_the_hosts_cgroup_version() -> None:
    limits = Limits(memory_bytes=64 * MIB, cpus=1.5, pids=50)
    assert limit_keys(limits, "v1") == {"lxc.cgroup.memory.limit_in_bytes": str(64 * MIB),
                                        "lxc.cgroup.cpu.cfs_period_us": "100000",
                                        "lxc.cgroup.cpu.cfs_quota_us": "150000", "lxc.cgroup.pids.max": "50"}
    assert limit_keys(limits, "v2") == {"lxc.cgroup2.memory.max": str(64 * MIB), "lxc.cgroup2.memory.swap.max": "0",
                                        "lxc.cgroup2.cpu.max": "150000 100000", "lxc.cgroup2.pids.max": "50"}
    assert limit_keys(Limits(), "v1") == {}


def test_lxc_config_keeps_dockers_capabilities_and_its_own_cgroups() -> None:
    text = container_config("c1", Path("/srv/root"), "h", Limits(), Path("/srv/policy"))
    keys = dict(line.split(" = ", 1) for line in text.splitlines())
    assert keys["lxc.rootfs.path"] == "dir:/srv/root" and keys["lxc.uts.name"] == "h"
    assert set(keys["lxc.cap.keep"].split()) == {c.removeprefix("CAP_").lower() for c in security.DOCKER_DEFAULT_CAPS}
    assert keys["lxc.cgroup.dir.container"] == "isobench-lxc/c1"
    assert keys["lxc.cgroup.dir.monitor.pivot"] == "isobench-lxc/c1.pivot"
    policy = seccomp_policy().splitlines()
    assert policy[:3] == ["2", "allowlist errno 1", "[x86_64]"]
    assert "read" in policy and "mount" not in policy and "unshare" not in policy
    assert "clone allow [0,0,SCMP_CMP_MASKED_EQ,2114060288]" in policy and "clone3 errno 38" in policy


def test_engine_flags_forbid_swap_and_pass_cpus_and_pids() -> None:
    assert limit_flags(Limits(memory_bytes=64 * MIB, cpus=0.5, pids=50)) == [
        "--memory", str(64 * MIB), "--memory-swap", str(64 * MIB), "--cpus", "0.5", "--pids-limit", "50"]
    assert limit_flags(Limits()) == []


class _Vm:
    emulator = "/usr/bin/qemu-system-x86_64"
    guest = Guest(kernel=Path("/g/vmlinuz"), initramfs=Path("/g/initrd"), disk=Path("/g/disk.raw"),
                  kernel_label="k", key="x")
    disk_cache, disk_io = "none", "native"

    def __init__(self, accelerator: str) -> None:
        self.accelerator = Accelerator(accelerator, "test")


def test_plain_qemu_boots_the_guest_directly_under_the_chosen_accelerator() -> None:
    argv = qemu_argv(_Vm("tcg"), Path("/w/disk.qcow2"), Path("/w/c.sock"), "console=ttyS0 -- /usr/bin/probe ready",
                     memory_mib=128, vcpus=2)
    assert argv[argv.index("-machine") + 1] == "pc,accel=tcg" and "-cpu" not in argv
    assert argv[argv.index("-kernel") + 1] == "/g/vmlinuz" and argv[argv.index("-m") + 1] == "128"
    assert "file=/w/disk.qcow2,if=virtio,format=qcow2,cache=none,aio=native" in argv
    kvm = qemu_argv(_Vm("kvm"), Path("/w/d"), Path("/w/c"), "x")
    assert kvm[kvm.index("-machine") + 1] == "pc,accel=kvm" and kvm[kvm.index("-cpu") + 1] == "host"
