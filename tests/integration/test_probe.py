"""The probe, run for real in every mode straight from the built image."""

from __future__ import annotations

import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from runtimes import Image, parse_line
from runtimes.probe import ProbeLine


def run_probe(image: Image, *args: str, cwd: Path | None = None) -> tuple[int, list[ProbeLine], str]:
    out = subprocess.run([str(image.probe), *args], capture_output=True, text=True, timeout=60, cwd=cwd)
    lines = [p for ln in out.stdout.splitlines() if (p := parse_line(ln))]
    return out.returncode, lines, out.stderr


def events(lines: list[ProbeLine]) -> list[str]:
    return [ln.event for ln in lines]


def test_image_probe_is_static(image: Image) -> None:
    from runtimes.image import _is_static_elf

    assert _is_static_elf(image.probe)


def test_every_source_file_of_the_workload_is_in_the_image_key(tmp_path: Path, monkeypatch) -> None:
    from runtimes import image as image_module

    workload = tmp_path / "workload"
    shutil.copytree(image_module.WORKLOAD_DIR, workload)
    monkeypatch.setattr(image_module, "WORKLOAD_DIR", workload)
    names = [f.name for f in image_module.workload_sources()]
    assert names == sorted(names) and {"probe.c", "probe.h", "iso.c"} <= set(names)
    assert set(names) == {f.name for f in workload.iterdir() if f.suffix in (".c", ".h")}
    keys = {image_module.build_inputs()["workload_sha256"]}
    with (workload / "probe.h").open("a") as header:
        header.write("/* an edit to a header alone */\n")
    keys.add(image_module.build_inputs()["workload_sha256"])
    (workload / "extra.c").write_text("/* a new mode file */\n")
    keys.add(image_module.build_inputs()["workload_sha256"])
    assert len(keys) == 3, "each edit must rebuild the image"


def test_ready_prints_only_the_ready_line_and_exits_zero(image: Image) -> None:
    code, lines, _ = run_probe(image, "ready")
    assert code == 0
    assert events(lines) == ["ready"]
    assert lines[0].mode == "ready" and lines[0].number("pid") is not None


def test_cpu_reports_elapsed_and_cpu_time_of_fixed_work(image: Image) -> None:
    code, lines, _ = run_probe(image, "cpu", "--iterations", "2000000")
    assert code == 0 and events(lines) == ["ready", "result"]
    result = lines[1]
    assert result.number("iterations") == 2_000_000
    assert 0 < result.number("elapsed_s") < 10
    assert result.number("cpu_s") is not None
    # fixed work: the checksum is the same every time
    assert run_probe(image, "cpu", "--iterations", "2000000")[1][1].fields["checksum"] == result.fields["checksum"]


@pytest.mark.parametrize("args", [("mem", "--mib", "16"), ("idle",)])
def test_holding_modes_report_then_stop_cleanly_on_sigterm(image: Image, args: tuple[str, ...]) -> None:
    proc = subprocess.Popen([str(image.probe), *args], stdout=subprocess.PIPE, text=True)
    ready = parse_line(proc.stdout.readline())
    assert ready is not None and ready.event == "ready"
    assert ready.fields["rss_source"] == "smaps_rollup"
    if args[0] == "mem":
        assert ready.number("rss_bytes") >= 16 * 2**20, "every page of the allocation is touched"
    result = parse_line(proc.stdout.readline())
    assert result is not None and result.event == "result"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 0
    assert [p.event for ln in proc.stdout.read().splitlines() if (p := parse_line(ln))] == ["stopped"]
    proc.stdout.close()


def test_io_reports_every_figure_and_leaves_no_file(image: Image, tmp_path: Path) -> None:
    code, lines, err = run_probe(image, "io", "--size-mib", "8", "--rand-ops", "200", "--fsync-ops", "20", cwd=tmp_path)
    assert code == 0, err
    result = lines[-1]
    for key in ("seq_write_mib_s", "seq_read_mib_s", "rand_read_iops", "rand_read_p50_us", "rand_read_p99_us",
                "fsync_p50_us", "fsync_p99_us"):
        assert result.number(key) > 0, key
    assert result.fields["direct"] == "1", "tmp_path is on a disk file system that supports O_DIRECT"
    assert result.number("fsync_p99_us") >= result.number("fsync_p50_us")
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def ramfs(tmp_path: Path):
    """A ramfs mount: it refuses O_DIRECT (tmpfs accepts it since Linux 6.6)."""
    mountpoint = tmp_path / "ramfs"
    mountpoint.mkdir()
    subprocess.run(["mount", "-t", "ramfs", "ramfs", str(mountpoint)], check=True)
    yield mountpoint
    subprocess.run(["umount", str(mountpoint)], check=True)


def test_io_falls_back_to_buffered_reads_where_o_direct_is_refused(image: Image, ramfs: Path) -> None:
    code, lines, err = run_probe(image, "io", "--dir", str(ramfs), "--size-mib", "4", "--rand-ops", "50", "--fsync-ops", "5")
    assert code == 0, err
    assert lines[-1].fields["direct"] == "0"
    assert list(ramfs.iterdir()) == []


def test_io_in_a_missing_directory_reports_an_error_line(image: Image) -> None:
    code, lines, err = run_probe(image, "io", "--dir", "/nonexistent/dir", "--size-mib", "1")
    assert code == 1
    assert lines[-1].event == "error" and lines[-1].number("errno") == 2
    assert err.strip()


@pytest.mark.parametrize("args", [("bogus",), ("mem", "--mib", "abc"), ("mem", "--mib", "-1"), ("cpu", "--nope", "1"), ()])
def test_bad_usage_exits_2_with_a_message(image: Image, args: tuple[str, ...]) -> None:
    code, lines, err = run_probe(image, *args)
    assert code == 2
    assert lines == []
    assert err.startswith("probe") or "usage" in err.lower()
