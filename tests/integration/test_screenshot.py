"""scripts/screenshot: the README's pictures, made by Chromium from a report of recorded real results."""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

from tests.conftest import REPO
from tests.envcheck import require_tool

SCRIPT = REPO / "scripts" / "screenshot"


def screenshot(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, timeout=600)


def test_a_stored_session_becomes_a_picture_of_the_drawn_report(tmp_path: Path) -> None:
    require_tool("chromium", "chromium")
    store = tmp_path / "isobench.sqlite"
    shutil.copy(REPO / "tests" / "data" / "recorded-session.sqlite", store)  # bench report may migrate it
    out = tmp_path / "img" / "report.png"
    result = screenshot("--store", str(store), "--out", str(out), "--width", "1000", "--height", "1400")
    assert result.returncode == 0, result.stderr
    head = out.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", head[16:24]) == (1000, 1400)
    assert "charts drawn" in result.stdout and not list(out.parent.glob(".*.tmp.png"))


def test_bad_input_is_one_line_and_exit_code_2(tmp_path: Path) -> None:
    result = screenshot("--store", str(tmp_path / "missing.sqlite"))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "no such file" in result.stderr and "Traceback" not in result.stderr


def test_by_default_it_pictures_the_first_screen_in_both_languages(tmp_path: Path) -> None:
    """Into a copy of the script's folder layout, so docs/img of the repository is left alone."""
    require_tool("chromium", "chromium")
    fake = tmp_path / "repo"
    (fake / "scripts").mkdir(parents=True)
    (fake / ".venv" / "bin").mkdir(parents=True)
    shutil.copy(SCRIPT, fake / "scripts" / "screenshot")
    (fake / ".venv" / "bin" / "bench").symlink_to(REPO / ".venv" / "bin" / "bench")
    store = tmp_path / "isobench.sqlite"
    shutil.copy(REPO / "tests" / "data" / "full-run-quick.sqlite", store)
    result = subprocess.run([str(fake / "scripts" / "screenshot"), "--store", str(store)], capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    for lang in ("en", "es"):
        head = (fake / "docs" / "img" / f"first-screen.{lang}.png").read_bytes()[:24]
        assert struct.unpack(">II", head[16:24]) == (1400, 900)
