"""A full virtual machine through libvirt: the VM side of "VM vs container".

Each instance is a transient libvirt domain (``virConnectCreateXML``, see
https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainCreateXML)
that boots a real guest kernel and runs the same probe from the same image:

1. prepare: a copy-on-write qcow2 overlay of the guest disk (the base is
   never written) and the console socket, in the instance's scratch dir;
2. ``createXML``: libvirtd starts QEMU with the domain of ``runtimes.vm_domain``;
3. the guest boots (``runtimes.vm_guest``): firmware, the Debian cloud kernel,
   an initramfs that loads the virtio modules and ``switch_root``'s to the
   disk, whose init runs the probe, reports its exit status and powers off;
4. the host reads the serial console as lines arrive (``runtimes.vm_console``):
   READY is timed host-side, and the console closing means the VM is off.

Cleanup (``close``) destroys the domain if it still exists, waits until
libvirt has forgotten it, then deletes the overlay and the console socket,
on every path. The domain is also started with AUTODESTROY, so libvirtd
destroys it if the harness dies without cleaning up (``kill -9``).
"""

from __future__ import annotations

import functools
import hashlib
import math
import os
import shutil
import signal
import tempfile
import time
import uuid
from pathlib import Path
from typing import ClassVar

import psutil

from bench.errors import InstanceError, RuntimeUnavailable
from runtimes.base import Availability, Instance, InstanceSpec, Limits, Orphan, Runtime, TimedLine
from runtimes.paths import scratch_root, state_dir
from runtimes.probe import ProbeLine, parse_line, probe_argv
from runtimes.vm_accel import Accelerator, choose_accelerator, kvm_device_problem
from runtimes.vm_console import Console, GuestLine, boot_phases, guest_memory
from runtimes.vm_domain import DomainSpec, domain_xml, kernel_cmdline
from runtimes.vm_guest import build_guest, create_overlay

try:
    import libvirt
except ImportError:  # reported by available(), with the fix
    libvirt = None

URI = "qemu:///system"
PROVISION = "sudo scripts/provision"
DEFAULT_MEMORY_MIB = 256
MIN_MEMORY_MIB = 96          # below this the cloud kernel and initramfs do not fit
DEFAULT_VCPUS = 1
ACCEPT_TIMEOUT_S = 10.0      # QEMU connects to the console while it starts, before createXML returns
STOP_GRACE_S = 5.0           # the guest stops the workload, syncs and powers off well within this
GONE_TIMEOUT_S = 30.0        # libvirt forgets a destroyed domain once QEMU has been reaped
POWER_DOWN = "reboot: Power down"  # the guest kernel's last words on every power-off


def _quiet(_ctx: object, _err: object) -> None:
    """libvirt prints every error to stderr by default; ours become exceptions instead."""


def connect() -> libvirt.virConnect:
    """A connection to the system libvirtd; raises libvirt.libvirtError if unreachable."""
    libvirt.registerErrorHandler(_quiet, None)
    return libvirt.open(URI)


def _destroy_domain(name: str) -> None:
    """Destroy (and, if it was defined, undefine) one domain by name; gone already is fine."""
    conn = connect()
    try:
        domain = conn.lookupByName(name)
        if domain.isActive():
            domain.destroy()
        if domain.isPersistent():
            domain.undefine()
    except libvirt.libvirtError as err:
        if err.get_error_code() != libvirt.VIR_ERR_NO_DOMAIN:
            raise
    finally:
        conn.close()


def domain_prefix() -> str:
    """Start of every domain name: ``isobench-<tag>-``, the tag naming the state directory.

    So ``virsh list`` tells which suite run (of several on one host) a domain
    belongs to, and the tests' leak check sees only its own session's domains.
    """
    return f"isobench-{hashlib.sha256(str(state_dir()).encode()).hexdigest()[:6]}-"


def _version(number: int) -> str:
    """libvirt's packed versions: 7002022 → 7.2.22."""
    return f"{number // 1_000_000}.{number // 1000 % 1000}.{number % 1000}"


def guest_size(limits: Limits) -> tuple[int, int]:
    """(memory in MiB, vCPUs) for a scenario's limits: a VM can only have whole CPUs."""
    memory_mib = DEFAULT_MEMORY_MIB if limits.memory_bytes is None else math.ceil(limits.memory_bytes / 2**20)
    if memory_mib < MIN_MEMORY_MIB:
        raise InstanceError(f"libvirt: the guest needs at least {MIN_MEMORY_MIB} MiB; the scenario allows {memory_mib} MiB")
    vcpus = DEFAULT_VCPUS if limits.cpus is None else max(1, math.ceil(limits.cpus))
    return memory_mib, vcpus


def supports_o_direct(directory: Path) -> bool:
    """Can files in ``directory`` be opened with O_DIRECT (tmpfs cannot)?"""
    fd, path = tempfile.mkstemp(prefix=".odirect-", dir=directory)
    os.close(fd)
    try:
        os.close(os.open(path, os.O_RDONLY | os.O_DIRECT))
        return True
    except OSError:
        return False
    finally:
        os.unlink(path)


class LibvirtVM(Runtime):
    name = "libvirt"
    summary = "full virtual machine: libvirt and QEMU boot the Debian cloud kernel with the image as its disk"
    launch = ("a copy-on-write overlay of the guest disk (qemu-img), then libvirt createXML of a transient domain "
              "and the whole boot: firmware, guest kernel, an initramfs loading the virtio drivers, the disk's init "
              "starting the probe; READY is read from the serial console, 'exited' is the guest powered off and QEMU "
              "gone. Limits: memory sets the guest's RAM, cpus its vCPUs (rounded up); pids are not enforced")
    # Every run boots a VM (seconds under emulation), so the scenarios' tens
    # of runs would take most of an hour: fewer runs, said in the report.
    max_repetitions = 15
    max_quick_repetitions = 2
    max_quick_warmups = 0  # --quick: a check; every boot costs seconds under emulation

    @classmethod
    def available(cls) -> Availability:
        if os.geteuid() != 0:
            return Availability.no("libvirt's system daemon (qemu:///system) needs root", "run as root: sudo bench ...")
        if libvirt is None:
            return Availability.no("the libvirt Python module is not installed", PROVISION)
        for tool, package in (("qemu-system-x86_64", "qemu-system-x86"), ("qemu-img", "qemu-utils"),
                              ("mkfs.ext4", "e2fsprogs"), ("dpkg-deb", "dpkg"), ("apt-get", "apt")):
            if shutil.which(tool) is None:
                return Availability.no(f"{tool} not found", f"sudo apt-get install {package}")
        problem = kvm_device_problem()
        if problem:  # libvirt would probe QEMU again at every domain start, for tens of seconds
            return Availability.no(f"{problem}, so every VM start would take minutes",
                                   f"{PROVISION} (gives /dev/kvm to group kvm, as udev does)")
        try:
            connect().close()
        except libvirt.libvirtError as err:
            return Availability.no(f"libvirtd is not reachable on {URI} ({err.get_error_message()})",
                                   f"{PROVISION} (starts virtlogd and libvirtd)")
        return Availability.yes()

    @classmethod
    def daemons(cls) -> dict[str, int]:
        """libvirtd: every domain is started, watched and stopped through it (QEMU itself is per VM, counted there)."""
        found = [p.pid for p in psutil.process_iter(["name"]) if p.info["name"] == "libvirtd"]
        return {"libvirtd": found[0]} if found else {}

    @classmethod
    def orphans(cls) -> list[Orphan]:
        """Domains of this state directory's runs still defined (AUTODESTROY normally ends them with the harness)."""
        if libvirt is None or os.geteuid() != 0:
            return []
        try:
            conn = connect()
        except libvirt.libvirtError:
            return []  # libvirtd is down: it has no domains to leave behind either
        try:
            names = [d.name() for d in conn.listAllDomains() if d.name().startswith(domain_prefix())]
        finally:
            conn.close()
        return [Orphan(cls.name, "libvirt domain", name, functools.partial(_destroy_domain, name)) for name in names]

    def setup(self) -> None:
        try:
            self.conn = connect()
        except libvirt.libvirtError as err:
            raise RuntimeUnavailable(self.name, f"libvirtd is not reachable ({err.get_error_message()})", PROVISION) from None
        # Closing the connection destroys any domain still started through it (AUTODESTROY).
        self._cleanup.callback(self.conn.close)
        self.guest = build_guest(self.image)
        direct = supports_o_direct(scratch_root()) and supports_o_direct(self.guest.disk.parent)
        self.disk_cache, self.disk_io = ("none", "native") if direct else ("writeback", "threads")
        self.emulator = shutil.which("qemu-system-x86_64") or "/usr/bin/qemu-system-x86_64"
        self.accelerator = choose_accelerator(self._accelerator_context(), self._probe_boot)

    def _accelerator_context(self) -> dict[str, str]:
        return {"qemu": _version(self.conn.getVersion()), "libvirt": _version(libvirt.getVersion()),
                "guest": self.guest.key}

    def _probe_boot(self, timeout_s: float) -> None:
        """Boot the guest once under KVM; InstanceError unless it is ready within ``timeout_s``."""
        spec = InstanceSpec(image=self.image, argv=probe_argv("ready"))
        with VMInstance(self, spec, accelerator=Accelerator("kvm", "probe boot")) as inst:
            inst.wait_ready(timeout_s)

    def versions(self) -> dict[str, str]:
        return {
            "libvirt": _version(libvirt.getVersion()),
            "qemu": _version(self.conn.getVersion()),
            "accelerator": self.accelerator.name,
            "accelerator check": self.accelerator.reason,
            "guest kernel": self.guest.kernel_label,
            "disk": f"virtio-blk, qcow2 overlay over raw ext4, cache={self.disk_cache}, io={self.disk_io}",
            "guest size": f"{DEFAULT_VCPUS} vCPU, {DEFAULT_MEMORY_MIB} MiB unless a scenario's [limits] say otherwise",
        }

    def start(self, spec: InstanceSpec) -> Instance:
        if not hasattr(self, "conn"):
            raise RuntimeError("use the libvirt runtime inside `with` (setup fetches the kernel and builds the guest)")
        return VMInstance(self, spec)


class VMInstance(Instance):
    """One transient domain, its overlay and its console, from launch to cleanup.

    How the VM is started and forced off (``_start``, ``_force_off``) is
    libvirt's part; the plain-QEMU peer (``runtimes.peers.qemu``) replaces
    just those two and shares the rest: the console, stop, the boot phases.
    """

    runtime_name: ClassVar[str] = "libvirt"  # names the runtime in error messages

    def __init__(self, vm: LibvirtVM, spec: InstanceSpec, accelerator: Accelerator | None = None) -> None:
        super().__init__()
        self._at = {"launch": time.monotonic_ns()}  # host-side moments of the launch, monotonic ns
        self.name = f"{domain_prefix()}{uuid.uuid4().hex[:8]}"
        self.console: Console | None = None
        self._pid: int | None = None
        self._forced = False  # stop() had to destroy the VM
        try:
            self._start(vm, spec, accelerator or vm.accelerator)
        except BaseException:
            self._cleanup.close()
            raise

    def _start(self, vm: LibvirtVM, spec: InstanceSpec, accelerator: Accelerator) -> None:
        self._conn = vm.conn
        memory_mib, vcpus = guest_size(spec.limits)
        self._memory_mib = memory_mib
        cmdline = kernel_cmdline(spec.argv)
        workdir = Path(tempfile.mkdtemp(prefix="libvirt-", dir=scratch_root()))
        self._cleanup.callback(shutil.rmtree, workdir, ignore_errors=True)
        overlay = workdir / "disk.qcow2"
        create_overlay(vm.guest, overlay)
        self.console = Console(workdir / "console.sock")
        self._cleanup.callback(self.console.close)
        xml = domain_xml(DomainSpec(
            name=self.name, accelerator=accelerator.name, memory_mib=memory_mib, vcpus=vcpus,
            kernel=vm.guest.kernel, initramfs=vm.guest.initramfs, cmdline=cmdline, disk=overlay,
            disk_cache=vm.disk_cache, disk_io=vm.disk_io, console=self.console.path, emulator=vm.emulator,
            uid=os.getuid(), gid=os.getgid()))
        # Registered before the domain exists: a Ctrl-C that lands just after
        # createXML returns must still destroy it.
        self._cleanup.callback(self._destroy_and_forget)
        self._at["define"] = time.monotonic_ns()
        try:
            self._domain = self._conn.createXML(xml, libvirt.VIR_DOMAIN_START_AUTODESTROY)
        except libvirt.libvirtError as err:
            raise InstanceError(f"libvirt: cannot start domain {self.name}: {err.get_error_message()}") from None
        self._at["created"] = time.monotonic_ns()
        self.console.accept(ACCEPT_TIMEOUT_S)
        self._pid = _qemu_pid(self.name)
        started = _started_monotonic_ns(self._pid) if self._pid is not None else None
        if started is not None:
            self._at["qemu"] = started

    # -- what observers may look at ------------------------------------
    @property
    def host_pids(self) -> tuple[int, ...]:
        """The QEMU process: the guest's RAM, its kernel and QEMU itself all live in it."""
        return (self._pid,) if self._pid is not None and psutil.pid_exists(self._pid) else ()

    @property
    def lines(self) -> list[TimedLine]:
        return self.console.lines if self.console is not None else []

    def guest_ram_pss_bytes(self) -> float | None:
        """PSS of QEMU's guest RAM: the anonymous mapping exactly the guest's memory size (proc(5), smaps)."""
        if self._pid is None:
            return None
        return guest_ram_pss(Path(f"/proc/{self._pid}/smaps"), self._memory_mib * 1024)

    def output_tail(self, n: int = 3) -> str:
        """The last lines that were neither probe nor guest-script lines (an error, a kernel panic)."""
        plain = [ln.text.strip() for ln in self.lines
                 if ln.text.strip() and parse_line(ln.text) is None and "GUEST " not in ln.text
                 and POWER_DOWN not in ln.text]
        return " | ".join(plain[-n:])

    # -- lifecycle -----------------------------------------------------
    def wait_ready(self, timeout_s: float) -> ProbeLine:
        deadline = time.monotonic_ns() + int(timeout_s * 1e9)
        seen = 0
        while True:
            for line in self.console.lines[seen:]:
                parsed = parse_line(line.text, line.at_ns)
                if parsed and parsed.event == "ready":
                    return parsed
            seen = len(self.console.lines)
            if self.console.eof:
                raise InstanceError(self._ended_before_ready())
            if time.monotonic_ns() >= deadline:
                raise InstanceError(f"{self.runtime_name}: no ready line within {timeout_s:g} s")
            self.console.read_some(deadline)

    def _ended_before_ready(self) -> str:
        status = self._exit_status()
        tail = self.output_tail()
        if status is not None:
            return f"{self.runtime_name}: workload exited with status {status} before it was ready: {tail}"
        return f"{self.runtime_name}: the VM stopped before the workload was ready: {tail or 'no output'}"

    def wait(self, timeout_s: float) -> int:
        """Block until the VM is off; return the workload's exit status, as the guest reported it."""
        if not self.console.read_until_eof(time.monotonic_ns() + int(timeout_s * 1e9)):
            raise InstanceError(f"{self.runtime_name}: the VM still runs after {timeout_s:g} s")
        status = self._exit_status()
        if status is not None:
            return status
        if self._forced:
            return -signal.SIGKILL  # destroyed, as subprocess reports a killed process
        raise InstanceError(f"{self.runtime_name}: the VM stopped without reporting the workload's exit status: "
                            f"{self.output_tail() or 'no output'}")

    def stop(self) -> None:
        """Ask the guest to stop the workload; destroy the VM if it is not off within STOP_GRACE_S.

        The request is a line typed on the guest's console, which its init
        turns into SIGTERM for the workload. Only an init that has started
        can hear it, so a VM still booting is destroyed at once.
        """
        if self.console is None or self.console.eof:
            return
        if any(g.event == "init" for g in self.console.guest_lines()):
            self.console.send("stop\n")
            if self.console.read_until_eof(time.monotonic_ns() + int(STOP_GRACE_S * 1e9)):
                return
        self._forced = True
        self._force_off()
        self.console.read_until_eof(time.monotonic_ns() + int(STOP_GRACE_S * 1e9))

    def _force_off(self) -> None:
        """Pull the plug: the VM ends at once, whatever the guest is doing."""
        try:
            self._domain.destroy()
        except libvirt.libvirtError:
            pass  # it powered off meanwhile: the console closes either way

    def _destroy_and_forget(self) -> None:
        """Destroy the domain if it exists, then wait until libvirt has forgotten it.

        After QEMU exits, libvirt keeps the domain until the process has been
        reaped; cleanup is complete only when ``virsh list --all`` no longer
        shows it.
        """
        if not self._domain_exists():
            return
        try:
            self._conn.lookupByName(self.name).destroy()
        except libvirt.libvirtError:
            pass  # it stopped on its own meanwhile; libvirt is already tearing it down
        deadline = time.monotonic() + GONE_TIMEOUT_S
        while self._domain_exists():
            if time.monotonic() > deadline:
                raise InstanceError(f"libvirt: domain {self.name} still exists {GONE_TIMEOUT_S:g} s after destroy")
            time.sleep(0.02)

    def _domain_exists(self) -> bool:
        try:
            self._conn.lookupByName(self.name)
            return True
        except libvirt.libvirtError as err:
            if err.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
                return False
            raise InstanceError(f"libvirt: cannot look up domain {self.name}: {err.get_error_message()}") from None

    # -- what the guest said -----------------------------------------------
    def _guest(self) -> dict[str, GuestLine]:
        """The first guest line of each event (``memory`` is keyed by when it was taken)."""
        first: dict[str, GuestLine] = {}
        for g in self.console.guest_lines() if self.console else []:
            key = f"memory_{g.fields.get('when')}" if g.event == "memory" else g.event
            first.setdefault(key, g)
        return first

    def _exit_status(self) -> int | None:
        line = self._guest().get("exit")
        status = line.number("status") if line else None
        return int(status) if status is not None else None

    def observations(self) -> dict[str, float]:
        """Where the time went, from launch to READY and at power-off, and the guest's memory."""
        return {**boot_phases(self._at, self._guest(), self._ready_ns(),
                               self.console.eof_at_ns if self.console else None),
                **guest_memory(self._guest())}

    def _ready_ns(self) -> int | None:
        for line in self.lines:
            parsed = parse_line(line.text, line.at_ns)
            if parsed and parsed.event == "ready":
                return parsed.at_ns
        return None


def guest_ram_pss(smaps: Path, guest_kib: int) -> float | None:
    """Summed ``Pss`` of the anonymous mappings of ``guest_kib`` KiB in ``smaps``; None if unreadable or absent.

    QEMU allocates the guest's RAM as one anonymous mapping of its exact size
    (``pc.ram``); its other big mapping under TCG, the translated-code
    cache, has a size of its own, so the size alone tells them apart.
    """
    try:
        text = smaps.read_text()
    except OSError:
        return None
    total, found, in_guest = 0, False, False
    for line in text.splitlines():
        key, _, rest = line.partition(" ")
        if not key.endswith(":"):  # a mapping's header: address range, perms, offset, dev, inode [path]
            in_guest = len(line.split()) == 5
        elif key == "Size:":
            in_guest = in_guest and int(rest.split()[0]) == guest_kib
        elif key == "Pss:" and in_guest:
            total, found = total + int(rest.split()[0]) * 1024, True
    return float(total) if found else None


def _qemu_pid(name: str) -> int | None:
    """QEMU's PID, from the file libvirtd keeps while the domain runs."""
    try:
        return int(Path(f"/run/libvirt/qemu/{name}.pid").read_text().strip())
    except (OSError, ValueError):
        return None


def _started_monotonic_ns(pid: int) -> int | None:
    """When process ``pid`` started, on the monotonic clock (proc(5): stat field 22, in clock ticks since boot)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    started_boot_ns = int(fields[19]) * 1_000_000_000 // os.sysconf("SC_CLK_TCK")
    now_boot, now_mono = time.clock_gettime_ns(time.CLOCK_BOOTTIME), time.monotonic_ns()
    return now_mono - (now_boot - started_boot_ns)


__all__ = ["LibvirtVM", "VMInstance", "connect", "domain_prefix", "guest_size"]
