"""bench.metadata: the host description stored with every session."""

from __future__ import annotations

import sys

from bench.metadata import CHECKED, METADATA, cgroup_version, collect_metadata, differences, format_value, label, tool_version


def test_cgroup_version_unified_v2(tmp_path):
    (tmp_path / "cgroup.controllers").write_text("cpu memory io\n")
    assert cgroup_version(tmp_path) == "v2"


def test_cgroup_version_v1(tmp_path):
    (tmp_path / "memory").mkdir()
    assert cgroup_version(tmp_path) == "v1"


def test_cgroup_version_hybrid(tmp_path):
    (tmp_path / "memory").mkdir()
    (tmp_path / "unified").mkdir()
    (tmp_path / "unified" / "cgroup.controllers").write_text("")
    assert cgroup_version(tmp_path) == "v1+v2"


def test_cgroup_version_none(tmp_path):
    assert cgroup_version(tmp_path) == "none"


def test_collect_metadata_gives_strings_for_every_checked_key():
    meta = collect_metadata()
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in meta.items())
    for key in CHECKED:
        assert meta[key], key
    assert meta["cgroup_version"] in ("v1", "v2", "v1+v2", "none")
    assert int(meta["mem_total_bytes"]) > 0
    assert set(meta) - set(METADATA) <= {"tool.gcc", "tool.busybox"}


def test_labels_and_formats_come_from_the_registry():
    assert label("cpu_count") == "logical CPUs"
    assert label("tool.gcc") == "gcc"
    assert label("something_new") == "something_new"
    assert format_value("mem_total_bytes", str(3 * 2**30 + 2**29)) == "3.5 GiB"
    assert format_value("image_digest", "000c66b314a3df89c509136205a1dbc1") == "000c66b314a3"
    assert format_value("something_new", "as is") == "as is"


def test_differences_lists_only_checked_keys_that_differ():
    a = {"hostname": "lab-1", "kernel": "6.1", "cpu_model": "Xeon", "cgroup_version": "v2", "python": "3.11"}
    b = {**a, "kernel": "6.5", "python": "3.12"}
    assert differences(a, b) == ["kernel: 6.1 vs 6.5"]
    assert differences(a, dict(a)) == []
    assert differences(a, {}) == [f"{label(k)}: {a[k]} vs ?" for k in CHECKED]


def test_tool_version_reports_the_first_line_or_why_not():
    assert tool_version([sys.executable, "--version"]).startswith("Python 3.")
    assert tool_version(["/nonexistent/tool", "--version"]) == "not available (FileNotFoundError)"


def test_init_system_is_systemd_only_where_systemd_booted(tmp_path):
    from bench.metadata import init_system

    comm = tmp_path / "comm"
    comm.write_text("tini\n")
    assert init_system(tmp_path / "absent", comm) == "tini"
    (tmp_path / "systemd").mkdir()
    assert init_system(tmp_path / "systemd", comm) == "systemd"
    assert init_system(tmp_path / "absent", tmp_path / "no-comm") == "unknown"
