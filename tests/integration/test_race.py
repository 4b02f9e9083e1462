"""`bench race` in a real terminal (a pty of 80×24): it draws its lanes, stops on Ctrl-C, and stores its session.

Fast runtimes only (native, chroot, box): a VM lane boots for seconds under
emulation here, so it is checked by hand (README: `bench race -r box -r libvirt`).
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

from tests.conftest import REPO
from tests.envcheck import require_root
from tests.terminal import Terminal

LANES = ("native", "chroot", "box")


def test_a_race_draws_its_lanes_stops_on_ctrl_c_and_is_stored(tmp_path: Path) -> None:
    require_root()
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "80", "LINES": "24", "TERM": "xterm-256color"}
    argv = [sys.executable, "-m", "bench", "race", *(a for lane in LANES for a in ("-r", lane)), "--for", "5m",
            "--no-report", "--reports", str(tmp_path)]
    with Terminal.spawn(argv, env=env) as term:
        fcntl.ioctl(term.fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        term.read_until(b"race \xc2\xb7 startup", timeout=120)  # the image may be built first
        for lane in LANES:
            term.read_until(lane.encode(), timeout=30)
        term.read_until(b"Ctrl-C stops", timeout=30)  # the race is on
        drawn = term.read_until(" ms · last ".encode(), timeout=30)  # some lane has a median by now
        assert "█".encode() in drawn + term.pending  # the counts in big digits
        deadline = time.monotonic() + 3  # let every lane make a few starts
        while time.monotonic() < deadline:
            term._read_some(0.1)
        term.write(b"\x03")  # Ctrl-C, as typed: the terminal sends SIGINT to the foreground process group
        status = term.wait(timeout=60)
        rest = (term.pending + term.read_to_end()).decode(errors="replace")
    assert status == 130, rest
    assert "Traceback" not in rest
    assert "(interrupted) stored in" in rest
    for lane in LANES:
        assert f"{lane}: " in rest and " starts in " in rest
    with sqlite3.connect(tmp_path / "isobench.sqlite") as db:
        (session, state, command), = db.execute("SELECT id, status, command FROM sessions").fetchall()
        counts = dict(db.execute("SELECT runtime, count(*) FROM runs WHERE kind = 'measured' AND ok = 1 "
                                 "GROUP BY runtime"))
    assert state == "interrupted" and command.startswith("bench race -r native")
    assert set(counts) == set(LANES) and all(n >= 2 for n in counts.values()), counts
    # the session is a normal one: its report builds
    report = subprocess.run([sys.executable, "-m", "bench", "report", "--session", session, "--reports", str(tmp_path)],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    assert report.returncode == 0, report.stderr
    page = Path(report.stdout.split("report: ")[1].split()[0]).read_text()
    assert all(lane in page for lane in LANES) and "chart-startup-ready_s" in page
