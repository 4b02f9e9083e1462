"""runtimes.probe.parse_line: the one parser of the probe's ``BENCH key=value`` lines.

The sample lines are in the exact formats the probe (bench/workload/*.c) prints.
"""

from __future__ import annotations

import pytest

from runtimes.probe import MODES, ProbeLine, parse_line, probe_argv


def test_parses_a_ready_line_and_keeps_the_read_time():
    line = parse_line("BENCH event=ready mode=idle pid=1 rss_bytes=405504 rss_source=statm", at_ns=123)
    assert line == ProbeLine(event="ready", mode="idle",
                             fields={"pid": "1", "rss_bytes": "405504", "rss_source": "statm"}, at_ns=123)


def test_parses_a_result_line():
    line = parse_line("BENCH event=result mode=io size_mib=32 direct=1 seq_write_mib_s=812.5 seq_read_mib_s=1.2e3 "
                      "rand_read_iops=15000 rand_read_p50_us=61.2 rand_read_p99_us=140 fsync_p50_us=900 fsync_p99_us=2100")
    assert (line.event, line.mode) == ("result", "io")
    assert line.number("seq_write_mib_s") == 812.5
    assert line.number("seq_read_mib_s") == 1200.0
    assert line.number("fsync_p99_us") == 2100.0


def test_parses_an_error_line():
    line = parse_line("BENCH event=error mode=io errno=28 what=write")
    assert (line.event, line.mode) == ("error", "io")
    assert line.fields == {"errno": "28", "what": "write"}


def test_tolerates_crlf_from_a_serial_console():
    line = parse_line("BENCH event=ready mode=ready pid=1\r\n")
    assert line is not None
    assert line.fields == {"pid": "1"}


def test_finds_the_prefix_after_text_glued_to_the_line():
    line = parse_line("[    2.345678] virtio_blk virtio1: [vda] 262144 512-byte blocksBENCH event=ready mode=cpu pid=1")
    assert (line.event, line.mode, line.fields) == ("ready", "cpu", {"pid": "1"})


@pytest.mark.parametrize("text", [
    "",
    "hello from busybox",
    "probe: io: open: No such file or directory",  # the probe's stderr text
    "BENCHMARK event=ready mode=ready",           # the prefix needs its space
    "BENCH",
    "BENCH event=ready",                           # no mode
    "BENCH mode=ready pid=1",                      # no event
    "BENCH event= mode=ready",                     # empty event
])
def test_returns_none_for_lines_that_are_not_probe_lines(text):
    assert parse_line(text) is None


def test_ignores_tokens_without_an_equals_sign():
    line = parse_line("BENCH event=result mode=cpu stray elapsed_s=0.05")
    assert line.fields == {"elapsed_s": "0.05"}


def test_numbers_skips_pid_and_non_numeric_values():
    line = parse_line("BENCH event=ready mode=mem pid=4242 rss_bytes=67502080 rss_source=statm")
    assert line.numbers() == {"rss_bytes": 67502080.0}


def test_numbers_skips_the_hex_checksum_of_the_cpu_result():
    line = parse_line("BENCH event=result mode=cpu iterations=20000000 checksum=0x1f2e3d4c5b6a7980 "
                      "elapsed_s=0.0345 cpu_s=0.0344")
    assert line.numbers() == {"iterations": 20000000.0, "elapsed_s": 0.0345, "cpu_s": 0.0344}


def test_number_is_none_when_absent_or_not_numeric():
    line = parse_line("BENCH event=ready mode=idle rss_source=statm empty=")
    assert line.number("rss_bytes") is None
    assert line.number("rss_source") is None
    assert line.number("empty") is None


def test_number_treats_nan_as_not_a_number():
    line = parse_line("BENCH event=result mode=io seq_write_mib_s=-nan rand_read_iops=nan fsync_p50_us=900")
    assert line.number("seq_write_mib_s") is None
    assert line.numbers() == {"fsync_p50_us": 900.0}


def test_probe_argv_runs_the_probe_in_the_image():
    assert probe_argv("io", ("--size-mib", "32")) == ("/usr/bin/probe", "io", "--size-mib", "32")
    assert probe_argv("ready") == ("/usr/bin/probe", "ready")


def test_probe_argv_rejects_unknown_mode_and_lists_choices():
    with pytest.raises(ValueError, match="unknown probe mode 'gpu'; choose from " + ", ".join(MODES)):
        probe_argv("gpu")
