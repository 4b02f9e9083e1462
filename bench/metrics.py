"""Every figure the suite records: its name, unit, label and which way is better.

Names carry their unit as a suffix (``_s``, ``_bytes``, ``_mib_s``, ``_iops``,
``_us``) so a stored sample is never ambiguous. The report converts to a
readable display unit (ms, MiB) through ``Metric.display`` and writes numbers
in its reader's language (``format_number``): "2,841.5" in English is
"2 841,5" in Spanish, where "2,841" would read as two and a bit.
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
    ("_ns", "ns", "ns", 1.0),   # before "_s", which it also ends with
    ("_s", "s", "ms", 1e3),
    ("_count", "count", "", 1.0),
    ("_blocked", "1 = blocked, 0 = got through", "", 1.0),  # the isolation scorecard's checks
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

    def format(self, value: float, unit: bool = True, lang: str = "en") -> str:
        """The stored value in the display unit, readable: '0.9295 ms', '18,640 IOPS' ('18 640 IOPS' in Spanish)."""
        text = format_number(self.display(value), lang)
        return f"{text} {self.display_unit}" if unit and self.display_unit else text


# Per report language: the decimal mark, then the thousands separator (the two characters plotly's
# layout.separators takes, in that order). Spanish follows the RAE and ISO 80000: a decimal comma, and
# thousands grouped by a narrow no-break space, never a point or a comma, so no group reads as decimals.
SEPARATORS = {"en": ".,", "es": ",\u202f"}
# What follows a ratio: "1.50×" in English; in Spanish a no-break space first, as before any unit sign.
TIMES = {"en": "×", "es": "\u00a0×"}


def localize(english: str, lang: str = "en") -> str:
    """A number written the English way ('2,841.5', '0.39') in ``lang``'s separators ('2 841,5', '0,39')."""
    decimal, thousands = SEPARATORS[lang]
    return english.translate({ord("."): decimal, ord(","): thousands})


def format_number(value: float, lang: str = "en") -> str:
    """Four significant digits, no exponent: 0.0123, 1.757, 36.86, 1,447, 18,640 (Spanish: 1,757, 18 640)."""
    if value != value:  # NaN
        return "–"
    if abs(value) >= 1000:
        return localize(f"{value:,.0f}", lang)
    return localize(f"{value:.4g}" if abs(value) >= 1e-4 or value == 0 else f"{value:.2e}", lang)


def format_ratio(value: float, lang: str = "en") -> str:
    """A ratio to two decimals: '1.50×' (Spanish: '1,50 ×')."""
    return localize(f"{value:.2f}", lang) + TIMES[lang]


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
    # The parts of overhead_bytes that can be told apart, for a stacked bar (bench.observers.memory_snapshot).
    Metric("overhead_runtime_bytes", "isolation: runtime processes", "lower",
           "PSS of the instance's host processes beside the workload (box-init, a CT's init, QEMU itself "
           "without the guest's RAM)"),
    Metric("overhead_guest_bytes", "isolation: guest kernel and its caches", "lower",
           "a VM's guest RAM in use (PSS of QEMU's guest memory) minus the workload's own: the guest kernel, "
           "its page cache, its init"),
    Metric("overhead_page_cache_bytes", "isolation: host page cache", "lower",
           "page cache charged to the instance's cgroup (files it read or wrote); not part of PSS"),
    Metric("cgroup_anon_bytes", "cgroup anonymous memory", "lower", "anonymous memory charged to the instance's cgroup"),
    Metric("cgroup_cache_bytes", "cgroup page cache", "lower", "page cache charged to the instance's cgroup"),
    Metric("cpu_elapsed_s", "fixed CPU work, wall time", "lower", "the probe's fixed integer work, timed inside"),
    Metric("cpu_cpu_s", "fixed CPU work, CPU time", "lower", "user + system CPU time of that work"),
    Metric("mem_touch_s", "touch N MiB", "lower", "time to fault in every page of the allocation"),
    # The syscalls scenario (bench/workload/syscalls.c): time per operation, the median batch of one run.
    Metric("syscalls_getppid_ns", "getppid (empty system call)", "lower",
           "one system call that does no work: the bare trip into the kernel and back"),
    Metric("syscalls_open_close_ns", "open + close of a file", "lower", "open(2) and close(2) of a file of the image"),
    Metric("syscalls_stat_ns", "stat of a file", "lower", "stat(2) of a file of the image: a path lookup"),
    Metric("syscalls_page_fault_ns", "4 KiB page fault", "lower", "mmap(2) of 4 KiB, the first write to it, munmap(2)"),
    Metric("syscalls_pipe_round_trip_ns", "pipe round trip", "lower",
           "one byte to another process and back through two pipes: two context switches"),
    Metric("syscalls_fork_exit_wait_ns", "fork + exit + wait", "lower",
           "fork(2) of a small static process, its _exit(2), waitpid(2) in the parent"),
    Metric("io_seq_write_mib_s", "sequential write (fsync'd)", "higher", "1 MiB blocks, one fsync at the end"),
    Metric("io_seq_read_mib_s", "sequential read (O_DIRECT)", "higher", "1 MiB blocks, bypassing the page cache"),
    Metric("io_rand_read_iops", "4 KiB random read", "higher", "queue depth 1, O_DIRECT"),
    Metric("io_rand_read_p50_us", "4 KiB random read p50", "lower", "median latency of one read"),
    Metric("io_rand_read_p99_us", "4 KiB random read p99", "lower", "99th percentile latency of one read"),
    Metric("io_fsync_p50_us", "4 KiB write + fsync p50", "lower", "median latency"),
    Metric("io_fsync_p99_us", "4 KiB write + fsync p99", "lower", "99th percentile latency"),
    # Density (bench.density): one run holds N instances at once; `instances_count` is that N.
    Metric("instances_count", "instances at once", "higher", "how many idle instances ran side by side in this step"),
    Metric("density_ready_s", "launch → all N ready", "lower",
           "from the first launch call until every one of the N instances is ready"),
    Metric("density_cleanup_s", "stop → all N cleaned up", "lower",
           "from the first stop until all N instances are gone and every resource is released"),
    Metric("density_mem_used_bytes", "host memory used (MemAvailable drop)", "lower",
           "how much /proc/meminfo MemAvailable fell while the N instances ran: the whole host's view"),
    Metric("density_pss_bytes", "host memory (summed PSS)", "lower",
           "PSS of every host process of the N instances, each counted once"),
    Metric("density_mem_per_instance_bytes", "host memory per instance", "lower", "the MemAvailable drop divided by N"),
    Metric("density_mem_drift_bytes", "MemAvailable drift over the step", "lower",
           "how far MemAvailable fell from before the launch to after the cleanup: other work's share of the drop"),
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
    Metric("vm_guest_page_cache_bytes", "guest: its page cache", "lower",
           "Buffers + Cached inside the guest, while the workload held its memory: part of the guest's RAM in use "
           "(overhead_guest_bytes)"),
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
# The isolation scorecard (scenarios/isolation.toml): `probe iso` tries each
# check from inside an instance (bench/isolation.py gives it host targets).
# A sample is 1.0 when the attempt was blocked (isolated) and 0.0 when it got
# through to the host; no sample when it cannot be decided on this host.
# The probe (bench/workload/iso.c) runs them in this order.


@dataclasses.dataclass(frozen=True)
class IsolationCheck:
    """One attempt of the scorecard: what is tried, the attack it stands for, and what it teaches."""

    name: str        # iso_<name>_blocked is its metric
    label: str       # what the probe tries, as a row title
    stands_for: str  # the class of attack or the CVE it is an instance of
    teaches: str     # one sentence for a student: why it matters and what stops it
    group: str       # one of ISOLATION_GROUPS


# The scorecard's row groups, in order.
GROUP_REACH, GROUP_CHANGE, GROUP_SURFACE, GROUP_LIMITS = ("reach the host", "change the host's state", "the kernel's attack surface",
                                                          "resource limits")
ISOLATION_GROUPS = (GROUP_REACH, GROUP_CHANGE, GROUP_SURFACE, GROUP_LIMITS)

ISOLATION_CHECKS: tuple[IsolationCheck, ...] = (
    IsolationCheck("root_escape", "escape its root (classic chroot escape)", "chroot escape",
                   "chroot only changes where '/' starts; root can chroot again and climb out. pivot_root in a new "
                   "mount namespace leaves no path back", GROUP_REACH),
    IsolationCheck("leaked_fd", "climb out of a directory fd left open by the caller", "CVE-2024-21626 (leaked fd)",
                   "a directory fd opened outside the container leads back to the host's root through '..'; runtimes "
                   "close every fd above 2 before the workload starts", GROUP_REACH),
    IsolationCheck("host_pids", "see a host process", "host processes visible",
                   "a PID namespace gives the instance its own process numbers: host processes do not exist for it",
                   GROUP_REACH),
    IsolationCheck("kill_host", "signal a host process", "signals across the boundary",
                   "what cannot be seen cannot be signalled: the PID namespace, not permissions, protects host "
                   "processes", GROUP_REACH),
    IsolationCheck("ptrace_host", "ptrace a host process", "process injection (ptrace)",
                   "ptrace reads and rewrites another process's memory; PID namespace, dropped CAP_SYS_PTRACE and "
                   "seccomp each stop it", GROUP_REACH),
    IsolationCheck("host_net", "see the host's network interfaces", "host network visible",
                   "a network namespace has its own interfaces, routes and firewall: the host's eth0 is not in it",
                   GROUP_REACH),
    IsolationCheck("raw_socket", "raw packet socket on the host's interface", "sniffing and spoofing",
                   "a raw socket (CAP_NET_RAW) can sniff and forge traffic, but only on interfaces its network "
                   "namespace has", GROUP_REACH),
    IsolationCheck("host_socket", "connect to the host's abstract unix socket", "CVE-2020-15257 class",
                   "abstract unix sockets have no file to hide: only a network namespace separates them (unix(7))",
                   GROUP_REACH),
    IsolationCheck("block_device", "read a host block device", "raw disk access",
                   "raw disk access bypasses every file permission: containers get no host device nodes", GROUP_REACH),
    IsolationCheck("host_disk_mount", "mount the host's disk", "host disk mounted",
                   "with a device node and CAP_SYS_ADMIN every host file is readable, whatever the root directory is",
                   GROUP_REACH),
    IsolationCheck("open_by_handle", "open a file by its handle (open_by_handle_at)", "Shocker (2014)",
                   "a file handle is a few guessable numbers that open any file of a filesystem, so "
                   "CAP_DAC_READ_SEARCH is never given to a container", GROUP_REACH),
    IsolationCheck("tiocsti", "type into a terminal handed in (TIOCSTI)", "CVE-2017-5226 class",
                   "a process sharing the caller's terminal can push keystrokes into the caller's shell; runtimes "
                   "give a container a fresh pty, or none", GROUP_REACH),
    IsolationCheck("syslog", "read the kernel log (syslog)", "kernel information leak",
                   "the kernel log holds kernel addresses and every container's events; reading it needs CAP_SYSLOG",
                   GROUP_REACH),
    IsolationCheck("hostname", "change the host's hostname", "host identity changed",
                   "the UTS namespace gives an instance its own hostname; without it, setting one renames the host",
                   GROUP_CHANGE),
    IsolationCheck("clock", "change the host's clock", "host clock changed",
                   "there is one real-time clock per kernel: only refusing CAP_SYS_TIME (or a guest kernel) protects "
                   "it", GROUP_CHANGE),
    IsolationCheck("mount", "mount a filesystem", "mount (CAP_SYS_ADMIN)",
                   "mount needs CAP_SYS_ADMIN; containers drop it (and seccomp refuses mount), a chroot's root keeps "
                   "it", GROUP_CHANGE),
    IsolationCheck("mknod", "make and open a device node (/dev/kmsg)", "device node (CAP_MKNOD)",
                   "CAP_MKNOD makes nodes for any device; the devices cgroup or a nodev mount decide whether they "
                   "open", GROUP_CHANGE),
    IsolationCheck("mknod_nodev", "open a device node on any mount without nodev", "device node on a volume",
                   "every writable mount without nodev (a volume, the root itself) is a place for a device node: the "
                   "devices cgroup must refuse to open it", GROUP_CHANGE),
    IsolationCheck("proc_sys", "write a kernel setting in /proc/sys", "global kernel setting",
                   "most of /proc/sys is global to the kernel: containers mount it read-only", GROUP_CHANGE),
    IsolationCheck("sys_write", "open a global /sys setting for writing", "uevent_helper escape",
                   "/sys holds settings of the whole machine, and uevent_helper names a program the kernel runs as "
                   "host root: containers mount /sys read-only", GROUP_CHANGE),
    IsolationCheck("sysrq", "open /proc/sysrq-trigger for writing", "host crash (sysrq)",
                   "sysrq can reboot or crash the host kernel: containers get it read-only", GROUP_CHANGE),
    IsolationCheck("cgroup_write", "raise its own memory limit in the cgroup filesystem", "limits lifted from inside",
                   "a writable cgroup filesystem lets the instance lift every limit the host set: containers mount it "
                   "read-only", GROUP_CHANGE),
    IsolationCheck("runtime_exe", "open the runtime's binary for writing", "CVE-2019-5736 (runc overwrite)",
                   "a container that can write the runtime's binary through /proc/PID/exe takes over the host the "
                   "next time it runs; runc runs from a sealed memfd copy", GROUP_CHANGE),
    IsolationCheck("module", "load a kernel module", "kernel module",
                   "a module runs as the kernel itself: CAP_SYS_MODULE is never given to a container", GROUP_CHANGE),
    IsolationCheck("cap_sets", "capabilities beyond Docker's default set", "CVE-2022-24769 and excess capabilities",
                   "each capability is a piece of root's power over the shared kernel: containers keep Docker's "
                   "fourteen and an empty inheritable set", GROUP_SURFACE),
    IsolationCheck("userns", "create a user namespace", "user namespaces (e.g. CVE-2022-0185)",
                   "in a new user namespace root gets capabilities that open kernel code written for the real root, "
                   "where many kernel escapes begin", GROUP_SURFACE),
    IsolationCheck("clone_ns", "clone(2) a child into new namespaces", "namespace flags through clone",
                   "clone with namespace flags is unshare by another door: Docker's seccomp profile checks the flags "
                   "of clone too", GROUP_SURFACE),
    IsolationCheck("clone3_ns", "clone3(2) a child into a new user namespace", "clone3 (flags out of seccomp's sight)",
                   "seccomp cannot read clone3's flags, which are in memory, so Docker answers clone3 ENOSYS and libc "
                   "falls back to clone", GROUP_SURFACE),
    IsolationCheck("unshare_ns", "create mount, UTS, IPC, net, PID, cgroup or time namespaces",
                   "new namespaces (e.g. CVE-2022-0492)",
                   "each namespace kind is kernel code the instance reaches; a new cgroup and mount namespace gave "
                   "containers the release_agent escape", GROUP_SURFACE),
    IsolationCheck("io_uring", "set up an io_uring", "io_uring (e.g. CVE-2022-29582)",
                   "io_uring is a second system call interface that seccomp cannot see into, and a frequent source of "
                   "kernel exploits: Docker refuses it", GROUP_SURFACE),
    IsolationCheck("keyctl", "join a new kernel key ring (keyctl)", "key rings not namespaced (CVE-2016-0728 class)",
                   "the kernel's key rings belong to users, not to namespaces, so root in a container shares them with "
                   "the host's root: Docker refuses keyctl", GROUP_SURFACE),
    IsolationCheck("bpf", "create a BPF map", "eBPF (e.g. CVE-2021-3490)",
                   "BPF programs run inside the kernel and its verifier has had many holes: CAP_BPF and the bpf call "
                   "stay outside containers", GROUP_SURFACE),
    IsolationCheck("perf_event", "open a performance event on itself", "perf events (e.g. CVE-2013-2094)",
                   "perf_event_open is a large kernel interface with a history of escapes, allowed to containers only "
                   "with CAP_PERFMON", GROUP_SURFACE),
    IsolationCheck("userfaultfd", "create a userfaultfd", "kernel race aid",
                   "userfaultfd lets a process pause the kernel in the middle of a copy, which exploits use to win "
                   "races: Docker refuses it", GROUP_SURFACE),
    IsolationCheck("compat_abi", "a system call through the 32-bit ABI (int 0x80)", "CVE-2009-0835 class",
                   "a seccomp filter lists system calls per architecture, so the 32-bit numbers are another door: "
                   "filters kill any process that uses a foreign ABI", GROUP_SURFACE),
    IsolationCheck("mem_limit", "limited in memory", "memory exhaustion",
                   "a cgroup's memory limit OOM-kills the instance, not the host; chroot has no limits at all", GROUP_LIMITS),
    IsolationCheck("pids_limit", "limited in processes", "fork bomb",
                   "the pids controller stops a fork bomb at the limit", GROUP_LIMITS),
    IsolationCheck("cpu_limit", "limited in CPU time", "CPU starvation",
                   "CFS bandwidth (cpu.max / cfs_quota_us) pauses the instance once it used its share of each period",
                   GROUP_LIMITS),
)
ISOLATION_BY_METRIC: dict[str, IsolationCheck] = {f"iso_{c.name}_blocked": c for c in ISOLATION_CHECKS}
_KNOWN += tuple(Metric(metric_name, c.label, "higher", c.teaches) for metric_name, c in ISOLATION_BY_METRIC.items())
METRICS: dict[str, Metric] = {m.name: m for m in _KNOWN}


def metric(name: str) -> Metric:
    """The registered metric, or a generic one whose unit comes from its suffix."""
    return METRICS.get(name) or Metric(name, name.replace("_", " "), "lower")
