"""The VM runtime's pure parts: domain XML, kernel command line, initramfs archive, boot phases, run caps.

No root, no libvirt, no boot: the real boots are in tests/integration/test_libvirt_vm.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from bench.errors import InstanceError
from bench.runner import Lineup, RunOptions, planned_repetitions, planned_warmups
from bench.scenario import select
from runtimes import Limits
from runtimes.base import TimedLine
from runtimes.vm.instance import guest_size
from runtimes.vm.libvirt import LibvirtVM
from runtimes.vm.console import boot_phases, guest_memory, parse_guest_line
from runtimes.vm.domain import DomainSpec, domain_xml, kernel_cmdline
from runtimes.vm.guest import S_IFCHR, S_IFDIR, S_IFLNK, S_IFREG, CpioEntry, cpio_newc
from runtimes.vm import guest_kernel
from runtimes.vm.guest_kernel import _versioned_dependency


def domain(accelerator: str = "tcg", name: str = "isobench-test") -> ET.Element:
    spec = DomainSpec(name=name, accelerator=accelerator, memory_mib=256, vcpus=1,
                      kernel=Path("/k/vmlinuz"), initramfs=Path("/k/initramfs.cpio"),
                      cmdline=kernel_cmdline(("/usr/bin/probe", "ready")), disk=Path("/s/disk.qcow2"),
                      disk_cache="none", disk_io="native", console=Path("/s/console.sock"),
                      emulator="/usr/bin/qemu-system-x86_64", uid=0, gid=0)
    return ET.fromstring(domain_xml(spec))


def test_the_domain_is_trimmed_to_what_the_guest_needs() -> None:
    root = domain()
    assert root.get("type") == "qemu"
    assert root.find("os/kernel").text == "/k/vmlinuz" and root.find("os/cmdline").text.endswith("-- /usr/bin/probe ready")
    assert root.find("features/acpi") is not None, "so that the guest can power off"
    assert root.find("devices/controller[@type='usb']").get("model") == "none"
    assert root.find("devices/memballoon").get("model") == "none"
    for absent in ("graphics", "video", "interface", "sound", "input"):
        assert root.find(f"devices/{absent}") is None
    assert {root.find(f"on_{what}").text for what in ("poweroff", "reboot", "crash")} == {"destroy"}


def test_the_disk_and_console_settings_are_in_the_xml() -> None:
    devices = domain().find("devices")
    driver = devices.find("disk/driver")
    assert (driver.get("type"), driver.get("cache"), driver.get("io")) == ("qcow2", "none", "native")
    assert devices.find("disk/target").get("bus") == "virtio"
    source = devices.find("serial/source")
    assert (source.get("mode"), source.get("path")) == ("connect", "/s/console.sock")


def test_kvm_domains_get_the_host_cpu_and_emulated_ones_the_default() -> None:
    assert domain("kvm").get("type") == "kvm" and domain("kvm").find("cpu").get("mode") == "host-passthrough"
    assert domain("tcg").find("cpu") is None


def test_values_are_escaped_in_the_xml() -> None:
    root = domain(name="a&b<c>'d")
    assert root.find("name").text == "a&b<c>'d"


def test_the_workload_argv_follows_the_double_dash_and_spaces_are_quoted() -> None:
    line = kernel_cmdline(("/bin/sh", "-c", "echo hi", "x=1"))
    assert line == 'console=ttyS0 quiet panic=-1 -- /bin/sh -c "echo hi" x=1'


@pytest.mark.parametrize("word", ["", 'say "hi"', "two\nlines"])
def test_words_the_kernel_cannot_carry_are_refused(word: str) -> None:
    with pytest.raises(InstanceError, match="kernel command line"):
        kernel_cmdline(("/bin/echo", word))


def test_guest_size_follows_the_limits_in_whole_vcpus() -> None:
    assert guest_size(Limits()) == (256, 1)
    assert guest_size(Limits(memory_bytes=512 * 2**20, cpus=1.5)) == (512, 2)
    with pytest.raises(InstanceError, match="at least"):
        guest_size(Limits(memory_bytes=32 * 2**20))


def test_the_initramfs_is_a_newc_archive_the_cpio_tool_reads(tmp_path: Path) -> None:
    if shutil.which("cpio") is None:
        pytest.skip("cpio not found; fix: sudo apt-get install cpio")
    archive = cpio_newc([CpioEntry("bin", S_IFDIR | 0o755), CpioEntry("bin/busybox", S_IFREG | 0o755, b"\x7fELF..."),
                         CpioEntry("bin/sh", S_IFLNK | 0o777, b"busybox"),
                         CpioEntry("dev/console", S_IFCHR | 0o600, rdev=(5, 1)),
                         CpioEntry("init", S_IFREG | 0o755, b"#!/bin/sh\n")])
    assert len(archive) % 4 == 0
    listing = subprocess.run(["cpio", "-itv", "--quiet"], input=archive, capture_output=True, check=True).stdout.decode()
    entries = {ln.split(" -> ")[0].split()[-1]: ln for ln in listing.splitlines()}
    assert set(entries) == {"bin", "bin/busybox", "bin/sh", "dev/console", "init"}
    assert entries["dev/console"].startswith("crw-------") and " 5,   1 " in entries["dev/console"]
    assert entries["bin/sh"].startswith("lrwxrwxrwx") and entries["bin/sh"].endswith("bin/sh -> busybox")


def test_the_versioned_kernel_package_is_read_from_the_meta_package() -> None:
    assert _versioned_dependency("linux-image-6.1.0-56-cloud-amd64 (= 6.1.192-2)") == "linux-image-6.1.0-56-cloud-amd64"


def test_apt_is_asked_for_the_kernel_version_again_only_once_its_state_changed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each VM runtime asks at every scenario's set-up; one real `apt-cache show` can take a second."""
    if shutil.which("apt-cache") is None:
        pytest.skip("needs apt-cache (a Debian/Ubuntu host)")
    lists = tmp_path / "lists"
    lists.mkdir()
    monkeypatch.setattr(guest_kernel, "APT_STATE", (lists, tmp_path / "absent"))
    asked = []
    real = guest_kernel._ask_apt
    monkeypatch.setattr(guest_kernel, "_ask_apt", lambda: asked.append(1) or real())
    first = guest_kernel.candidate_version()
    assert guest_kernel.candidate_version() == first and len(asked) == 1
    stat = lists.stat()
    os.utime(lists, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # what `apt-get update` does to it
    assert guest_kernel.candidate_version() == first and len(asked) == 2


def test_guest_lines_are_parsed_and_others_ignored() -> None:
    line = parse_guest_line(TimedLine("\rGUEST event=exit status=3 uptime_s=2.03", 7))
    assert (line.event, line.number("status"), line.at_ns) == ("exit", 3.0, 7)
    assert parse_guest_line(TimedLine("BENCH event=ready mode=ready pid=93", 0)) is None
    assert parse_guest_line(TimedLine("[    2.08] reboot: Power down", 0)) is None


def test_boot_phases_are_consecutive_and_add_up_to_launch_to_ready() -> None:
    ms = 1_000_000
    at = {"launch": 0, "define": 15 * ms, "qemu": 20 * ms, "created": 280 * ms}
    guest = {g.event: g for g in (
        parse_guest_line(TimedLine("GUEST event=initramfs uptime_s=1.5", 2300 * ms)),
        parse_guest_line(TimedLine("GUEST event=init uptime_s=1.9", 2700 * ms)),
        parse_guest_line(TimedLine("GUEST event=exit status=0 uptime_s=2.0", 2790 * ms)))}
    phases = boot_phases(at, guest, ready_ns=2740 * ms, off_ns=2830 * ms)
    assert phases["vm_boot_firmware_s"] == pytest.approx(0.52)   # 2.3 s − 1.5 s of guest uptime − 0.28 s
    assert phases["vm_boot_kernel_s"] == pytest.approx(1.5)
    assert phases["vm_poweroff_s"] == pytest.approx(0.04)
    assert sum(v for k, v in phases.items() if k.startswith("vm_boot_")) == pytest.approx(2.74)


def test_guest_memory_prefers_the_reading_taken_while_the_workload_held_it() -> None:
    stop = parse_guest_line(TimedLine("GUEST event=memory when=stop mem_total_kib=1000 mem_available_kib=400", 0))
    end = parse_guest_line(TimedLine("GUEST event=memory when=exit mem_total_kib=1000 mem_available_kib=900", 0))
    assert guest_memory({"memory_stop": stop, "memory_exit": end})["vm_guest_mem_available_bytes"] == 400 * 1024
    assert guest_memory({"memory_exit": end})["vm_guest_mem_available_bytes"] == 900 * 1024
    assert guest_memory({}) == {}


def test_guest_memory_includes_the_guest_page_cache_when_reported() -> None:
    line = parse_guest_line(TimedLine("GUEST event=memory when=stop mem_total_kib=1000 mem_available_kib=400 "
                                      "cached_kib=120", 0))
    assert guest_memory({"memory_stop": line})["vm_guest_page_cache_bytes"] == 120 * 1024


def test_a_capped_runtime_runs_fewer_measured_runs_unless_told_otherwise() -> None:
    startup = select(["startup"])[0]
    names = ["native", LibvirtVM.name]
    assert planned_repetitions(startup, names, RunOptions(), Lineup.registered()) == {"native": 60, "libvirt": LibvirtVM.max_repetitions}
    quick = startup.quick()
    assert planned_repetitions(quick, names, RunOptions(quick=True), Lineup.registered()) == {"native": 10, "libvirt": LibvirtVM.max_quick_repetitions}
    assert planned_repetitions(startup, names, RunOptions(repetitions=20), Lineup.registered()) == {"native": 60, "libvirt": 60}, \
        "an explicit -n is taken as asked (run_suite has already applied it to the scenario)"


def test_with_quick_a_vm_skips_its_warm_ups_and_the_others_keep_theirs() -> None:
    startup = select(["startup"])[0]
    names = ["native", LibvirtVM.name]
    assert planned_warmups(startup, names, RunOptions(), Lineup.registered()) == {"native": startup.warmup, "libvirt": startup.warmup}
    quick = startup.quick()
    assert planned_warmups(quick, names, RunOptions(quick=True), Lineup.registered()) == {"native": quick.warmup,
                                                                     "libvirt": LibvirtVM.max_quick_warmups}
