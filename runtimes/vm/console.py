"""The guest's serial console, read by the host line by line as it arrives.

The host listens on a unix socket *before* the VM starts, and QEMU connects
to it as a client while it starts (libvirt: ``<serial type='unix'>`` with
``<source mode='connect'>``; QEMU: ``-chardev socket,path=…``). So no early
line can be lost, and the socket is read like the pipe of a host process:
poll(2) with a timeout, each line stamped with the monotonic time the host
read it (as ``runtimes._process`` does). End of file means QEMU has closed
the console: the VM is off.

The socket also carries input to the guest: its init reads a line ``stop``
as the request to stop the workload.

Guest lines (``GUEST event=NAME key=value ...``, written by the scripts in
``runtimes.vm.guest``) are parsed here, in one place, and turned into the
VM's own figures: its boot phase by phase (``boot_phases``) and its guest's
view of memory (``guest_memory``).
"""

from __future__ import annotations

import dataclasses
import os
import select
import socket
import time
from pathlib import Path

from runtimes.kernel.errors import InstanceError
from runtimes.kernel.messages import say
from runtimes.base import TimedLine, split_lines

GUEST_PREFIX = "GUEST "


@dataclasses.dataclass(frozen=True)
class GuestLine:
    """One line the guest's own scripts printed, and when the host read it."""

    event: str
    fields: dict[str, str]
    at_ns: int

    def number(self, key: str) -> float | None:
        try:
            return float(self.fields[key])
        except (KeyError, ValueError):
            return None


def parse_guest_line(line: TimedLine) -> GuestLine | None:
    """``GUEST event=init uptime_s=1.89`` → GuestLine; None for any other line."""
    start = line.text.find(GUEST_PREFIX)
    if start < 0:
        return None
    fields = dict(t.partition("=")[::2] for t in line.text[start + len(GUEST_PREFIX):].split() if "=" in t)
    event = fields.pop("event", "")
    return GuestLine(event, fields, line.at_ns) if event else None


class Console:
    """A listening unix socket at ``path`` that the VM's serial port connects to."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
        try:
            self._listener.bind(str(path))
            self._listener.listen(1)
        except OSError as err:
            self._listener.close()
            raise InstanceError(say("vm.console-path-too-long" if len(str(path)) >= 108 else "vm.console-cannot-listen",
                                    path=str(path), said=err.strerror or str(err))) from None
        self._conn: socket.socket | None = None
        self._buffer = b""
        self.lines: list[TimedLine] = []
        self.eof_at_ns: int | None = None  # when the host saw QEMU close the console

    @property
    def eof(self) -> bool:
        return self.eof_at_ns is not None

    def accept(self, timeout_s: float) -> None:
        """Take QEMU's connection; it was made while QEMU started, so this is immediate."""
        if not select.select([self._listener], [], [], timeout_s)[0]:
            raise InstanceError(say("vm.console-not-connected", path=str(self.path), seconds=timeout_s))
        self._conn, _ = self._listener.accept()
        self._poller = select.poll()
        self._poller.register(self._conn, select.POLLIN | select.POLLHUP)

    def read_some(self, deadline_ns: int) -> None:
        """Read what the console has, waiting until ``deadline_ns`` at most."""
        if self._conn is None:
            raise RuntimeError("console: accept() the VM's connection before reading")
        if self.eof:
            return
        timeout_ms = max(0, (deadline_ns - time.monotonic_ns()) // 1_000_000)
        if not self._poller.poll(timeout_ms):
            return
        try:
            chunk = self._conn.recv(65536)
        except ConnectionResetError:
            chunk = b""
        now = time.monotonic_ns()
        if not chunk:
            self.eof_at_ns = now
        self._buffer = split_lines(self._buffer, chunk, now, self.lines)

    def read_until_eof(self, deadline_ns: int) -> bool:
        """Read until QEMU closes the console or the deadline passes; True if it closed."""
        while not self.eof and time.monotonic_ns() < deadline_ns:
            self.read_some(deadline_ns)
        return self.eof

    def send(self, text: str) -> None:
        """Type ``text`` into the guest's console (best effort: the VM may be going away)."""
        if self._conn is not None and not self.eof:
            try:
                self._conn.sendall(text.encode())
            except OSError:
                pass  # QEMU already closed its end; the caller falls back to destroying the VM

    def guest_lines(self) -> list[GuestLine]:
        return [g for line in self.lines if (g := parse_guest_line(line))]

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._listener.close()
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass


def boot_phases(at: dict[str, int], guest: dict[str, GuestLine], ready_ns: int | None,
                 off_ns: int | None) -> dict[str, float]:
    """Consecutive phases of the boot, in seconds; each only when both its ends are known.

    Host-side moments: launch, define (createXML called), qemu (the QEMU
    process started, to 10 ms: the kernel records it in clock ticks), created
    (createXML returned; the virtual CPU runs). Guest-side: the host's read
    time of each guest line; the guest kernel's own start is that of the
    initramfs line minus the guest's uptime then (its clock starts early in
    the kernel's start-up, so firmware includes the kernel unpacking itself).
    """
    moments = dict(at)
    if "qemu" in moments:  # tick resolution may put it a few ms outside createXML
        moments["qemu"] = min(max(moments["qemu"], moments["define"]), moments.get("created", moments["qemu"]))
    initramfs = guest.get("initramfs")
    if initramfs is not None and initramfs.number("uptime_s") is not None:
        moments["kernel"] = initramfs.at_ns - int(initramfs.number("uptime_s") * 1e9)
        moments["initramfs"] = initramfs.at_ns
    for event in ("init", "exit"):
        if event in guest:
            moments[event] = guest[event].at_ns
    if ready_ns is not None:
        moments["ready"] = ready_ns
    if off_ns is not None:
        moments["off"] = off_ns
    phases = (("vm_boot_prepare_s", "launch", "define"), ("vm_boot_define_s", "define", "qemu"),
              ("vm_boot_qemu_s", "qemu", "created"), ("vm_boot_firmware_s", "created", "kernel"),
              ("vm_boot_kernel_s", "kernel", "initramfs"), ("vm_boot_initramfs_s", "initramfs", "init"),
              ("vm_boot_probe_s", "init", "ready"), ("vm_poweroff_s", "exit", "off"))
    return {name: (moments[end] - moments[begin]) / 1e9 for name, begin, end in phases
            if begin in moments and end in moments}


def guest_memory(guest: dict[str, GuestLine]) -> dict[str, float]:
    """The guest's own view of its RAM: while the workload held it (stop), else after it ended."""
    line = guest.get("memory_stop") or guest.get("memory_exit")
    if line is None:
        return {}
    figures = {"vm_guest_mem_total_bytes": line.number("mem_total_kib"),
               "vm_guest_mem_available_bytes": line.number("mem_available_kib"),
               "vm_guest_page_cache_bytes": line.number("cached_kib")}
    return {k: v * 1024 for k, v in figures.items() if v is not None}
