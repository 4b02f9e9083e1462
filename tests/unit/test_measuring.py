"""The arithmetic behind the memory, density and host-noise figures, on recorded /proc text.

The /proc excerpts below were copied from this project's build host (a
2-CPU Debian 12 VM) while a libvirt guest of 256 MiB ran under TCG.
"""

from __future__ import annotations

import os
from pathlib import Path

from bench.density import Budget, mem_available_bytes
from bench.noise import NoiseWatch, percent, read_cpu_times
from bench.observers import memory_snapshot
from bench.store import Store
from runtimes.vm.instance import guest_ram_pss

PROC_STAT = "cpu  515506 2334 150674 1400570 16795 0 3042 932 3 0\ncpu0 257000 1100 75000 700000 8000 0 1500 466 0 0\n"

# QEMU's guest RAM (262144 kB, exactly -m 256), its TCG code cache (1 GiB), and a file mapping.
QEMU_SMAPS = """\
7f12a7e00000-7f12b7e00000 rw-p 00000000 00:00 0 
Size:             262144 kB
Rss:              124928 kB
Pss:              124928 kB
VmFlags: rd wr mr mw me ac sd 
7f12b8000000-7f12f7fff000 rwxp 00000000 00:00 0 
Size:            1048572 kB
Pss:               53248 kB
VmFlags: rd wr ex mr mw me ac sd 
7f1300000000-7f1310000000 rw-p 00000000 fe:00 1234                       /var/cache/isobench/big.bin
Size:             262144 kB
Pss:                4096 kB
VmFlags: rd wr mr mw me ac sd 
"""

MEMINFO = "MemTotal:       24684084 kB\nMemFree:        20000000 kB\nMemAvailable:   24242780 kB\n"


def test_cpu_times_split_busy_steal_and_total(tmp_path: Path) -> None:
    stat = tmp_path / "stat"
    stat.write_text(PROC_STAT)
    times = read_cpu_times(stat)
    assert times.total == 515506 + 2334 + 150674 + 1400570 + 16795 + 0 + 3042 + 932  # guest is inside user
    assert times.steal == 932
    assert times.busy == times.total - 1400570 - 16795 - 932


def test_percent_of_nothing_is_zero() -> None:
    assert percent(5, 0) == "0.0" and percent(1, 8) == "12.5"


def test_noise_watch_records_start_and_end_figures_of_this_host() -> None:
    watch = NoiseWatch()
    start = watch.start(sample_s=0.05)
    end = watch.finish()
    assert set(start) == {"load_avg_1m", "other_load_percent"}
    assert set(end) == {"load_avg_1m_end", "cpu_steal_percent"}
    assert 0 <= float(start["other_load_percent"]) <= 100 and 0 <= float(end["cpu_steal_percent"]) <= 100


def test_guest_ram_is_the_mapping_of_the_guest_size_only(tmp_path: Path) -> None:
    smaps = tmp_path / "smaps"
    smaps.write_text(QEMU_SMAPS)
    assert guest_ram_pss(smaps, 256 * 1024) == 124928 * 1024  # not the code cache, not the file of the same size
    assert guest_ram_pss(smaps, 512 * 1024) is None
    assert guest_ram_pss(tmp_path / "gone", 256 * 1024) is None


def test_memory_parts_add_up_and_the_guest_part_is_what_the_guest_holds_beyond_the_workload() -> None:
    pid = os.getpid()
    total = memory_snapshot([pid], None, None, reported_rss=1e6, guest_pss=5e6)  # this process: tens of MiB
    assert total["workload_rss_bytes"] == 1e6
    assert total["overhead_guest_bytes"] == 4e6
    parts = total["workload_rss_bytes"] + total["overhead_guest_bytes"] + total["overhead_runtime_bytes"]
    assert parts == total["host_pss_bytes"]
    no_guest = memory_snapshot([pid], None, pid, None)
    assert no_guest["overhead_guest_bytes"] == 0 and no_guest["overhead_runtime_bytes"] == 0
    assert "overhead_page_cache_bytes" not in no_guest  # no cgroup, no page cache figure


def test_budget_refuses_a_step_that_would_leave_less_than_the_margin() -> None:
    budget = Budget(margin_bytes=2 * 2**30)
    assert budget.refusal(1, 3 * 2**30) is None  # nothing known yet: only the margin itself counts
    budget = budget.after(2, {"density_mem_used_bytes": 600 * 2**20, "density_pss_bytes": 500 * 2**20})
    assert budget.per_instance_bytes == 300 * 2**20
    assert budget.refusal(3, 3 * 2**30) is None
    refusal = budget.refusal(4, 3 * 2**30)
    assert refusal is not None and refusal.code == "density.refused"
    reason = str(refusal)  # its English
    assert reason.startswith("not started: 4 instances would need about 1.17 GiB")
    assert "margin_mib" in reason


def test_mem_available_is_read_in_bytes(tmp_path: Path) -> None:
    meminfo = tmp_path / "meminfo"
    meminfo.write_text(MEMINFO)
    assert mem_available_bytes(meminfo) == 24242780 * 1024


def test_finishing_a_session_adds_metadata_known_only_at_the_end(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        sid = store.begin_session("bench run", False, {"hostname": "h", "load_avg_1m": "0.10"})
        store.finish_session(sid, "finished", {"cpu_steal_percent": "0.3"})
        meta = store.resolve_session(sid).metadata
    assert meta == {"hostname": "h", "load_avg_1m": "0.10", "cpu_steal_percent": "0.3"}
