"""Hostile command lines for bench, box and vz: bad names, IDs, sizes and paths, path traversal included.

Each is refused with one line on stderr and the tool's exit code for bad
input — 2 for bench and vz; for box, Docker's: 125 when box refuses
(bad option values, as `docker run` does), 1 for an object that does not
exist where Docker gives 1 (`docker rm`, `docker pull`) — and never a
traceback. The tools are called in-process (their ``main``), which is
what their console scripts call; a few hypothesis-generated names and IDs
come on top of the fixed cases.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.cli import main as bench_main
from runtimes import Image
from runtimes.box.cli import main as box_main
from runtimes.box.runtime import SUITE_IMAGE, BoxRuntime
from runtimes.openvz.cli import main as vz_main
from tests.envcheck import require_root

NO_DIR = "/nonexistent-isobench-dir"


def call(main: Callable[[list[str]], None], argv: list[str]) -> tuple[int, str]:
    """Run a tool's entry point; its exit code and what it wrote to stderr."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            main(argv)
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
    return code, err.getvalue()


def assert_one_line(code: int, err: str, expected: int | tuple[int, ...], argv: list[str]) -> None:
    expected = expected if isinstance(expected, tuple) else (expected,)
    lines = err.strip().splitlines()
    assert "Traceback" not in err, f"{argv}: {err}"
    assert code in expected and len(lines) == 1, f"{argv}: exit {code}, stderr: {err!r}"


@pytest.fixture(scope="module")
def box_image(image: Image) -> str:
    """The suite's image in this session's BOX_ROOT, so no case below needs a registry."""
    require_root()
    with BoxRuntime(image):
        pass
    return SUITE_IMAGE


BENCH_CASES = [
    ["run", "../../etc/passwd"], ["run", "no-such-scenario"], ["run", "startup", "-r", "no-such-runtime"],
    ["run", "startup", "-n", "0"], ["run", "startup", "-n", "many"], ["run", "startup", "-n", "99999999999"],
    ["run", f"{NO_DIR}/x.toml"], ["run", "startup", "--scenarios", NO_DIR], ["list", "--scenarios", "/etc"],
    ["run", "startup", "--store", "/proc/no.sqlite"], ["run", "startup", "--store", "/etc"],
    ["run", "startup", "--reports", "/proc/1"], ["report", "--store", "/etc/passwd"], ["sessions", "--store", "/dev/null"],
    ["report", "--from", "/etc/passwd"], ["report", "--from", NO_DIR], ["export", "--format", "xml"],
    ["export", "--session", "../../x", "--store", "/etc/hostname"], ["no-such-command"], ["run", "--no-such-option"],
]


@pytest.mark.parametrize("argv", BENCH_CASES, ids=" ".join)
def test_bench_refuses_bad_input_with_one_line_and_exit_2(argv: list[str], tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # the default reports/ directory lands here, not in the repository
    code, err = call(bench_main, argv)
    assert_one_line(code, err, 2, argv)


def box_cases(image: str) -> list[tuple[list[str], int | tuple[int, ...]]]:
    return [
        (["run", "--name", "../escape", image], 125), (["run", "--name", "a/b", image], 125),
        (["run", "--hostname", "../../etc", image], 125), (["run", "--hostname", "x" * 300, image], 125),
        (["run", "-m", "lots", image], 125), (["run", "-m", "-5m", image], 125), (["run", "-m", "1k", image], 125),
        (["run", "-m", "99999999999999999999g", image], 125), (["run", "--cpus", "0", image], 125),
        (["run", "--cpus", "nan", image], 125), (["run", "--pids-limit", "0", image], 125),
        (["run", "-e", "=x", image], 125), (["run", "-e", "NOEQUALS", image], 125),
        (["run", "-v", "../etc:/x", image], 125), (["run", "-v", "/etc:../x", image], 125),
        (["run", "-v", "/etc:/a/../../x", image], 125), (["run", "-v", "::", image], 125),
        (["run", "-v", f"{NO_DIR}:/x", image], 125), (["run", "-v", "/etc:/x:rx", image], 125),
        (["run", "../../etc", "sh"], (1, 125)), (["stop", "-t", "-1", "x"], 125),
        (["rm", "../../../tmp"], 1), (["rm", ".."], 1), (["rm", "a/b"], 1),
        (["logs", "../x"], (1, 125)), (["inspect", "../../etc"], (1, 125)), (["exec", "../x", "sh"], (1, 125)),
        (["rmi", "../../etc/passwd"], (1, 125)), (["pull", "../../x"], 1), (["import", NO_DIR, "x"], 125),
        (["import", "/etc", "../../evil"], 125), (["ps", "-f", "status=bogus"], 1), (["no-such-command"], 125),
    ]


def test_box_refuses_bad_input_with_one_line_and_dockers_exit_codes(box_image: str) -> None:
    for argv, expected in box_cases(box_image):
        code, err = call(box_main, argv)
        assert_one_line(code, err, expected, argv)


VZ_CASES = [
    ["create", "abc"], ["create", "-5"], ["create", "99999999999999999999"], ["create", "101", "--ostemplate", "../../etc"],
    ["create", "101", "--ostemplate", "/etc"], ["create", "101", "--diskspace", "lots"], ["create", "101", "--diskspace", "-1G"],
    ["create", "101", "--hostname", "a/b"], ["create", "101", "--hostname", "../.."], ["create", "101", "--ipadd", "1.2.3.999"],
    ["create", "101", "--ipadd", "::::"], ["set", "101", "--ram", "lots"], ["set", "101", "--ram", "-1"],
    ["set", "101", "--cpus", "-1"], ["set", "101", "--numproc", "0"], ["start", "0"], ["exec", "../x", "sh"],
    ["destroy", "1e3"], ["enter", "x"], ["no-such-command"],
]


@pytest.mark.parametrize("argv", VZ_CASES, ids=" ".join)
def test_vz_refuses_bad_input_with_one_line_and_exit_2(argv: list[str]) -> None:
    require_root()
    code, err = call(vz_main, argv)
    assert_one_line(code, err, 2, argv)


_VALID_NAME = st.from_regex(r"\A[a-zA-Z0-9][a-zA-Z0-9_.-]{0,20}\Z")


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.one_of(st.text(min_size=1, max_size=40), st.sampled_from(["..", "../x", "a/../b", ".", "-x", "x" * 200])))
def test_box_names_are_checked_before_anything_is_made(box_image: str, name: str) -> None:
    """Any --name: refused with one line; a valid one gets as far as the missing volume, and nothing is left."""
    argv = ["run", "--name", name, "-v", f"{NO_DIR}:/x", box_image, "/bin/true"]
    code, err = call(box_main, argv)
    assert_one_line(code, err, 125, argv)


@settings(max_examples=60, deadline=None, database=None)
@given(ctid=st.one_of(st.text(min_size=1, max_size=30).filter(lambda t: not t.startswith("-")),
                      st.integers(min_value=-2**70, max_value=2**70).map(str)))
def test_vz_ids_are_numbers_in_range_or_refused(ctid: str) -> None:
    require_root()
    code, err = call(vz_main, ["set", ctid, "--ram", "lots"])
    assert_one_line(code, err, 2, ["set", ctid])
