"""Which process runs a session, recorded so a later command can tell a killed run from a running one.

A pid alone is not enough: pids are reused, and a reboot starts them again.
A process is named by three things together: its pid, its start time (field
22 of /proc/PID/stat, in clock ticks since boot, see proc(5)) and the boot it
belongs to (/proc/sys/kernel/random/boot_id). If any differs, or the pid is
gone, the session's process is gone, however it died (``kill -9``, a crash,
the host's power).
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from runtimes.kernel.process import process_start_time

BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


@dataclasses.dataclass(frozen=True)
class Owner:
    pid: int
    started: str   # /proc/PID/stat starttime, in clock ticks since boot; "" when unreadable
    boot_id: str   # "" when unreadable

    @classmethod
    def current(cls) -> Owner:
        return cls(os.getpid(), start_time(os.getpid()), boot_id())

    def alive(self) -> bool:
        """Whether this very process still runs (the same pid, started at the same tick, in this boot)."""
        if self.boot_id and self.boot_id != boot_id():
            return False
        now = start_time(self.pid)
        return bool(now) and (not self.started or now == self.started)


def start_time(pid: int) -> str:
    """The process's start time in clock ticks since boot, as stored; "" when it does not exist."""
    ticks = process_start_time(pid)
    return "" if ticks is None else str(ticks)


def boot_id() -> str:
    try:
        return BOOT_ID.read_text().strip()
    except OSError:
        return ""
