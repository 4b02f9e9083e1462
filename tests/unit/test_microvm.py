"""The microVM's command line and notes (runtimes/peers/microvm.py), without booting anything."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from bench.report.i18n import Catalogue
from runtimes.kernel.messages import say
from runtimes.peers import microvm
from runtimes.vm.accel import Accelerator
from tests.unit.test_report_stored_es import _english_in


def _vm(accelerator: str) -> SimpleNamespace:
    guest = SimpleNamespace(kernel=Path("/k/vmlinuz"), initramfs=Path("/k/mmio.cpio"))
    return SimpleNamespace(emulator="qemu-system-x86_64", accelerator=Accelerator(accelerator, "test"), guest=guest,
                           disk_cache="none", disk_io="native")


def test_the_tsc_rate_is_half_the_bogomips() -> None:
    assert microvm.tsc_khz("processor\t: 0\nbogomips\t: 4890.86\n") == 2445430
    assert microvm.tsc_khz("processor\t: 0\n") is None


def test_the_microvm_has_no_pci_bus_and_its_disk_is_on_virtio_mmio() -> None:
    argv = microvm.microvm_argv(_vm("tcg"), Path("/o.qcow2"), Path("/c.sock"), "console=ttyS0 -- /usr/bin/probe ready",
                                256, 1)
    machine = argv[argv.index("-machine") + 1]
    assert machine.startswith("microvm,accel=tcg") and "pc" not in machine.split(",")
    assert argv[argv.index("-device") + 1] == "virtio-blk-device,drive=disk"  # virtio-mmio, not virtio-blk-pci
    assert argv[argv.index("-bios") + 1] == str(microvm.FIRMWARE)
    cmdline = argv[argv.index("-append") + 1]
    # Under TCG the kernel is told its clock's rate, before the workload's words.
    assert cmdline.index("tsc=reliable") < cmdline.index(" -- ")
    kvm = microvm.microvm_argv(_vm("kvm"), Path("/o.qcow2"), Path("/c.sock"), "-- x", 256, 1)
    assert "tsc" not in kvm[kvm.index("-append") + 1] and kvm[kvm.index("-cpu") + 1] == "host"


def test_its_notes_read_in_spanish() -> None:
    spanish = Catalogue("es")
    assert "tsc_early_khz=2445430" in spanish.value(say(microvm.CLOCK_NOTE, khz=2445430))
    for text in (microvm.MicroVM.summary, microvm.MicroVM.launch, microvm.MACHINE_NOTE, "machine", "firmware"):
        assert spanish.value(text) != text or text == "firmware"
        assert not _english_in(spanish.value(text)), text
