"""runtimes.kernel.process: telling a process that still runs from one that has exited, zombies included."""

from __future__ import annotations

import os
import subprocess
import time

from runtimes.kernel.process import is_running, process_start_time, wait_exited


def _state(pid: int) -> str:
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rpartition(")")[2].split()[0]


def test_a_zombie_has_exited_though_its_pid_is_still_there() -> None:
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    try:
        while _state(pid) != "Z":  # exited, not yet reaped: what a late-reaping init leaves
            time.sleep(0.001)
        assert wait_exited(pid, timeout_s=5)
        assert not is_running(pid, process_start_time(pid) or 0)
    finally:
        os.waitpid(pid, 0)
    assert wait_exited(pid, timeout_s=0)  # reaped: no such process


def test_a_running_process_has_not_exited_after_the_wait() -> None:
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        assert not wait_exited(sleeper.pid, timeout_s=0.05)
    finally:
        sleeper.kill()
        sleeper.wait()
