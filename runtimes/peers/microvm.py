"""A microVM: QEMU's ``microvm`` machine booting the libvirt runtime's kernel and disk, Firecracker's design in QEMU.

A ``pc`` machine emulates a whole 1990s PC so that any operating system
boots: SeaBIOS, a PCI bus, an ISA bridge, ACPI tables, a keyboard
controller, a VGA card. A microVM keeps only what a Linux guest that is
told where everything is needs (docs/system/i386/microvm.rst in QEMU):

- no PCI bus: the disk is a ``virtio-blk-device`` on *virtio-mmio*, a
  register window in memory, so no bus is scanned and no option ROM runs;
- qboot (``bios-microvm.bin``) instead of SeaBIOS: it sets up the CPU and
  jumps to the kernel QEMU loaded (direct kernel boot), nothing else;
- a serial port, a PIT and an RTC, and minimal ACPI tables: Debian's cloud
  kernel has no ``virtio_mmio.device=`` command line devices
  (CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES is not set), so it finds the
  virtio-mmio devices through the tables' DSDT, and powers off through ACPI.

Same kernel, same disk, same accelerator decision and same serial console
as the libvirt runtime and plain QEMU (``runtimes.peers.qemu``, whose
instance this one is, with another command line). Only the initramfs
differs: it loads ``virtio_mmio`` where theirs loads ``virtio_pci``, taken
from the same kernel package (fetched again once, with apt-get download).

Host quirk, handled and recorded: under software emulation the guest kernel
calibrates its clock (the TSC) against the PIT with timing loops, which a
busy host makes fail; the ``pc`` machine has an HPET and an ACPI timer to
fall back on, the microVM has neither, and its kernel then hangs. So under
TCG the kernel is told the TSC's rate (``tsc_early_khz``, the host's: TCG's
guest TSC is the host's) and to trust it (``tsc=reliable``,
Documentation/admin-guide/kernel-parameters.txt). Under KVM, kvm-clock does.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from runtimes.kernel.errors import ImageError
from runtimes.base import Availability, Instance, InstanceSpec
from runtimes.kernel.paths import cache_dir, scratch_root
from runtimes.kernel.messages import Message, say
from runtimes.peers._common import check_tools, first_line
from runtimes.peers.qemu import TOOLS, Qemu, QemuInstance
from runtimes.probe import probe_argv
from runtimes.vm.accel import Accelerator, choose_accelerator
from runtimes.vm.guest import INITRAMFS_INIT, build_guest, cpio_newc, initramfs_entries, publish
from runtimes.vm.guest_kernel import Kernel, fetch_kernel, load_order, module_bytes, module_index
from runtimes.vm.instance import VmHost, supports_o_direct

FIRMWARE = Path("/usr/share/qemu/bios-microvm.bin")  # qboot, built for the microvm machine (package qemu-system-data)
MMIO_MODULES = ("virtio_mmio", "virtio_blk")          # with their dependencies: virtio, virtio_ring
MACHINE_NOTE = say("microvm.machine")
CLOCK_NOTE = "microvm.clock"  # the code of its note; fields: khz


def tsc_khz(cpuinfo: str | None = None) -> int | None:
    """The host's TSC rate in kHz, or None where /proc/cpuinfo does not tell it.

    On x86 Linux derives BogoMIPS from the TSC (loops_per_jiffy, calibrated
    against it): BogoMIPS / 2 is the TSC's rate in MHz, to 10 kHz.
    """
    if cpuinfo is None:
        cpuinfo = Path("/proc/cpuinfo").read_text()
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() == "bogomips":
            try:
                return round(float(value) * 1000 / 2)
            except ValueError:
                return None
    return None


def microvm_argv(vm: VmHost, overlay: Path, console: Path, cmdline: str, memory_mib: int, vcpus: int) -> list[str]:
    """A direct kernel boot on QEMU's microvm machine (qemu-system-x86_64(1), docs/system/i386/microvm.rst)."""
    kvm = vm.accelerator.name == "kvm"
    machine = f"microvm,accel={vm.accelerator.name},acpi=on"  # ACPI: see the module docstring
    khz = None if kvm else tsc_khz()
    clock = [f"tsc_early_khz={khz}", "tsc=reliable"] if khz else []  # see the module docstring
    return [vm.emulator, "-machine", machine, *(["-cpu", "host"] if kvm else []),
            "-m", str(memory_mib), "-smp", str(vcpus), "-bios", str(FIRMWARE),
            "-nodefaults", "-no-user-config", "-display", "none",
            "-kernel", str(vm.guest.kernel), "-initrd", str(vm.guest.initramfs), "-append", " ".join([*clock, cmdline]),
            "-drive", f"id=disk,file={overlay},if=none,format=qcow2,cache={vm.disk_cache},aio={vm.disk_io}",
            "-device", "virtio-blk-device,drive=disk",
            "-chardev", f"socket,id=console,path={console}", "-serial", "chardev:console", "-no-reboot"]


class MicroVMInstance(QemuInstance):
    runtime_name = "microvm"

    def command_line(self, vm: VmHost, overlay: Path, console: Path, cmdline: str, memory_mib: int,
                     vcpus: int) -> list[str]:
        return microvm_argv(vm, overlay, console, cmdline, memory_mib, vcpus)


# -- the initramfs with the virtio-mmio driver ------------------------------------

def _mmio_modules(kernel: Kernel, into: Path) -> list[Path]:
    """virtio_mmio and what it needs, from the same kernel package as the guest's kernel, uncompressed."""
    work = Path(tempfile.mkdtemp(prefix=".fetch-", dir=into.parent))
    try:
        apt = ["apt-get", "download", "-q", "-o", "APT::Sandbox::User=root", f"{kernel.package}={kernel.version}"]
        done = subprocess.run(apt, cwd=work, capture_output=True, text=True, timeout=600)
        debs = list(work.glob(f"{kernel.package}_*.deb"))
        if done.returncode != 0 or not debs:
            said = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise ImageError(say("microvm.download-failed", package=kernel.package, said=said))
        tree = work / "tree"
        subprocess.run(["dpkg-deb", "-x", str(debs[0]), str(tree)], check=True, capture_output=True)
        index = module_index(tree / "lib" / "modules" / kernel.release / "kernel")
        into.mkdir(parents=True)
        paths = []
        for name in load_order(index, MMIO_MODULES):
            (into / f"{name}.ko").write_bytes(module_bytes(index[name]))
            paths.append(into / f"{name}.ko")
        return paths
    finally:
        shutil.rmtree(work, ignore_errors=True)


def build_mmio_initramfs(cache: Path | None = None) -> tuple[Path, Kernel]:
    """The libvirt guest's initramfs with virtio_mmio in place of virtio_pci, cached; and the kernel it is for."""
    kernel = fetch_kernel(cache)
    inputs = {"kernel": kernel.label, "modules": ",".join(MMIO_MODULES),
              "init_sha256": hashlib.sha256(INITRAMFS_INIT.encode()).hexdigest()}
    key = hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()
    entry = (cache or cache_dir()) / "vm" / "microvm" / key
    if (entry / "manifest.json").is_file():
        return entry / "initramfs.cpio", kernel
    entry.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".build-", dir=entry.parent))
    try:
        modules = _mmio_modules(kernel, staging / "modules")
        archive = cpio_newc(initramfs_entries(dataclasses.replace(kernel, modules=tuple(modules))))
        (staging / "initramfs.cpio").write_bytes(archive)
        shutil.rmtree(staging / "modules")
        publish(staging, entry, inputs)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return entry / "initramfs.cpio", kernel


class MicroVM(Qemu):
    name = "microvm"
    summary = ("a microVM: QEMU's microvm machine (qboot, virtio-mmio, no PCI bus) boots the libvirt runtime's "
               "kernel and disk, the design Firecracker takes further")
    launch = ("a copy-on-write overlay of the guest disk (qemu-img), then exec of qemu-system-x86_64 -machine microvm "
              "with a direct kernel boot: qboot jumps to the kernel, whose initramfs loads the virtio-mmio driver, "
              "mounts the disk and starts its init, which runs the probe; READY is read from the serial console, "
              "'exited' is the guest powered off and QEMU gone. Limits: memory sets the guest's RAM, cpus its vCPUs "
              "(rounded up); pids are not enforced")

    @classmethod
    def available(cls) -> Availability:
        missing = check_tools(TOOLS)
        if missing:
            return missing
        if not FIRMWARE.is_file():
            return Availability.no(say("microvm.no-firmware", path=str(FIRMWARE)),
                                   say("fix.install-or-provision", package="qemu-system-data"))
        return Availability.yes()

    def setup(self) -> None:
        guest = build_guest(self.image)
        initramfs, _ = build_mmio_initramfs()
        self.guest = dataclasses.replace(guest, initramfs=initramfs)
        direct = supports_o_direct(scratch_root()) and supports_o_direct(guest.disk.parent)
        self.disk_cache, self.disk_io = ("none", "native") if direct else ("writeback", "threads")
        self.emulator = shutil.which("qemu-system-x86_64") or "/usr/bin/qemu-system-x86_64"
        self.qemu_version = first_line([self.emulator, "--version"])
        # Decided apart from the other VMs' answers (a file of its own): another machine may fare differently.
        context = {"qemu": str(self.qemu_version), "guest": self.guest.key, "initramfs": initramfs.parent.name,
                   "machine": "microvm"}
        self.accelerator = choose_accelerator(context, self._probe_boot, cache=cache_dir() / "microvm")

    def _probe_boot(self, timeout_s: float) -> None:
        spec = InstanceSpec(image=self.image, argv=probe_argv("ready"))
        probe = Accelerator("kvm", say("accel.probe-boot"))
        with MicroVMInstance(self, spec, accelerator=probe) as inst:
            inst.wait_ready(timeout_s)

    def versions(self) -> dict[str, str | Message]:
        found = super().versions()
        found["machine"] = MACHINE_NOTE
        found["firmware"] = f"{FIRMWARE.name} (qboot)"
        if self.accelerator.name != "kvm" and tsc_khz():
            found["host quirk"] = say("microvm.clock", khz=tsc_khz())
        return found

    def start(self, spec: InstanceSpec) -> Instance:
        self.ensure_set_up()
        return MicroVMInstance(self, spec)

