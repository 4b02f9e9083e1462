"""A running container's state on disk: ``run/<CTID>.json``, and whether its init still lives.

Written when ``vz start`` has a running init, removed when the CT is stopped
and cleaned up. It holds what a later `vz` command needs to find the CT:
init's host PID and that process's start time (so a reused PID is never
mistaken for the CT's init), plus when and how fast it started.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

from runtimes.kernel.process import is_running


@dataclasses.dataclass(frozen=True)
class RunState:
    pid: int                 # host PID of the CT's init
    pid_start: int           # its start time (/proc/PID/stat field 22): guards against PID reuse
    started_at: str          # ISO 8601, UTC
    start_s: float           # vz start → init ready
    init_s: float            # exec of init → init ready (its own boot)


def load(path: Path) -> RunState | None:
    try:
        return RunState(**json.loads(path.read_text()))
    except FileNotFoundError:
        return None


def save(path: Path, state: RunState) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(dataclasses.asdict(state), indent=2))
    os.replace(tmp, path)  # atomic: a crash never leaves half a file


def alive(pid: int, pid_start: int) -> bool:
    """Is ``pid`` still the CT's init (same start time) and not a zombie?

    If it is our own child and has exited, reap it here: a library caller
    (the benchmark harness) is its parent and must not keep a zombie.
    """
    try:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    except ChildProcessError:
        pass  # not our child (`vz start` exited long ago): the host's init reaps it
    return is_running(pid, pid_start)
