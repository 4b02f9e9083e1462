"""bench.scenario: valid files load; every kind of mistake is one ScenarioError line naming file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.errors import ScenarioError, UsageError
from bench.scenario import DEFAULT_DIR, QUICK_REPETITIONS, load_all, load_scenario, parse_scenario, select

REAL_SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"

VALID = """\
name = "demo"
description = "A scenario for the tests"
note = "Shown under the chart."
order = 5

[workload]
mode = "cpu"
args = ["--iterations", "1000"]
quick_args = ["--iterations", "10"]

[run]
runtimes = ["native", "chroot"]
warmup = 2
repetitions = 20
quick_repetitions = 4
timeout_s = 30

[report]
metrics = ["cpu_elapsed_s", "cpu_cpu_s"]
"""

MINIMAL = """\
name = "tiny"
description = "Only what is required"
[workload]
mode = "ready"
[report]
metrics = ["ready_s"]
"""


def _edit(old: str, new: str, text: str = VALID) -> str:
    """``text`` with one exact fragment replaced; fails loudly if the fragment is not there."""
    assert text.count(old) == 1, f"fixture fragment {old!r} not found exactly once"
    return text.replace(old, new)


def _error(text: str, path: Path) -> str:
    """Parse ``text`` expecting a ScenarioError; check its shape and return what follows the path."""
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, path)
    message = str(info.value)
    assert "\n" not in message, message
    assert message.startswith(f"{path}: "), message
    return message[len(f"{path}: "):]


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "broken.toml"


# -- valid files ---------------------------------------------------------------

def test_parses_every_field_of_a_valid_file(tmp_path):
    where = tmp_path / "demo.toml"
    s = parse_scenario(VALID, where)
    assert s.name == "demo"
    assert s.description == "A scenario for the tests"
    assert s.note == "Shown under the chart."
    assert s.order == 5
    assert s.mode == "cpu"
    assert s.args == ("--iterations", "1000")
    assert s.quick_args == ("--iterations", "10")
    assert s.runtimes == ("native", "chroot")
    assert (s.warmup, s.repetitions, s.quick_repetitions) == (2, 20, 4)
    assert s.timeout_s == 30.0 and isinstance(s.timeout_s, float)
    assert s.metrics == ("cpu_elapsed_s", "cpu_cpu_s")
    assert s.path == where


def test_optional_keys_take_their_defaults(path):
    s = parse_scenario(MINIMAL, path)
    assert s.note == ""
    assert s.order == 100
    assert s.args == () and s.quick_args is None
    assert s.runtimes == ()  # every available runtime
    assert (s.warmup, s.repetitions, s.timeout_s) == (1, 10, 60.0)
    assert s.quick_repetitions == QUICK_REPETITIONS


def test_loads_every_scenario_file_shipped_in_the_repository():
    assert DEFAULT_DIR == REAL_SCENARIOS
    files = sorted(REAL_SCENARIOS.glob("*.toml"))
    assert files, "no scenario files found"
    for f in files:
        s = load_scenario(f)
        assert s.name == f.stem
        assert s.metrics
    loaded = load_all(REAL_SCENARIOS)
    assert sorted(s.name for s in loaded) == sorted(f.stem for f in files)
    assert [s.order for s in loaded] == sorted(s.order for s in loaded)


# -- quick() -------------------------------------------------------------------

def test_quick_uses_fewer_runs_and_the_quick_arguments(path):
    s = parse_scenario(VALID, path)
    q = s.quick()
    assert (q.warmup, q.repetitions) == (1, 4)
    assert q.args == ("--iterations", "10")
    assert (q.name, q.metrics, q.timeout_s) == (s.name, s.metrics, s.timeout_s)
    assert (s.warmup, s.repetitions, s.args) == (2, 20, ("--iterations", "1000"))  # the original is unchanged


def test_quick_never_adds_runs_and_keeps_args_without_quick_args(path):
    text = _edit('quick_args = ["--iterations", "10"]\n', "")
    text = _edit("warmup = 2", "warmup = 0", text)
    text = _edit("repetitions = 20", "repetitions = 3", text)
    q = parse_scenario(text, path).quick()
    assert (q.warmup, q.repetitions) == (0, 3)
    assert q.args == ("--iterations", "1000")


def test_quick_defaults_to_the_standard_quick_repetitions(path):
    text = _edit("repetitions = 20", "repetitions = 50", _edit("quick_repetitions = 4\n", ""))
    assert parse_scenario(text, path).quick().repetitions == QUICK_REPETITIONS


# -- one test per kind of mistake ----------------------------------------------

def test_rejects_invalid_toml_and_gives_the_line(path):
    text = _edit("repetitions = 20", "repetitions = ")
    line = text.splitlines().index("repetitions = ") + 1
    message = _error(text, path)
    assert "not valid TOML" in message
    assert f"line {line}" in message


def test_rejects_unknown_top_level_key_and_lists_allowed(path):
    message = _error("colour = 'blue'\n" + VALID, path)
    assert message.startswith("colour: unknown key")
    allowed = message.split("allowed: ", 1)[1].split(", ")
    assert allowed == sorted(allowed)
    assert {"density", "description", "limits", "name", "note", "order", "report", "run", "workload"} <= set(allowed)


def test_rejects_unknown_key_in_run_and_lists_allowed(path):
    message = _error(_edit("warmup = 2", "warmup = 2\nrepeats = 3"), path)
    assert message.startswith("[run] repeats: unknown key")
    allowed = message.split("allowed: ", 1)[1].split(", ")
    assert allowed == sorted(allowed)
    assert {"quick_repetitions", "repetitions", "runtimes", "setup_repetitions", "timeout_s", "warmup"} <= set(allowed)


def test_rejects_unknown_key_in_workload(path):
    message = _error(_edit('mode = "cpu"', 'mode = "cpu"\nimage = "debian"'), path)
    assert message.startswith("[workload] image: unknown key")
    assert "mode" in message


@pytest.mark.parametrize(("old", "new", "key", "kind", "got"), [
    ("repetitions = 20", 'repetitions = "20"', "[run] repetitions", "integer", "'20'"),
    ("repetitions = 20", "repetitions = 20.0", "[run] repetitions", "integer", "20.0"),
    ("warmup = 2", "warmup = true", "[run] warmup", "integer", "True"),
    ("order = 5", "order = false", "order", "integer", "False"),
    ("timeout_s = 30", 'timeout_s = "30"', "[run] timeout_s", "number", "'30'"),
    ("timeout_s = 30", "timeout_s = true", "[run] timeout_s", "number", "True"),
    ('name = "demo"', "name = 7", "name", "string", "7"),
    ('description = "A scenario for the tests"', "description = ['a']", "description", "string", "['a']"),
    ('mode = "cpu"', "mode = 1", "[workload] mode", "string", "1"),
    ('runtimes = ["native", "chroot"]', 'runtimes = "native"', "[run] runtimes", "list", "'native'"),
])
def test_rejects_value_of_the_wrong_type(path, old, new, key, kind, got):
    message = _error(_edit(old, new), path)
    assert message.startswith(f"{key}: expected ")
    assert kind in message
    assert message.endswith(f", got {got}")


def test_wrong_type_message_reads_as_english(path):
    message = _error(_edit("repetitions = 20", 'repetitions = "20"'), path)
    assert "expected an integer" in message


@pytest.mark.parametrize(("old", "new", "key", "bounds"), [
    ("repetitions = 20", "repetitions = 0", "[run] repetitions", "from 1 to 10000"),
    ("repetitions = 20", "repetitions = 10001", "[run] repetitions", "from 1 to 10000"),
    ("quick_repetitions = 4", "quick_repetitions = 0", "[run] quick_repetitions", "from 1 to 10000"),
    ("warmup = 2", "warmup = -1", "[run] warmup", "from 0 to 1000"),
    ("warmup = 2", "warmup = 1001", "[run] warmup", "from 0 to 1000"),
    ("timeout_s = 30", "timeout_s = 0.05", "[run] timeout_s", "from 0.1 to 3600"),
    ("timeout_s = 30", "timeout_s = 3601", "[run] timeout_s", "from 0.1 to 3600"),
    ("timeout_s = 30", "timeout_s = nan", "[run] timeout_s", "from 0.1 to 3600"),
    ("timeout_s = 30", "timeout_s = inf", "[run] timeout_s", "from 0.1 to 3600"),
])
def test_rejects_out_of_range_values_and_gives_the_range(path, old, new, key, bounds):
    message = _error(_edit(old, new), path)
    assert message.startswith(f"{key}: expected ")
    assert bounds in message
    assert f"got {new.split(' = ')[1]}" in message


def test_out_of_range_top_level_key_is_named_without_brackets(path):
    message = _error(_edit("order = 5", "order = -1"), path)
    assert message.startswith("order: expected ")
    assert "from 0 to 10000" in message


def test_accepts_the_range_limits(path):
    text = _edit("repetitions = 20", "repetitions = 1")
    text = _edit("warmup = 2", "warmup = 0", text)
    text = _edit("timeout_s = 30", "timeout_s = 3600", text)
    s = parse_scenario(text, path)
    assert (s.repetitions, s.warmup, s.timeout_s) == (1, 0, 3600.0)


def test_rejects_unknown_probe_mode_and_lists_choices(path):
    message = _error(_edit('mode = "cpu"', 'mode = "gpu"'), path)
    assert message.startswith("[workload] mode: expected one of ")
    assert "ready, cpu, mem, io, idle" in message
    assert message.endswith("got 'gpu'")


def test_rejects_unknown_runtime_and_lists_choices(path):
    message = _error(_edit('runtimes = ["native", "chroot"]', 'runtimes = ["native", "vmware"]'), path)
    assert message.startswith("[run] runtimes: expected one of ")
    assert "native" in message and "chroot" in message
    assert message.endswith("got 'vmware'")


def test_rejects_unknown_metric_and_lists_choices(path):
    message = _error(_edit('metrics = ["cpu_elapsed_s", "cpu_cpu_s"]', 'metrics = ["cpu_elapsed_s", "cpu_speed"]'), path)
    assert message.startswith("[report] metrics: expected one of ")
    assert "cpu_elapsed_s" in message and "ready_s" in message
    assert message.endswith("got 'cpu_speed'")


@pytest.mark.parametrize(("old", "key"), [
    ('name = "demo"\n', "name"),
    ('description = "A scenario for the tests"\n', "description"),
    ('mode = "cpu"\n', "[workload] mode"),
    ('metrics = ["cpu_elapsed_s", "cpu_cpu_s"]\n', "[report] metrics"),
])
def test_rejects_missing_required_key(path, old, key):
    message = _error(_edit(old, ""), path)
    assert message.startswith(f"{key}: expected ")


def test_missing_required_key_says_it_is_required(path):
    assert "required" in _error(_edit('name = "demo"\n', ""), path)


def test_rejects_missing_workload_table(path):
    text = _edit('[workload]\nmode = "cpu"\nargs = ["--iterations", "1000"]\nquick_args = ["--iterations", "10"]\n', "")
    assert _error(text, path).startswith("[workload] mode: expected ")


def test_rejects_empty_metrics_list(path):
    message = _error(_edit('metrics = ["cpu_elapsed_s", "cpu_cpu_s"]', "metrics = []"), path)
    assert message.startswith("[report] metrics: expected a non-empty list")


@pytest.mark.parametrize("bad", ["Start Up", "startup!", "1st", "_hidden", "x" * 41, ""])
def test_rejects_bad_name_characters(path, bad):
    message = _error(_edit('name = "demo"', f'name = "{bad}"'), path)
    assert message.startswith("name: expected lower-case letters")
    assert message.endswith(f"got {bad!r}")


def test_accepts_names_with_digits_dash_and_underscore(path):
    assert parse_scenario(_edit('name = "demo"', 'name = "io-4k_rand2"'), path).name == "io-4k_rand2"


@pytest.mark.parametrize(("old", "new", "key"), [
    ('args = ["--iterations", "1000"]', 'args = ["--iterations", 1000]', "[workload] args"),
    ('quick_args = ["--iterations", "10"]', "quick_args = [true]", "[workload] quick_args"),
    ('metrics = ["cpu_elapsed_s", "cpu_cpu_s"]', 'metrics = ["cpu_elapsed_s", 2]', "[report] metrics"),
])
def test_rejects_list_items_that_are_not_strings(path, old, new, key):
    message = _error(_edit(old, new), path)
    assert message.startswith(f"{key}: expected a list of strings")


def test_rejects_args_given_as_one_string(path):
    message = _error(_edit('args = ["--iterations", "1000"]', 'args = "--iterations 1000"'), path)
    assert message.startswith("[workload] args: expected a list")
    assert message.endswith("got '--iterations 1000'")


@pytest.mark.parametrize("table", ["workload", "run", "report"])
def test_rejects_a_table_given_as_a_scalar(path, table):
    # VALID's blocks are separated by blank lines; drop the [table] block, set the key to a string.
    body = "\n\n".join(b for b in VALID.split("\n\n") if not b.startswith(f"[{table}]"))
    assert f"[{table}]" not in body
    message = _error(f'{table} = "oops"\n' + body, path)
    assert message.startswith(f"{table}: expected a table [{table}]")
    assert message.endswith("got 'oops'")


def test_load_scenario_names_an_unreadable_file(tmp_path):
    missing = tmp_path / "nope.toml"
    with pytest.raises(ScenarioError, match=r"nope\.toml: cannot read scenario file"):
        load_scenario(missing)
    latin1 = tmp_path / "latin1.toml"
    latin1.write_bytes('description = "caf\xe9"\n'.encode("latin-1"))
    with pytest.raises(ScenarioError, match=r"latin1\.toml: cannot read scenario file"):
        load_scenario(latin1)


# -- load_all and select -------------------------------------------------------

def _write(directory: Path, filename: str, name: str, order: int = 100) -> Path:
    path = directory / filename
    path.write_text(_edit('name = "tiny"', f'name = "{name}"\norder = {order}', MINIMAL), encoding="utf-8")
    return path


def test_load_all_sorts_by_order_then_name(tmp_path):
    _write(tmp_path, "a.toml", "zeta", order=1)
    _write(tmp_path, "b.toml", "beta", order=2)
    _write(tmp_path, "c.toml", "alpha", order=2)
    assert [s.name for s in load_all(tmp_path)] == ["zeta", "alpha", "beta"]


def test_load_all_rejects_duplicate_names_and_names_both_files(tmp_path):
    first = _write(tmp_path, "a.toml", "same")
    second = _write(tmp_path, "b.toml", "same")
    with pytest.raises(ScenarioError) as info:
        load_all(tmp_path)
    message = str(info.value)
    assert message.startswith(f"{second}: name: 'same' is already used by {first}")
    assert "\n" not in message


def test_select_unknown_name_is_a_usage_error_listing_choices(tmp_path):
    _write(tmp_path, "a.toml", "startup", order=1)
    _write(tmp_path, "b.toml", "memory", order=2)
    with pytest.raises(UsageError) as info:
        select(["startpu"], tmp_path)
    assert not isinstance(info.value, ScenarioError)
    assert "unknown scenario 'startpu'" in str(info.value)
    assert "choose from: all, startup, memory" in str(info.value)
    assert info.value.exit_code == 2


def test_select_all_returns_every_scenario_in_order(tmp_path):
    _write(tmp_path, "a.toml", "memory", order=2)
    _write(tmp_path, "b.toml", "startup", order=1)
    assert [s.name for s in select(["all"], tmp_path)] == ["startup", "memory"]
    assert [s.name for s in select([], tmp_path)] == ["startup", "memory"]


def test_select_runs_a_scenario_named_twice_once(tmp_path):
    _write(tmp_path, "a.toml", "startup", order=1)
    _write(tmp_path, "b.toml", "memory", order=2)
    assert [s.name for s in select(["memory", "all", "memory"], tmp_path)] == ["memory", "startup"]


def test_select_accepts_a_path_to_a_toml_file(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    path = _write(elsewhere, "mine.toml", "mine")
    chosen = select([str(path)], tmp_path)
    assert [(s.name, s.path) for s in chosen] == [("mine", path)]


def test_select_all_on_the_real_scenarios():
    names = [s.name for s in select(["all"])]
    assert set(names) == {p.stem for p in REAL_SCENARIOS.glob("*.toml")}
    assert names[0] == "startup"


def test_limits_table_becomes_instance_limits(tmp_path):
    text = ('name = "x"\ndescription = "d"\n[workload]\nmode = "idle"\n[report]\nmetrics = ["host_pss_bytes"]\n'
            '[limits]\nmemory_mib = 256\ncpus = 1.5\npids = 64\n')
    limits = parse_scenario(text, tmp_path / "x.toml").limits
    assert (limits.memory_bytes, limits.cpus, limits.pids) == (256 * 2**20, 1.5, 64)


def test_limits_out_of_range_names_the_key(tmp_path):
    text = ('name = "x"\ndescription = "d"\n[workload]\nmode = "idle"\n[report]\nmetrics = ["host_pss_bytes"]\n'
            '[limits]\nmemory_mib = 1\n')
    with pytest.raises(ScenarioError, match=r"\[limits\] memory_mib: expected an integer from 4 to"):
        parse_scenario(text, tmp_path / "x.toml")


# -- density and setup repetitions ----------------------------------------------

DENSITY = MINIMAL.replace('mode = "ready"', 'mode = "idle"') + """\
[density]
max_instances = 16
quick_max_instances = 4
margin_mib = 512
runtime_caps = { libvirt = 3 }
quick_runtime_caps = { libvirt = 1, qemu = 5 }
"""


def test_density_table_gives_doubling_steps_capped_per_runtime(tmp_path):
    s = parse_scenario(DENSITY, tmp_path / "d.toml")
    assert s.density is not None and s.density.margin_bytes == 512 * 2**20
    assert s.density.counts("box") == (1, 2, 4, 8, 16)
    assert s.density.counts("libvirt") == (1, 2, 3)
    assert s.quick().density.counts("box") == (1, 2, 4)
    assert s.quick().density.counts("libvirt") == (1,)
    assert s.quick().density.counts("qemu") == (1, 2, 4), "a quick cap above quick_max_instances changes nothing"
    assert parse_scenario(MINIMAL, tmp_path / "m.toml").density is None


def test_density_max_is_always_a_step(tmp_path):
    s = parse_scenario(_edit("max_instances = 16", "max_instances = 6", DENSITY), tmp_path / "d.toml")
    assert s.density.counts("native") == (1, 2, 4, 6)


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("max_instances = 16", "max_instances = 0", "[density] max_instances: expected an integer from 1 to 1024, got 0"),
    ("max_instances = 16\n", "", "[density] max_instances: expected a value (the key is required)"),
    ("libvirt = 3", "libvirt = 0", "[density] runtime_caps.libvirt: expected an integer of at least 1, got 0"),
    ("runtime_caps = { libvirt = 3 }", "runtime_caps = 3", "[density] runtime_caps: expected a table, got 3"),
    ('mode = "idle"', 'mode = "ready"', "[workload] mode: expected a mode that holds still (idle, mem) with [density], got 'ready'"),
    ("margin_mib = 512", "margin_mib = -1", "[density] margin_mib: expected an integer from 0 to 100000, got -1"),
])
def test_density_mistakes_are_one_line_naming_the_key(path, old, new, expected):
    assert _error(_edit(old, new, DENSITY), path) == expected


def test_density_quick_cap_is_checked_like_the_others(path):
    message = _error(_edit("libvirt = 1", "libvirt = 0", DENSITY), path)
    assert message == "[density] quick_runtime_caps.libvirt: expected an integer of at least 1, got 0"


def test_density_cap_of_an_unknown_runtime_lists_the_runtimes(path):
    message = _error(_edit("libvirt = 3", "kvm = 3", DENSITY), path)
    assert message.startswith("[density] runtime_caps: expected one of native, chroot, ")
    assert message.endswith(", got 'kvm'") and "libvirt" in message


def test_setup_repetitions_default_to_none_and_quick_lowers_them(tmp_path):
    assert parse_scenario(MINIMAL, tmp_path / "m.toml").setup_repetitions == 0
    s = parse_scenario(_edit("warmup = 2", "warmup = 2\nsetup_repetitions = 20"), tmp_path / "v.toml")
    assert (s.setup_repetitions, s.quick().setup_repetitions) == (20, 4)


def test_setup_repetitions_must_not_be_negative(path):
    message = _error(_edit("warmup = 2", "warmup = 2\nsetup_repetitions = -1"), path)
    assert message == "[run] setup_repetitions: expected an integer from 0 to 10000, got -1"


# -- the report's chart and Spanish text -------------------------------------------

def test_chart_kind_and_spanish_text_are_read_and_default_sensibly(tmp_path):
    plain = parse_scenario(MINIMAL, tmp_path / "m.toml")
    assert (plain.chart, plain.description_es, plain.note_es) == ("startup", "", "")
    text = _edit('metrics = ["cpu_elapsed_s", "cpu_cpu_s"]', 'metrics = ["cpu_elapsed_s", "cpu_cpu_s"]\nchart = "cpu"')
    text = text.replace('order = 5', 'order = 5\ndescription_es = "Un escenario"\nnote_es = "Una nota"')
    s = parse_scenario(text, tmp_path / "c.toml")
    assert (s.chart, s.description_es, s.note_es) == ("cpu", "Un escenario", "Una nota")


def test_unknown_chart_kind_lists_the_choices(path):
    message = _error(_edit('metrics = ["cpu_elapsed_s", "cpu_cpu_s"]', 'metrics = ["cpu_elapsed_s"]\nchart = "pie"'), path)
    assert message == "[report] chart: expected one of startup, memory, density, io, cpu, scorecard, got 'pie'"


def test_every_shipped_scenario_names_its_chart_and_has_spanish_text():
    for s in load_all(REAL_SCENARIOS):
        assert s.path.read_text().count("chart = ") == 1, s.path
        assert s.description_es and (s.note_es or not s.note), s.path
