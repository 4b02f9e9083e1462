"""bench.metrics: units come from the name's suffix; the report converts to a display unit."""

from __future__ import annotations

import pytest

from bench.metrics import METRICS, format_number, format_ratio, metric


@pytest.mark.parametrize(("name", "unit", "display_unit"), [
    ("ready_s", "s", "ms"),
    ("host_pss_bytes", "bytes", "MiB"),
    ("io_seq_write_mib_s", "MiB/s", "MiB/s"),  # ends in _s too: the longer suffix must win
    ("io_rand_read_iops", "IOPS", "IOPS"),
    ("io_fsync_p99_us", "µs", "µs"),
])
def test_unit_comes_from_the_suffix(name, unit, display_unit):
    m = metric(name)
    assert (m.unit, m.display_unit) == (unit, display_unit)


@pytest.mark.parametrize(("name", "stored", "shown"), [
    ("ready_s", 0.0015, 1.5),                  # seconds → milliseconds
    ("host_pss_bytes", 3 * 2**20, 3.0),        # bytes → MiB (2^20, not 10^6)
    ("overhead_bytes", 512 * 1024, 0.5),
    ("io_seq_read_mib_s", 812.5, 812.5),       # already readable: unchanged
    ("io_rand_read_iops", 15000.0, 15000.0),
    ("io_fsync_p50_us", 61.25, 61.25),
])
def test_display_converts_to_the_display_unit(name, stored, shown):
    assert metric(name).display(stored) == pytest.approx(shown)


def test_every_registered_metric_has_a_known_unit_label_and_direction():
    for name, m in METRICS.items():
        assert m.name == name
        assert m.unit, f"{name}: no unit suffix"
        assert m.label
        assert m.better in ("lower", "higher")


def test_throughput_and_iops_are_better_higher_times_lower():
    assert metric("io_seq_write_mib_s").better == "higher"
    assert metric("io_rand_read_iops").better == "higher"
    assert metric("ready_s").better == "lower"
    assert metric("io_fsync_p99_us").better == "lower"


def test_unknown_name_gets_a_generic_metric_with_the_suffix_unit():
    m = metric("boot_kernel_s")
    assert m.label == "boot kernel s"
    assert m.better == "lower"
    assert (m.unit, m.display_unit, m.display(2.0)) == ("s", "ms", 2000.0)


def test_name_without_a_known_suffix_has_no_unit_and_no_conversion():
    m = metric("instances")
    assert (m.unit, m.display_unit) == ("", "")
    assert m.display(7.0) == 7.0


@pytest.mark.parametrize(("value", "text"), [
    # the examples bench.metrics.format_number promises: four significant digits, thousands separated
    (0.0123, "0.0123"),
    (1.757, "1.757"),
    (36.86, "36.86"),
    (1447.2, "1,447"),
    (18640.0, "18,640"),
    (0.0, "0"),
    (float("nan"), "–"),
])
def test_format_number_is_readable(value, text):
    assert format_number(value) == text


def test_metric_format_converts_and_appends_the_display_unit():
    assert metric("ready_s").format(0.0009295) == "0.9295 ms"
    assert metric("ready_s").format(0.0009295, unit=False) == "0.9295"
    assert metric("host_pss_bytes").format(851968.0) == "0.8125 MiB"
    assert metric("io_rand_read_iops").format(18640.4) == "18,640 IOPS"
    assert metric("instances").format(3.0) == "3"


# Spanish (RAE, ISO 80000): a decimal comma, and thousands grouped by a narrow no-break space, so that
# 2 841 ms is never read as 2,841 ms (two and a bit) the way the English "2,841 ms" would be in Spain.
NNBSP = "\u202f"


@pytest.mark.parametrize(("value", "text"), [
    (0.0123, "0,0123"),
    (1.757, "1,757"),                          # in Spanish this is one and three quarters
    (36.86, "36,86"),
    (1447.2, f"1{NNBSP}447"),
    (2841.3, f"2{NNBSP}841"),
    (1234567.0, f"1{NNBSP}234{NNBSP}567"),
    (-18640.0, f"-18{NNBSP}640"),
    (0.0000123, "1,23e-05"),
    (0.0, "0"),
    (float("nan"), "–"),
])
def test_format_number_in_spanish_has_a_decimal_comma_and_unmistakable_thousands(value, text):
    assert format_number(value, "es") == text


def test_ratios_in_each_language():
    assert format_ratio(1.5) == "1.50×"
    assert format_ratio(0.392, "es") == "0,39\u00a0×"  # a no-break space: the sign stays with its number


def test_metric_format_writes_the_figure_in_the_language_asked_for():
    assert metric("ready_s").format(2.8413, lang="es") == f"2{NNBSP}841 ms"
    assert metric("ready_s").format(0.0009295, lang="es") == "0,9295 ms"
    assert metric("io_rand_read_iops").format(18640.4, unit=False, lang="es") == f"18{NNBSP}640"
    assert metric("ready_s").format(2.8413) == "2,841 ms"  # English unchanged
