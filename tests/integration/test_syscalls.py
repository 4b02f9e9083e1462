"""The probe's syscalls mode (bench/workload/syscalls.c) for real: natively, and where it matters, under gVisor."""

from __future__ import annotations

import pytest

from runtimes import Image, InstanceSpec, get_runtime, parse_line, probe_argv
from tests.envcheck import require_runtime
from tests.integration.test_probe import events, run_probe

FIGURES = ("getppid_ns", "open_close_ns", "stat_ns", "page_fault_ns", "pipe_round_trip_ns", "fork_exit_wait_ns")
QUICK = ("--min-ms", "2", "--rounds", "3")


def test_syscalls_reports_every_operation_in_nanoseconds(image: Image) -> None:
    code, lines, _ = run_probe(image, "syscalls", *QUICK)
    assert code == 0 and events(lines) == ["ready", "result"]
    figures = {name: lines[1].number(name) for name in FIGURES}
    assert all(v is not None and v > 0 for v in figures.values()), figures
    # An empty call is the cheapest trip into the kernel; a whole new process the dearest.
    assert figures["getppid_ns"] < figures["open_close_ns"] < figures["fork_exit_wait_ns"], figures


@pytest.mark.parametrize("args", [("--rounds", "99"), ("--min-ms", "0"), ("--bogus", "1")])
def test_bad_options_exit_2_with_one_line(image: Image, args: tuple[str, ...]) -> None:
    code, lines, err = run_probe(image, "syscalls", *args)
    assert code == 2 and lines == [] and len(err.strip().splitlines()) == 1 and "probe: " in err


def test_a_system_call_under_gvisor_costs_many_times_a_native_one(image: Image) -> None:
    """The Sentry catches every call (ptrace platform): even one that does nothing pays the trip."""
    require_runtime("gvisor")
    native = run_probe(image, "syscalls", *QUICK)[1][1].number("getppid_ns")
    with get_runtime("gvisor")(image) as runtime:
        with runtime.start(InstanceSpec(image=image, argv=probe_argv("syscalls", QUICK))) as inst:
            assert inst.wait(120) == 0
            results = [p for line in inst.lines if (p := parse_line(line.text)) and p.event == "result"]
    sandboxed = results[0].number("getppid_ns")
    assert native and sandboxed and sandboxed > 5 * native, (native, sandboxed)
