"""Every figure the suite records: its name, unit, label and which way is better.

Names carry their unit as a suffix (``_s``, ``_bytes``, ``_mib_s``, ``_iops``,
``_us``) so a stored sample is never ambiguous. The report converts to a
readable display unit (ms, MiB) through ``Metric.display``.
"""

from __future__ import annotations

import dataclasses
from typing import Literal

# suffix → (stored unit, display unit, factor from stored to display)
_UNITS: tuple[tuple[str, str, str, float], ...] = (
    ("_mib_s", "MiB/s", "MiB/s", 1.0),
    ("_bytes", "bytes", "MiB", 1 / 2**20),
    ("_iops", "IOPS", "IOPS", 1.0),
    ("_us", "µs", "µs", 1.0),
    ("_s", "s", "ms", 1e3),
)


@dataclasses.dataclass(frozen=True)
class Metric:
    name: str
    label: str
    better: Literal["lower", "higher"]
    description: str = ""

    @property
    def unit(self) -> str:
        return _unit_of(self.name)[0]

    @property
    def display_unit(self) -> str:
        return _unit_of(self.name)[1]

    def display(self, value: float) -> float:
        """The stored value converted to the display unit."""
        return value * _unit_of(self.name)[2]

    def format(self, value: float, unit: bool = True) -> str:
        """The stored value in the display unit, readable: '0.9295 ms', '18,640 IOPS'."""
        text = format_number(self.display(value))
        return f"{text} {self.display_unit}" if unit and self.display_unit else text


def format_number(value: float) -> str:
    """Four significant digits, no exponent: 0.0123, 1.757, 36.86, 1,447, 18,640."""
    if value != value:  # NaN
        return "–"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.4g}" if abs(value) >= 1e-4 or value == 0 else f"{value:.2e}"


def _unit_of(name: str) -> tuple[str, str, float]:
    for suffix, unit, shown, factor in _UNITS:
        if name.endswith(suffix):
            return unit, shown, factor
    return "", "", 1.0


_KNOWN = (
    Metric("ready_s", "launch → READY", "lower", "from the launch call until the host reads the probe's ready line"),
    Metric("exit_s", "launch → exited", "lower", "from the launch call until the workload has exited and been reaped"),
    Metric("cleanup_s", "launch → cleaned up", "lower", "until the instance's every resource is released"),
    Metric("host_pss_bytes", "host memory (PSS)", "lower", "proportional set size of every host process of the instance"),
    Metric("workload_rss_bytes", "the workload's own memory", "lower", "PSS of the probe's own process (or its RSS, read inside a VM)"),
    Metric("overhead_bytes", "isolation overhead", "lower", "host PSS minus what the workload itself uses"),
    Metric("cgroup_anon_bytes", "cgroup anonymous memory", "lower", "anonymous memory charged to the instance's cgroup"),
    Metric("cgroup_cache_bytes", "cgroup page cache", "lower", "page cache charged to the instance's cgroup"),
    Metric("cpu_elapsed_s", "fixed CPU work, wall time", "lower", "the probe's fixed integer work, timed inside"),
    Metric("cpu_cpu_s", "fixed CPU work, CPU time", "lower", "user + system CPU time of that work"),
    Metric("mem_touch_s", "touch N MiB", "lower", "time to fault in every page of the allocation"),
    Metric("io_seq_write_mib_s", "sequential write (fsync'd)", "higher", "1 MiB blocks, one fsync at the end"),
    Metric("io_seq_read_mib_s", "sequential read (O_DIRECT)", "higher", "1 MiB blocks, bypassing the page cache"),
    Metric("io_rand_read_iops", "4 KiB random read", "higher", "queue depth 1, O_DIRECT"),
    Metric("io_rand_read_p50_us", "4 KiB random read p50", "lower", "median latency of one read"),
    Metric("io_rand_read_p99_us", "4 KiB random read p99", "lower", "99th percentile latency of one read"),
    Metric("io_fsync_p50_us", "4 KiB write + fsync p50", "lower", "median latency"),
    Metric("io_fsync_p99_us", "4 KiB write + fsync p99", "lower", "99th percentile latency"),
    # A VM's boot, phase by phase: consecutive, so they add up to launch → READY.
    Metric("vm_boot_prepare_s", "VM: disk overlay", "lower", "the instance's copy-on-write disk (qemu-img) and console socket"),
    Metric("vm_boot_define_s", "VM: libvirt before QEMU", "lower", "from createXML until QEMU's process exists: libvirt's own work"),
    Metric("vm_boot_qemu_s", "VM: QEMU start", "lower",
           "QEMU builds the machine; libvirt sets it up over QMP (it checks the guest CPU feature by feature), then starts the CPU"),
    Metric("vm_boot_firmware_s", "VM: firmware", "lower", "BIOS, loading the kernel and initramfs, the kernel unpacking itself"),
    Metric("vm_boot_kernel_s", "VM: guest kernel", "lower", "from the guest kernel's clock starting until its initramfs runs"),
    Metric("vm_boot_initramfs_s", "VM: initramfs", "lower", "loading the virtio drivers, mounting the disk, switch_root"),
    Metric("vm_boot_probe_s", "VM: init and probe", "lower", "the disk's init starts the probe, until it prints READY"),
    Metric("vm_poweroff_s", "VM: power-off", "lower", "from the workload's exit until QEMU is gone (sync, ACPI power-off)"),
    Metric("vm_guest_mem_total_bytes", "guest: memory it sees", "higher",
           "MemTotal inside the guest: its RAM minus what its kernel reserved"),
    Metric("vm_guest_mem_available_bytes", "guest: memory available", "higher",
           "MemAvailable inside the guest, while the workload held its memory"),
    # An OpenVZ-style system container is started once per scenario, in the
    # runtime's setup; its runs are then execs into it (launch → READY there is
    # the exec latency). These are measured at that start.
    Metric("vz_ct_start_s", "CT start → init ready", "lower",
           "vz start: cgroup, namespaces, loop-mounted disk image, veth pair, pivot_root, then the CT's "
           "init (busybox) runs its inittab's boot actions"),
    Metric("vz_ct_init_s", "CT: its init's own boot", "lower",
           "from the exec of the CT's init until its inittab's boot actions have run"),
    Metric("vz_ct_pss_bytes", "idle CT: host memory (PSS)", "lower",
           "PSS of every process of the freshly started, idle CT (its init)"),
    Metric("vz_ct_anon_bytes", "idle CT: cgroup anonymous memory", "lower",
           "anonymous memory charged to the idle CT's cgroup"),
    Metric("vz_ct_cache_bytes", "idle CT: cgroup page cache", "lower",
           "page cache charged to the idle CT's cgroup (its boot read its disk)"),
)
METRICS: dict[str, Metric] = {m.name: m for m in _KNOWN}


def metric(name: str) -> Metric:
    """The registered metric, or a generic one whose unit comes from its suffix."""
    return METRICS.get(name) or Metric(name, name.replace("_", " "), "lower")
