"""Plain QEMU as a runtime of the suite: the libvirt runtime's guest, booted by ``qemu-system-x86_64`` alone.

Same kernel, initramfs and disk (``runtimes.vm.guest``), same kernel command
line, same serial console read the same way (``runtimes.vm.console``), same
accelerator decision (KVM only if a probe boot under KVM is ready in time,
``runtimes.vm.accel``), same size and disk cache modes — only libvirt is
missing: no daemon, no domain XML, no cgroup or security labels, just the
command line a person would type for a direct kernel boot. Set beside the
``libvirt`` runtime, the difference is what libvirt itself costs.

The instance is a ``GuestInstance`` (``runtimes.vm.instance``), as the
libvirt runtime's is, with its own two parts: QEMU is started as a child
process, and forcing the VM off is killing it. Its boot phases are the same as the libvirt VM's, except that
no management layer runs between the launch and QEMU (so there is no
"libvirt" phase); "QEMU start" ends when QEMU connects to the console.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from runtimes.kernel.errors import InstanceError
from runtimes.kernel.messages import Message, say
from runtimes.base import Availability, Instance, InstanceSpec, Runtime
from runtimes.kernel import linux
from runtimes.kernel import signals
from runtimes.kernel.paths import cache_dir, scratch_root
from runtimes.peers._common import check_tools, first_line
from runtimes.probe import probe_argv
from runtimes.vm.accel import Accelerator, choose_accelerator
from runtimes.vm.console import Console
from runtimes.vm.domain import kernel_cmdline
from runtimes.vm.guest import build_guest, create_overlay
from runtimes.vm.instance import (ACCEPT_TIMEOUT_S, DEFAULT_MEMORY_MIB, DEFAULT_VCPUS, GuestInstance, VmHost, guest_size,
                                  supports_o_direct)

TOOLS = {"qemu-system-x86_64": "qemu-system-x86", "qemu-img": "qemu-utils", "mkfs.ext4": "e2fsprogs",
         "dpkg-deb": "dpkg", "apt-get": "apt"}


def qemu_argv(vm: VmHost, overlay: Path, console: Path, cmdline: str, memory_mib: int = DEFAULT_MEMORY_MIB,
              vcpus: int = DEFAULT_VCPUS) -> list[str]:
    """A hand-written direct kernel boot equivalent to the libvirt runtime's domain (qemu-system-x86_64(1))."""
    accel = ["-machine", "pc,accel=kvm", "-cpu", "host"] if vm.accelerator.name == "kvm" else ["-machine", "pc,accel=tcg"]
    return [vm.emulator, *accel, "-m", str(memory_mib), "-smp", str(vcpus),
            "-nodefaults", "-no-user-config", "-display", "none",
            "-kernel", str(vm.guest.kernel), "-initrd", str(vm.guest.initramfs), "-append", cmdline,
            "-drive", f"file={overlay},if=virtio,format=qcow2,cache={vm.disk_cache},aio={vm.disk_io}",
            "-chardev", f"socket,id=console,path={console}", "-serial", "chardev:console", "-no-reboot"]


class QemuInstance(GuestInstance[VmHost]):
    """One plain QEMU process, its overlay and its console, from launch to cleanup."""

    runtime_name = "qemu"

    def _start(self, vm: VmHost, spec: InstanceSpec, accelerator: Accelerator) -> None:
        memory_mib, vcpus = guest_size(spec.limits)
        self._memory_mib = memory_mib
        cmdline = kernel_cmdline(spec.argv)
        with signals.held():  # the directory and its removal, together
            workdir = Path(tempfile.mkdtemp(prefix="qemu-", dir=scratch_root()))
            self._cleanup.callback(shutil.rmtree, workdir, ignore_errors=True)
        overlay = workdir / "disk.qcow2"
        create_overlay(vm.guest, overlay)
        self.console = Console(workdir / "console.sock")
        self._cleanup.callback(self.console.close)
        argv = self.command_line(_With(vm, accelerator), overlay, self.console.path, cmdline, memory_mib, vcpus)
        log = (workdir / "qemu.log").open("w")
        self._cleanup.callback(log.close)
        # The kernel kills QEMU if the harness dies (PR_SET_PDEATHSIG, prctl(2)): no VM outlives a `kill -9`.
        with signals.held():  # QEMU and its reaping, together
            self._proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                          preexec_fn=_die_with_parent)
            self._cleanup.callback(self._kill_and_reap)
        # No management layer: QEMU exists the moment Popen returns.
        self._at["define"] = self._at["qemu"] = time.monotonic_ns()
        self._pid = self._proc.pid
        try:
            self.console.accept(ACCEPT_TIMEOUT_S)
        except InstanceError:
            said = (workdir / "qemu.log").read_text().strip()
            raise InstanceError(say("qemu.console-not-connected", runtime=self.runtime_name,
                                    said=said or say("tool.no-output"))) from None
        self._at["created"] = time.monotonic_ns()

    def command_line(self, vm: VmHost, overlay: Path, console: Path, cmdline: str, memory_mib: int,
                     vcpus: int) -> list[str]:
        """The QEMU command line of this instance (the microVM's machine differs: runtimes/peers/microvm.py)."""
        return qemu_argv(vm, overlay, console, cmdline, memory_mib, vcpus)

    def _force_off(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self._proc.kill()

    def _kill_and_reap(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()

    def observations(self) -> dict[str, float]:
        figures = super().observations()
        figures.pop("vm_boot_define_s", None)  # zero by construction: nothing runs between launch and QEMU
        return figures


def _die_with_parent() -> None:
    linux.prctl(linux.PR_SET_PDEATHSIG, signal.SIGKILL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, signals.HELD)  # QEMU gets its signals as usual


class _With:
    """``vm`` seen with another accelerator (the probe boot under KVM)."""

    def __init__(self, vm: VmHost, accelerator: Accelerator) -> None:
        self.emulator, self.guest, self.accelerator = vm.emulator, vm.guest, accelerator
        self.disk_cache, self.disk_io = vm.disk_cache, vm.disk_io


class Qemu(Runtime):
    name = "qemu"
    summary = "plain QEMU: the libvirt runtime's guest booted by qemu-system-x86_64 alone, without libvirt"
    launch = ("a copy-on-write overlay of the guest disk (qemu-img), then exec of qemu-system-x86_64 with a direct "
              "kernel boot and the whole boot: firmware, guest kernel, initramfs, the disk's init starting the "
              "probe; READY is read from the serial console, 'exited' is the guest powered off and QEMU gone. "
              "Limits: memory sets the guest's RAM, cpus its vCPUs (rounded up); pids are not enforced")
    # Every run boots a VM, as the libvirt runtime's do: the same cap, so the two compare run for run;
    # with --quick one run per scenario (after its warm-ups), to keep a quick run of everything short.
    max_repetitions = 15
    max_quick_repetitions = 1
    max_quick_warmups = 0  # --quick: a check; every boot costs seconds under emulation

    @classmethod
    def available(cls) -> Availability:
        return check_tools(TOOLS) or Availability.yes()

    def setup(self) -> None:
        self.guest = build_guest(self.image)
        direct = supports_o_direct(scratch_root()) and supports_o_direct(self.guest.disk.parent)
        self.disk_cache, self.disk_io = ("none", "native") if direct else ("writeback", "threads")
        self.emulator = shutil.which("qemu-system-x86_64") or "/usr/bin/qemu-system-x86_64"
        self.qemu_version = first_line([self.emulator, "--version"])
        # Decided apart from the libvirt runtime's answer (its own file), so neither overwrites the other's.
        context = {"qemu": str(self.qemu_version), "guest": self.guest.key}
        self.accelerator = choose_accelerator(context, self._probe_boot, cache=cache_dir() / "qemu")

    def _probe_boot(self, timeout_s: float) -> None:
        spec = InstanceSpec(image=self.image, argv=probe_argv("ready"))
        with QemuInstance(self, spec, accelerator=Accelerator("kvm", say("accel.probe-boot"))) as inst:
            inst.wait_ready(timeout_s)

    def versions(self) -> dict[str, str | Message]:
        return {
            "qemu": self.qemu_version,
            "accelerator": self.accelerator.name,
            "accelerator check": self.accelerator.reason,
            "guest kernel": self.guest.kernel_label,
            "disk": say("vm.disk", cache=self.disk_cache, option="aio", mode=self.disk_io),
            "guest size": say("vm.guest-size", vcpus=DEFAULT_VCPUS, mib=DEFAULT_MEMORY_MIB),
        }

    def start(self, spec: InstanceSpec) -> Instance:
        self.ensure_set_up()
        return QemuInstance(self, spec)
