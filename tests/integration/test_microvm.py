"""The microVM (runtimes/peers/microvm.py) for real: it boots the libvirt runtime's guest on QEMU's microvm machine."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.runner import Lineup, RunOptions, run_suite
from bench.scenario import parse_scenario
from bench.store import Store
from runtimes import Image, InstanceSpec, get_runtime
from tests.envcheck import require_runtime

STARTUP = ('name = "startup"\ndescription = "test"\n[workload]\nmode = "ready"\n'
           '[run]\nwarmup = 0\nrepetitions = 1\ntimeout_s = 120\n[report]\nmetrics = ["ready_s", "exit_s"]\n')
PHASES = ("vm_boot_qemu_s", "vm_boot_firmware_s", "vm_boot_kernel_s", "vm_boot_initramfs_s", "vm_boot_probe_s")


@pytest.fixture(autouse=True)
def _microvm() -> None:
    require_runtime("microvm")


def test_the_microvm_boots_to_ready_and_records_its_boot_split(tmp_path: Path, image: Image) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        data = store.load(run_suite([parse_scenario(STARTUP, tmp_path / "startup.toml")], store, image,
                                    RunOptions(runtimes=("microvm",)), lineup=Lineup.registered()))
    runs = data.runs[data.runs["runtime"] == "microvm"]
    assert len(runs) == 1 and runs["ok"].all(), list(runs["error"])
    figures = data.samples[data.samples["runtime"] == "microvm"].set_index("metric")["value"]
    assert all(figures[phase] > 0 for phase in PHASES), figures
    # The phases are consecutive: from the launch they add up to READY.
    assert sum(figures[p] for p in ("vm_boot_prepare_s", *PHASES)) == pytest.approx(figures["ready_s"], abs=0.05)
    versions = data.runtimes["microvm"].versions
    assert versions["machine"].startswith("microvm") and versions["accelerator"] in ("kvm", "tcg")


def test_the_guest_has_no_pci_bus_and_finds_its_disk_on_virtio_mmio(image: Image) -> None:
    """What makes it micro, in the guest's own memory map (proc(5), /proc/iomem): no PCI bus, a virtio-mmio window."""
    with get_runtime("microvm")(image) as runtime:
        with runtime.start(InstanceSpec(image=image, argv=("/bin/cat", "/proc/iomem"))) as inst:
            assert inst.wait(120) == 0
            out = "\n".join(line.text for line in inst.lines)
    assert "System RAM" in out and "PCI Bus" not in out, out  # a pc machine lists "PCI Bus 0000:00"
    assert "LNRO0005" in out, out  # the virtio-mmio device its ACPI tables describe (Linux's virtio_mmio ACPI id)
