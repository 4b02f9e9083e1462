"""What /proc says about a host process: when it started, its parent, whether it still runs.

A PID alone names a process only until it exits: the kernel hands the number
out again. So every runtime that remembers a process (box's state.json, a
vz CT's run state, a `bench run`) keeps its PID *and* its start time (field
22 of /proc/PID/stat, in clock ticks since boot, proc(5)); the pair names
one process for the life of the boot.
"""

from __future__ import annotations

import time
from pathlib import Path


def _stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (which may hold spaces and parentheses)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rpartition(")")[2].split()


def process_start_time(pid: int) -> int | None:
    """Field 22 of /proc/PID/stat (proc(5)), or None if there is no such process."""
    fields = _stat_fields(pid)
    return int(fields[19]) if fields else None


def is_running(pid: int, start: int) -> bool:
    """Is ``pid`` still the process that started at ``start`` (no PID reuse), and not a zombie?"""
    if pid <= 0:
        return False
    fields = _stat_fields(pid)
    return bool(fields) and int(fields[19]) == start and fields[0] != "Z"


def parent_pid(pid: int) -> int | None:
    """Field 4 of /proc/PID/stat (proc(5)), or None if the process is gone."""
    fields = _stat_fields(pid)
    try:
        return int(fields[1]) if fields else None
    except (ValueError, IndexError):
        return None


def wait_exited(pid: int, timeout_s: float) -> bool:
    """Wait up to ``timeout_s`` for a process that is not our child to exit; False if it still runs.

    A zombie counts as exited: it has done all it will do, and only its parent
    can make it go. That parent may be an init that reaps late (the development
    machine's PID 1 takes a second or more), and waiting for the PID
    to vanish, as psutil's wait does for a non-child, would charge that second
    to whatever ran last.
    """
    start = process_start_time(pid)
    deadline = time.monotonic() + timeout_s
    while start is not None and is_running(pid, start):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.005)
    return True


def age_s(path: Path) -> float:
    """Seconds since ``path`` last changed; 0 if it is gone. How old a leftover is, before it is called one."""
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return 0.0


def now() -> str:
    """The time now, UTC, ISO 8601 to the millisecond: how state files record when things happened.

    What ``datetime.now(timezone.utc).isoformat(timespec="milliseconds")`` writes, without importing
    datetime (a millisecond of every `box run`): ``2024-05-01T12:00:00.123+00:00``.
    """
    ms = time.time_ns() // 1_000_000
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + f".{ms % 1000:03d}+00:00"
