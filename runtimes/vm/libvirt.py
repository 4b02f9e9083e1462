"""A full virtual machine through libvirt: the VM side of "VM vs container".

Each instance is a transient libvirt domain (``virConnectCreateXML``, see
https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainCreateXML)
that boots a real guest kernel and runs the same probe from the same image:

1. prepare: a copy-on-write qcow2 overlay of the guest disk (the base is
   never written) and the console socket, in the instance's scratch dir;
2. ``createXML``: libvirtd starts QEMU with the domain of ``runtimes.vm.domain``;
3. the guest boots (``runtimes.vm.guest``): firmware, the Debian cloud kernel,
   an initramfs that loads the virtio modules and ``switch_root``'s to the
   disk, whose init runs the probe, reports its exit status and powers off;
4. the host reads the serial console as lines arrive (``runtimes.vm.console``):
   READY is timed host-side, and the console closing means the VM is off.

Cleanup (``close``) destroys the domain if it still exists, waits until
libvirt has forgotten it, then deletes the overlay and the console socket,
on every path. The domain is also started with AUTODESTROY, so libvirtd
destroys it if the harness dies without cleaning up (``kill -9``).
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path

import psutil

from runtimes.kernel.errors import InstanceError, RuntimeUnavailable
from runtimes.kernel.messages import Message, say
from runtimes.base import Availability, Instance, InstanceSpec, Orphan, Runtime
from runtimes.kernel import signals
from runtimes.kernel.paths import scratch_root, state_dir
from runtimes.probe import probe_argv
from runtimes.vm.accel import Accelerator, choose_accelerator, kvm_device_problem
from runtimes.vm.console import Console
from runtimes.vm.domain import DomainSpec, domain_xml, kernel_cmdline
from runtimes.vm.guest import build_guest, create_overlay
from runtimes.vm.instance import ACCEPT_TIMEOUT_S, DEFAULT_MEMORY_MIB, DEFAULT_VCPUS, GuestInstance, guest_size, supports_o_direct

try:
    import libvirt
except ImportError:  # reported by available(), with the fix
    libvirt = None

URI = "qemu:///system"
PROVISION = "sudo scripts/provision"
GONE_TIMEOUT_S = 30.0        # libvirt forgets a destroyed domain once QEMU has been reaped


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
    max_quick_repetitions = 1
    max_quick_warmups = 0  # --quick: a check; every boot costs seconds under emulation

    @classmethod
    def available(cls) -> Availability:
        if os.geteuid() != 0:
            return Availability.no(say("libvirt.needs-root"), say("fix.run-as-root"))
        if libvirt is None:
            return Availability.no(say("libvirt.no-python-module"), say("fix.provision", command=PROVISION))
        for tool, package in (("qemu-system-x86_64", "qemu-system-x86"), ("qemu-img", "qemu-utils"),
                              ("mkfs.ext4", "e2fsprogs"), ("dpkg-deb", "dpkg"), ("apt-get", "apt")):
            if shutil.which(tool) is None:
                return Availability.no(say("tool.not-found", tool=tool), say("fix.install", package=package))
        problem = kvm_device_problem()
        if problem:  # libvirt would probe QEMU again at every domain start, for tens of seconds
            return Availability.no(say("libvirt.kvm-unusable", reason=problem),
                                   say("fix.kvm-group", command=PROVISION))
        try:
            connect().close()
        except libvirt.libvirtError as err:
            return Availability.no(say("libvirt.unreachable-on", uri=URI, said=err.get_error_message()),
                                   say("fix.start-libvirtd", command=PROVISION))
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
            raise RuntimeUnavailable(self.name, say("libvirt.unreachable", said=err.get_error_message()),
                                     say("fix.provision", command=PROVISION)) from None
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
        with LibvirtInstance(self, spec, accelerator=Accelerator("kvm", say("accel.probe-boot"))) as inst:
            inst.wait_ready(timeout_s)

    def versions(self) -> dict[str, str | Message]:
        return {
            "libvirt": _version(libvirt.getVersion()),
            "qemu": _version(self.conn.getVersion()),
            "accelerator": self.accelerator.name,
            "accelerator check": self.accelerator.reason,
            "guest kernel": self.guest.kernel_label,
            "disk": say("vm.disk", cache=self.disk_cache, option="io", mode=self.disk_io),
            "guest size": say("vm.guest-size", vcpus=DEFAULT_VCPUS, mib=DEFAULT_MEMORY_MIB),
        }

    def start(self, spec: InstanceSpec) -> Instance:
        self.ensure_set_up()
        return LibvirtInstance(self, spec)



class LibvirtInstance(GuestInstance["LibvirtVM"]):
    """One transient libvirt domain: started with AUTODESTROY, destroyed and forgotten on close."""

    runtime_name = "libvirt"

    def _start(self, vm: LibvirtVM, spec: InstanceSpec, accelerator: Accelerator) -> None:
        self.name = f"{domain_prefix()}{uuid.uuid4().hex[:8]}"
        self._conn = vm.conn
        memory_mib, vcpus = guest_size(spec.limits)
        self._memory_mib = memory_mib
        cmdline = kernel_cmdline(spec.argv)
        with signals.held():  # the directory and its removal, together
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
            raise InstanceError(say("libvirt.cannot-start", domain=self.name, said=err.get_error_message())) from None
        self._at["created"] = time.monotonic_ns()
        self.console.accept(ACCEPT_TIMEOUT_S)
        self._pid = _qemu_pid(self.name)
        started = _started_monotonic_ns(self._pid) if self._pid is not None else None
        if started is not None:
            self._at["qemu"] = started

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
                raise InstanceError(say("libvirt.still-exists", domain=self.name, seconds=GONE_TIMEOUT_S))
            time.sleep(0.02)

    def _domain_exists(self) -> bool:
        try:
            self._conn.lookupByName(self.name)
            return True
        except libvirt.libvirtError as err:
            if err.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
                return False
            raise InstanceError(say("libvirt.cannot-look-up", domain=self.name, said=err.get_error_message())) from None


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


__all__ = ["LibvirtInstance", "LibvirtVM", "connect", "domain_prefix"]
