"""What every VM runtime shares: the guest's size, one booted guest as an Instance, reading its RAM.

The libvirt VM (``runtimes.vm.libvirt``), plain QEMU and the microVM
(``runtimes.peers``) boot the same guest (``runtimes.vm.guest``) and read the
same serial console (``runtimes.vm.console``); they differ only in what starts
QEMU and what pulls the plug. ``GuestInstance`` is the common part, and each
of them supplies ``_start`` and ``_force_off``.
"""

from __future__ import annotations

import abc
import math
import os
import signal
import tempfile
import time
from pathlib import Path
from typing import ClassVar, Generic, Protocol, TypeVar

import psutil

from runtimes.base import Instance, InstanceSpec, Limits, TimedLine
from runtimes.kernel.errors import InstanceError
from runtimes.kernel.messages import Message, say
from runtimes.probe import ProbeLine, parse_line
from runtimes.vm.accel import Accelerator
from runtimes.vm.console import Console, GuestLine, boot_phases, guest_memory
from runtimes.vm.guest import Guest

DEFAULT_MEMORY_MIB = 256
MIN_MEMORY_MIB = 96          # below this the cloud kernel and initramfs do not fit
DEFAULT_VCPUS = 1
ACCEPT_TIMEOUT_S = 10.0      # QEMU connects to the console while it starts, before it boots anything
STOP_GRACE_S = 5.0           # the guest stops the workload, syncs and powers off well within this
POWER_DOWN = "reboot: Power down"  # the guest kernel's last words on every power-off


class VmHost(Protocol):
    """What starting a guest needs to know about the runtime that boots it."""

    emulator: str
    accelerator: Accelerator
    guest: Guest
    disk_cache: str
    disk_io: str


H = TypeVar("H", bound=VmHost)


def guest_size(limits: Limits) -> tuple[int, int]:
    """(memory in MiB, vCPUs) for a scenario's limits: a VM can only have whole CPUs."""
    memory_mib = DEFAULT_MEMORY_MIB if limits.memory_bytes is None else math.ceil(limits.memory_bytes / 2**20)
    if memory_mib < MIN_MEMORY_MIB:
        raise InstanceError(say("vm.too-little-memory", least=MIN_MEMORY_MIB, mib=memory_mib))
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


class GuestInstance(Instance, Generic[H]):
    """One booted guest, its overlay and its console, from launch to cleanup.

    How the VM is started and forced off (``_start``, ``_force_off``) is the
    subclass's: libvirt's domain (``runtimes.vm.libvirt``), a plain QEMU
    process (``runtimes.peers.qemu``) or a microvm (``runtimes.peers.microvm``).
    Everything else is the same for all three: the console, stop, the exit
    status and the boot phases.
    """

    runtime_name: ClassVar[str] = "vm"  # names the runtime in error messages

    def __init__(self, host: H, spec: InstanceSpec, accelerator: Accelerator | None = None) -> None:
        super().__init__()
        self._at = {"launch": time.monotonic_ns()}  # host-side moments of the launch, monotonic ns
        self.console: Console | None = None
        self._pid: int | None = None
        self._forced = False  # stop() had to destroy the VM
        try:
            self._start(host, spec, accelerator or host.accelerator)
        except BaseException:
            self._cleanup.close()
            raise

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
                raise InstanceError(say("instance.no-ready-line", runtime=self.runtime_name, seconds=float(timeout_s)))
            self.console.read_some(deadline)

    def _ended_before_ready(self) -> Message:
        status = self._exit_status()
        tail = self.output_tail()
        if status is not None:
            return say("instance.exited-early", runtime=self.runtime_name, status=status, said=tail)
        return say("vm.stopped-early", runtime=self.runtime_name, said=tail or say("tool.no-output"))

    def wait(self, timeout_s: float) -> int:
        """Block until the VM is off; return the workload's exit status, as the guest reported it."""
        if not self.console.read_until_eof(time.monotonic_ns() + int(timeout_s * 1e9)):
            raise InstanceError(say("vm.still-runs", runtime=self.runtime_name, seconds=float(timeout_s)))
        status = self._exit_status()
        if status is not None:
            return status
        if self._forced:
            return -signal.SIGKILL  # destroyed, as subprocess reports a killed process
        raise InstanceError(say("vm.no-exit-status", runtime=self.runtime_name,
                                said=self.output_tail() or say("tool.no-output")))

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

    @abc.abstractmethod
    def _start(self, host: H, spec: InstanceSpec, accelerator: Accelerator) -> None:
        """Start the VM of ``spec`` on ``host``'s guest and accept its console; register every undo on ``_cleanup``."""

    @abc.abstractmethod
    def _force_off(self) -> None:
        """Pull the plug: the VM ends at once, whatever the guest is doing."""

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
