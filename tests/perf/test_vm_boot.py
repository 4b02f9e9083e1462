"""Does libvirt add little? launch → READY through the VM runtime against plain QEMU (`make perf`).

Both sides boot the same kernel, initramfs and base disk under the same
accelerator, with the same kernel command line, each from a fresh qcow2
overlay made inside the timing, and both read the serial console through the
same ``Console`` (a unix socket QEMU connects to). The plain side is the
``qemu-system-x86_64`` command line a person would write for a direct kernel
boot. Boots alternate, as the runner's rounds do, so drift of the host hits
both alike.

Target: the runtime's median launch → READY is within 15 % of plain QEMU's.
"""

from __future__ import annotations

import statistics
import subprocess
import time
from pathlib import Path

from runtimes import Image, InstanceSpec, probe_argv
from runtimes.vm.libvirt import LibvirtVM
from runtimes.peers.qemu import qemu_argv
from runtimes.vm.guest import create_overlay
from runtimes.probe import parse_line
from runtimes.vm.console import Console
from runtimes.vm.domain import kernel_cmdline
from tests.envcheck import require_runtime

ROUNDS = 10          # per side, after one warm-up boot each
TARGET_RATIO = 1.15


def plain_qemu_argv(vm: LibvirtVM, overlay: Path, console: Path) -> list[str]:
    """A hand-written direct kernel boot equivalent to the runtime's domain (the ``qemu`` peer's command line)."""
    return qemu_argv(vm, overlay, console, kernel_cmdline(probe_argv("ready")))


def plain_boot(vm: LibvirtVM, work: Path) -> dict[str, float]:
    """One plain-QEMU boot: launch → READY, and the guest-side phases, in seconds."""
    for leftover in work.iterdir():
        leftover.unlink()
    t0 = time.monotonic_ns()
    create_overlay(vm.guest, work / "disk.qcow2")
    console = Console(work / "console.sock")
    try:
        spawned = time.monotonic_ns()
        qemu = subprocess.Popen(plain_qemu_argv(vm, work / "disk.qcow2", console.path), stdin=subprocess.DEVNULL)
        try:
            console.accept(10)
            deadline = time.monotonic_ns() + 120 * 10**9
            console.read_until_eof(deadline)
        finally:
            if qemu.poll() is None:  # the guest did not power off: do not leave QEMU behind
                qemu.kill()
            qemu.wait()
        ready = next(p for ln in console.lines if (p := parse_line(ln.text, ln.at_ns)) and p.event == "ready")
        guest = {g.event: g for g in reversed(console.guest_lines())}
    finally:
        console.close()
    kernel = guest["initramfs"].at_ns - guest["initramfs"].number("uptime_s") * 1e9
    return {"ready_s": (ready.at_ns - t0) / 1e9, "prepare_s": (spawned - t0) / 1e9,
            "qemu_and_firmware_s": (kernel - spawned) / 1e9, "kernel_s": (guest["initramfs"].at_ns - kernel) / 1e9,
            "initramfs_s": (guest["init"].at_ns - guest["initramfs"].at_ns) / 1e9,
            "probe_s": (ready.at_ns - guest["init"].at_ns) / 1e9}


def libvirt_boot(vm: LibvirtVM, image: Image) -> dict[str, float]:
    """One boot through the runtime, timed as the runner times it, with its phases."""
    t0 = time.monotonic_ns()
    with vm.start(InstanceSpec(image=image, argv=probe_argv("ready"))) as inst:
        ready = inst.wait_ready(120)
        assert inst.wait(120) == 0
        phases = inst.observations()
    return {"ready_s": (ready.at_ns - t0) / 1e9, **phases}


def _medians(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(r[key] for r in runs if key in r) for key in runs[0]}


def test_libvirt_launch_to_ready_is_within_15_percent_of_plain_qemu(image: Image, tmp_path: Path) -> None:
    require_runtime("libvirt")
    ours: list[dict[str, float]] = []
    plain: list[dict[str, float]] = []
    with LibvirtVM(image) as vm:
        libvirt_boot(vm, image)  # warm-ups: the page cache, libvirt's capability cache
        plain_boot(vm, tmp_path)
        for i in range(ROUNDS):
            first, second = (ours, plain) if i % 2 == 0 else (plain, ours)
            for side in (first, second):
                side.append(libvirt_boot(vm, image) if side is ours else plain_boot(vm, tmp_path))
        accelerator = vm.accelerator
    a, b = _medians(ours), _medians(plain)
    ratio = a["ready_s"] / b["ready_s"]
    print(f"\nlaunch → READY, median of {ROUNDS} boots each, accelerator {accelerator.name} ({accelerator.reason}):")
    print(f"  libvirt runtime {a['ready_s'] * 1e3:.0f} ms, plain qemu-system-x86_64 {b['ready_s'] * 1e3:.0f} ms, "
          f"ratio {ratio:.3f} (target ≤ {TARGET_RATIO})")
    print("  libvirt phases (median ms): " + ", ".join(
        f"{k.removeprefix('vm_boot_').removesuffix('_s')} {v * 1e3:.0f}" for k, v in a.items() if k.startswith("vm_boot_")))
    print("  plain QEMU phases (median ms): " + ", ".join(
        f"{k.removesuffix('_s')} {v * 1e3:.0f}" for k, v in b.items() if k != "ready_s"))
    assert ratio <= TARGET_RATIO
