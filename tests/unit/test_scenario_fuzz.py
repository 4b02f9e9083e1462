"""Hostile scenario files, generated (hypothesis): every one is refused with one clear line, never a traceback.

Two kinds of input: a valid scenario with one part broken (a key removed,
a value of the wrong type or out of range, an unknown key or table, a
string with control characters…), and arbitrary text. Either the file
parses into a Scenario, or the parser raises ScenarioError whose message is
one line naming the file; `bench run FILE` then exits 2 with that line.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.cli import main
from bench.errors import ScenarioError
from bench.scenario import Scenario, parse_scenario

PATH = Path("/scenarios/fuzzed.toml")
VALID: dict[str, Any] = {
    "name": "fuzzed", "description": "a scenario to break", "note": "n", "order": 5,
    "workload": {"mode": "ready", "args": [], "quick_args": []},
    "run": {"runtimes": ["native"], "warmup": 1, "repetitions": 3, "timeout_s": 10, "quick_repetitions": 2},
    "report": {"metrics": ["ready_s"], "chart": "startup"},
    "limits": {"memory_mib": 64, "cpus": 0.5, "pids": 32},
}
TRIED = {"structured": 0, "text": 0, "cli": 0}


def toml_value(value: Any) -> str:
    """A TOML literal for the scalar, list or (inline) table types the generator makes."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


def to_toml(data: dict[str, Any]) -> str:
    top = [f"{json.dumps(k)} = {toml_value(v)}" for k, v in data.items() if not isinstance(v, dict)]
    tables = [f"[{json.dumps(k)}]\n" + "\n".join(f"{json.dumps(kk)} = {toml_value(vv)}" for kk, vv in v.items())
              for k, v in data.items() if isinstance(v, dict)]
    return "\n".join(top + tables) + "\n"


scalars = st.one_of(st.none().map(lambda _: "x"), st.booleans(), st.integers(min_value=-2**63, max_value=2**63 - 1),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30),
                    st.sampled_from(["", "ready", "iso", "native", "ready_s", "nosuch", "../../etc", "a\x00b", "é" * 50]))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                      max_leaves=8)


@st.composite
def broken_scenarios(draw) -> dict[str, Any]:
    """The valid scenario with one to three parts broken."""
    data = json.loads(json.dumps(VALID))
    for _ in range(draw(st.integers(1, 3))):
        table = draw(st.sampled_from(["", "workload", "run", "report", "limits", "nosuch"]))
        target = data if table == "" else data.setdefault(table, {}) if isinstance(data.get(table, {}), dict) else data
        keys = sorted(target) or ["name"]
        key = draw(st.one_of(st.sampled_from(keys), st.text(min_size=1, max_size=10)))
        action = draw(st.sampled_from(["delete", "replace", "replace"]))
        if action == "delete":
            target.pop(key, None)
        else:
            target[key] = draw(values)
    return data


def assert_refused_or_parsed(text: str) -> None:
    try:
        scenario = parse_scenario(text, PATH)
    except ScenarioError as err:
        message = str(err)
        assert message.startswith(str(PATH)), message
        assert "\n" not in message, f"more than one line: {message!r}"
        return
    assert isinstance(scenario, Scenario)


@settings(max_examples=400, deadline=None, database=None)
@given(broken_scenarios())
def test_a_broken_scenario_is_one_line_naming_the_file(data: dict[str, Any]) -> None:
    TRIED["structured"] += 1
    assert_refused_or_parsed(to_toml(data))


@settings(max_examples=300, deadline=None, database=None)
@given(st.one_of(st.text(max_size=200),
                 st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
                 st.lists(st.sampled_from(["name = ", '"x"', "[run]", "[[run]]", "repetitions = 1e9", "=", "\\",
                                           '"""', "[report]\nmetrics = [", "\n", "mode = 'ready'", "[workload]"]),
                          max_size=12).map("".join)))
def test_arbitrary_text_is_never_a_traceback(text: str) -> None:
    TRIED["text"] += 1
    assert_refused_or_parsed(text)


@settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(broken_scenarios())
def test_bench_run_of_a_broken_file_exits_2_with_one_line(tmp_path_factory, data: dict[str, Any]) -> None:
    """The same files through the command line: exit 2, one line on stderr, before anything runs."""
    directory = tmp_path_factory.mktemp("fuzz")
    path = directory / "fuzzed.toml"
    path.write_text(to_toml(data), encoding="utf-8", errors="surrogatepass")
    try:
        parse_scenario(path.read_text(encoding="utf-8", errors="replace"), path)
    except ScenarioError:
        pass
    except UnicodeError:
        return
    else:
        return  # a valid scenario would really run: that is not this test's business
    TRIED["cli"] += 1
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            main(["run", str(path), "--no-report", "--store", str(directory / "s.sqlite")])
            code = 0
        except SystemExit as exit_:
            code = exit_.code
    lines = err.getvalue().strip().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith(f"error: {path}"), err.getvalue()


def test_report_how_many_malformed_files_were_tried() -> None:
    """Not a check: prints the count for the closing note (run with -s)."""
    print(f"\nmalformed scenario inputs tried: {TRIED}")
