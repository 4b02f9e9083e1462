"""A container's resource limits: OpenVZ's user beancounters, rebuilt on cgroups.

OpenVZ counted each CT's RAM, processes, CPU share… in "user beancounters"
(/proc/user_beancounters) and refused what went past a limit. Mainline Linux
has the same idea as control groups; vz writes each setting of the CT's
config to the CT's group (box's managers, under the parent "vz"):

    RAM       memory.limit_in_bytes (+memsw)   v2: memory.max (+ swap.max 0)
              past it, the kernel's OOM killer kills a process of the CT
    NUMPROC   pids.max                         v2: pids.max
              past it, fork() fails with EAGAIN: a fork bomb stays in its CT
    CPUS      cpu.cfs_quota_us / period        v2: cpu.max
              at most that many CPUs' worth of time
    CPUUNITS  cpu.shares (units × 1024/1000)   v2: cpu.weight (units / 10)
              a relative weight when CTs compete; 1000 units is the kernel's
              default share, as OpenVZ's default CPUUNITS was 1000
    DISKSPACE not a cgroup: the size of the CT's disk image (disk.py)
    devices   box's allow-list (kernel/devices.py: devices.allow on v1, a BPF
              program on v2), plus the loop devices the CT's own first
              process needs to attach and mount its disk (boot.py, step 4)
"""

from __future__ import annotations

from runtimes.base import Limits
from runtimes.kernel import cgroups, devices
from runtimes.kernel.devices import DeviceRule
from runtimes.openvz.config import CTConfig

PARENT = "vz"   # /sys/fs/cgroup/<controller>/vz/<CTID> (v1) or /sys/fs/cgroup/vz/<CTID> (v2)

# A CT has no CAP_MKNOD and a nodev disk; the devices cgroup is the lock behind
# those two. The disk is attached from inside the group (the free loop device
# is only known then), so loop devices stay open to the CT: with no node for
# one and no CAP_SYS_ADMIN to configure one, it cannot use them.
ALLOWED_DEVICES = (*devices.DEFAULT_RULES,
                   DeviceRule("c", 10, 237, "rw", "/dev/loop-control"),
                   DeviceRule("b", 7, None, "rw", "/dev/loop*"))


def cgroup(ctid: int) -> cgroups.Cgroup:
    return cgroups.for_host(str(ctid), parent=PARENT)


def create(group: cgroups.Cgroup, config: CTConfig) -> None:
    """Make the CT's group with every limit of its config; on error nothing is left."""
    group.create(config.limits(), allowed_devices=ALLOWED_DEVICES)
    try:
        if config.cpuunits is not None:
            write_cpuunits(group, config.cpuunits)
    except BaseException:
        group.destroy()
        raise


def update(group: cgroups.Cgroup, limits: Limits, cpuunits: int | None) -> None:
    """Change a running CT's limits (only those given); a refused value changes nothing else."""
    if any(v is not None for v in (limits.memory_bytes, limits.cpus, limits.pids)):
        group.update(limits)
    if cpuunits is not None:
        write_cpuunits(group, cpuunits)


def write_cpuunits(group: cgroups.Cgroup, units: int) -> None:
    if group.version == "v1":
        path, value = group.controller_path("cpu") / "cpu.shares", max(2, min(262144, units * 1024 // 1000))
    else:
        path, value = group.controller_path("cpu") / "cpu.weight", max(1, min(10000, round(units / 10)))
    try:
        path.write_text(str(value))
    except OSError as err:
        raise OSError(err.errno, f"write {value} to {path}: {err.strerror}") from None
