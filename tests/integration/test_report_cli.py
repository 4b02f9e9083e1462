"""`bench compare`, `bench export` and `bench report --lang es` as a user runs them: a subprocess, its output and exit code.

Input: a copy of the recorded real session (tests/data/recorded-session.sqlite).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RECORDED = ROOT / "tests" / "data" / "recorded-session.sqlite"


def _bench(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bench", *args], capture_output=True, text=True, timeout=120,
                          cwd=cwd, env={"PATH": "/usr/bin:/bin", "COLUMNS": "200", "PYTHONPATH": str(ROOT)})


def test_cli_compare_export_and_spanish_report(tmp_path: Path) -> None:
    store_copy = tmp_path / "isobench.sqlite"
    shutil.copyfile(RECORDED, store_copy)
    sid = "20261127-183633"  # the recorded session
    same = _bench("compare", sid, sid, "--store", str(store_copy), cwd=tmp_path)
    assert same.returncode == 0, same.stderr
    assert "0 of " in same.stdout and "figures changed beyond the noise" in same.stdout

    out = tmp_path / "export.json"
    exported = _bench("export", "--format", "pytest-benchmark", "-o", str(out), "--store", str(store_copy), cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert json.loads(out.read_text())["benchmarks"]

    report = _bench("report", "--lang", "es", "--store", str(store_copy), "--reports", str(tmp_path / "r"), cwd=tmp_path)
    assert report.returncode == 0, report.stderr
    assert (tmp_path / "r" / sid / "index.es.html").exists()

    unknown = _bench("compare", sid, "nope", "--store", str(store_copy), cwd=tmp_path)
    assert unknown.returncode == 2
    assert unknown.stderr.strip().splitlines() == [
        f"error: no session 'nope' in {store_copy}; `bench sessions --store FILE` lists them"]
