"""Scenario files: one TOML file per question the suite asks.

A scenario names the probe mode to run, on which runtimes, how often, and
which metrics its report section charts. Every mistake in a file is reported
as one line naming the file, the key, what was expected and what was found.

Example (``scenarios/startup.toml``)::

    name = "startup"
    description = "How long until the workload is ready, and until it is gone"
    note = "Plain-language note shown under the chart."
    description_es = "Cuánto tarda la carga en estar lista, y en terminar"   # optional: --lang es
    note_es = "Nota en lenguaje llano bajo el gráfico."
    [workload]
    mode = "ready"
    [run]
    warmup = 3
    repetitions = 30
    timeout_s = 30
    [report]
    metrics = ["ready_s", "exit_s"]
    chart = "startup"   # startup | memory | density | io | cpu | scorecard
    [limits]            # optional; containers enforce them with cgroups, a VM sizes its domain
    memory_mib = 256
    cpus = 1.0
    pids = 64
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from bench.errors import ScenarioError, UsageError
from bench.metrics import METRICS
from runtimes import Limits, runtime_names
from runtimes.probe import HOLDING_MODES, MODES

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "scenarios"
NAME_RE = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
QUICK_REPETITIONS = 5
# How a scenario's section draws its figures (bench.report.charts has one builder per kind).
CHARTS = ("startup", "memory", "density", "io", "cpu", "scorecard")

_SCHEMA: dict[str, set[str]] = {
    "": {"name", "description", "note", "description_es", "note_es", "order", "workload", "run", "report", "limits",
         "density"},
    "workload": {"mode", "args", "quick_args"},
    "run": {"runtimes", "warmup", "repetitions", "timeout_s", "quick_repetitions", "setup_repetitions"},
    "report": {"metrics", "chart"},
    "limits": {"memory_mib", "cpus", "pids"},
    "density": {"max_instances", "quick_max_instances", "margin_mib", "runtime_caps", "quick_runtime_caps"},
}


@dataclasses.dataclass(frozen=True)
class Density:
    """A density scenario's ``[density]`` table: how many idle instances to hold at once.

    Steps double from 1 up to ``max_instances`` (which is always a step),
    each runtime stopping at its own cap, and every step only if the host's
    MemAvailable stays above ``margin_bytes`` (see ``bench.density``).
    """

    max_instances: int
    quick_max_instances: int = 2
    margin_bytes: int = 2 * 2**30
    runtime_caps: dict[str, int] = dataclasses.field(default_factory=dict)  # runtime → most instances at once
    quick_runtime_caps: dict[str, int] = dataclasses.field(default_factory=dict)  # the same, with --quick

    def quick(self) -> Density:
        caps = {**self.runtime_caps, **{name: min(cap, self.runtime_caps.get(name, cap))
                                        for name, cap in self.quick_runtime_caps.items()}}
        return dataclasses.replace(self, max_instances=min(self.max_instances, self.quick_max_instances),
                                   runtime_caps=caps)

    def counts(self, runtime: str) -> tuple[int, ...]:
        """Instance counts one runtime is stepped through: 1, 2, 4, … up to its cap."""
        top = min(self.max_instances, self.runtime_caps.get(runtime, self.max_instances))
        steps = [1 << i for i in range(top.bit_length()) if 1 << i < top]
        return (*steps, top)


@dataclasses.dataclass(frozen=True)
class Scenario:
    """One question, ready to run."""

    name: str
    description: str
    note: str
    mode: str
    args: tuple[str, ...]
    runtimes: tuple[str, ...]  # empty: every available runtime
    warmup: int
    repetitions: int
    timeout_s: float
    metrics: tuple[str, ...]
    path: Path
    quick_args: tuple[str, ...] | None = None
    quick_repetitions: int = QUICK_REPETITIONS
    order: int = 100
    limits: Limits = Limits()
    chart: str = "startup"
    setup_repetitions: int = 0  # extra measurements of a runtime's setup (Runtime.repeat_setup), e.g. a CT's start
    density: Density | None = None  # set: N instances at once (bench.density) instead of one at a time
    description_es: str = ""  # the Spanish text of `bench report --lang es`; empty: shown in English
    note_es: str = ""
    # Open descriptors handed to every instance, as a careless caller would (InstanceSpec.inherited_fds);
    # set by bench.isolation.prepare for the iso mode's leaked directory and terminal, never by a file.
    inherited_fds: tuple[int, ...] = ()

    def quick(self) -> Scenario:
        """The same question, asked with fewer, smaller runs (``--quick``)."""
        return dataclasses.replace(
            self, warmup=min(self.warmup, 1),
            repetitions=min(self.repetitions, self.quick_repetitions),
            args=self.quick_args if self.quick_args is not None else self.args,
            setup_repetitions=min(self.setup_repetitions, self.quick_repetitions),
            density=self.density and self.density.quick(),
        )


class _Reader:
    """Typed access to one parsed file, turning every mismatch into a ScenarioError."""

    def __init__(self, path: Path, data: dict[str, Any]) -> None:
        self.path, self.data = path, data

    def fail(self, key: str, expected: str, got: Any = dataclasses.MISSING) -> ScenarioError:
        found = "" if got is dataclasses.MISSING else f", got {got!r}"
        return ScenarioError(f"{self.path}: {key}: expected {expected}{found}")

    def table(self, name: str) -> dict[str, Any]:
        value = self.data.get(name, {})
        if not isinstance(value, dict):
            raise self.fail(name, "a table [" + name + "]", value)
        return value

    def get(self, table: str, key: str, kind: type, default: Any = dataclasses.MISSING) -> Any:
        where = f"[{table}] {key}" if table else key
        source = self.table(table) if table else self.data
        if key not in source:
            if default is dataclasses.MISSING:
                raise self.fail(where, "a value (the key is required)")
            return default
        value = source[key]
        ok = isinstance(value, kind) and not (kind in (int, float) and isinstance(value, bool))
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value, ok = float(value), True
        if not ok:
            raise self.fail(where, _article(_KIND_NAMES[kind]), value)
        return value

    def strings(self, table: str, key: str, default: Any) -> Any:
        value = self.get(table, key, list, default)
        if value is default:
            return value
        if not all(isinstance(v, str) for v in value):
            raise self.fail(f"[{table}] {key}", "a list of strings", value)
        return tuple(value)

    def bounded(self, table: str, key: str, kind: type, low: float, high: float, default: Any) -> Any:
        value = self.get(table, key, kind, default)
        if not low <= value <= high:
            where = f"[{table}] {key}" if table else key
            raise self.fail(where, f"{_article(_KIND_NAMES[kind])} from {low:g} to {high:g}", value)
        return value


_KIND_NAMES = {str: "string", int: "integer", float: "number", list: "list", dict: "table"}


def _article(noun: str) -> str:
    return ("an " if noun[0] in "aeiou" else "a ") + noun


def _check_keys(reader: _Reader) -> None:
    for table, allowed in _SCHEMA.items():
        keys = reader.data.keys() if not table else reader.table(table).keys()
        for key in keys:
            if key not in allowed:
                shown = key if key.isprintable() and key.strip() == key and key else repr(key)  # one line, always
                where = f"[{table}] {shown}" if table else shown
                raise ScenarioError(f"{reader.path}: {where}: unknown key; allowed: {', '.join(sorted(allowed))}")


def _check_choices(reader: _Reader, key: str, values: Iterable[str], choices: Iterable[str]) -> None:
    valid = tuple(choices)
    for v in values:
        if v not in valid:
            raise reader.fail(key, f"one of {', '.join(valid)}", v)


def parse_scenario(text: str, path: Path) -> Scenario:
    """Parse and validate one scenario file's text."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(f"{path}: not valid TOML: {err}") from None
    r = _Reader(path, data)
    _check_keys(r)
    name = r.get("", "name", str)
    if not NAME_RE.match(name):
        raise r.fail("name", "lower-case letters, digits, - or _ (up to 40, starting with a letter)", name)
    mode = r.get("workload", "mode", str)
    _check_choices(r, "[workload] mode", [mode], MODES)
    runtimes = r.strings("run", "runtimes", ())
    _check_choices(r, "[run] runtimes", runtimes, runtime_names())
    metrics = r.strings("report", "metrics", None)
    if not metrics:
        raise r.fail("[report] metrics", "a non-empty list of metric names")
    if len(set(metrics)) != len(metrics):
        raise r.fail("[report] metrics", "each metric once", list(metrics))
    _check_choices(r, "[report] metrics", metrics, METRICS)
    chart = r.get("report", "chart", str, "startup")
    _check_choices(r, "[report] chart", [chart], CHARTS)
    return Scenario(
        name=name, description=r.get("", "description", str), note=r.get("", "note", str, ""),
        order=r.bounded("", "order", int, 0, 10_000, 100),
        mode=mode, args=r.strings("workload", "args", ()), quick_args=r.strings("workload", "quick_args", None),
        runtimes=runtimes,
        warmup=r.bounded("run", "warmup", int, 0, 1000, 1),
        repetitions=r.bounded("run", "repetitions", int, 1, 10_000, 10),
        quick_repetitions=r.bounded("run", "quick_repetitions", int, 1, 10_000, QUICK_REPETITIONS),
        timeout_s=r.bounded("run", "timeout_s", float, 0.1, 3600, 60.0),
        metrics=metrics, path=path, limits=_limits(r), chart=chart,
        description_es=r.get("", "description_es", str, ""), note_es=r.get("", "note_es", str, ""),
        setup_repetitions=r.bounded("run", "setup_repetitions", int, 0, 10_000, 0),
        density=_density(r),
    )


def _density(r: _Reader) -> Density | None:
    if "density" not in r.data:
        return None
    mode = r.get("workload", "mode", str)
    if mode not in HOLDING_MODES:  # the instances must stay up until all N are counted
        raise r.fail("[workload] mode", f"a mode that holds still ({', '.join(sorted(HOLDING_MODES))}) with [density]", mode)
    return Density(
        max_instances=r.bounded("density", "max_instances", int, 1, 1024, dataclasses.MISSING),
        quick_max_instances=r.bounded("density", "quick_max_instances", int, 1, 1024, 2),
        margin_bytes=r.bounded("density", "margin_mib", int, 0, 100_000, 2048) * 2**20,
        runtime_caps=_caps(r, "runtime_caps"), quick_runtime_caps=_caps(r, "quick_runtime_caps"),
    )


def _caps(r: _Reader, key: str) -> dict[str, int]:
    """``{ runtime = most instances }``: known runtime names, whole numbers from 1."""
    caps = r.get("density", key, dict, {})
    _check_choices(r, f"[density] {key}", caps, runtime_names())
    for name, cap in caps.items():
        if not isinstance(cap, int) or isinstance(cap, bool) or cap < 1:
            raise r.fail(f"[density] {key}.{name}", "an integer of at least 1", cap)
    return dict(caps)


def _limits(r: _Reader) -> Limits:
    memory_mib = r.bounded("limits", "memory_mib", int, 4, 1 << 20, None) if "memory_mib" in r.table("limits") else None
    return Limits(
        memory_bytes=memory_mib * 2**20 if memory_mib else None,
        cpus=r.bounded("limits", "cpus", float, 0.01, 1024, None) if "cpus" in r.table("limits") else None,
        pids=r.bounded("limits", "pids", int, 1, 1 << 22, None) if "pids" in r.table("limits") else None,
    )


def load_scenario(path: Path) -> Scenario:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ScenarioError(f"{path}: cannot read scenario file: {err}") from None
    return parse_scenario(text, path)


def load_all(directory: Path = DEFAULT_DIR) -> list[Scenario]:
    """Every scenario in ``directory``, in report order; names must be unique."""
    scenarios = [load_scenario(p) for p in sorted(directory.glob("*.toml"))]
    if not scenarios:
        raise ScenarioError(f"{directory}: no scenario files (*.toml) in it; pass --scenarios with the directory "
                            "that holds them, or name .toml files")
    seen: dict[str, Path] = {}
    for s in scenarios:
        if s.name in seen:
            raise ScenarioError(f"{s.path}: name: {s.name!r} is already used by {seen[s.name]}")
        seen[s.name] = s.path
    return sorted(scenarios, key=lambda s: (s.order, s.name))


def select(names: Iterable[str], directory: Path = DEFAULT_DIR) -> list[Scenario]:
    """Resolve ``all``, scenario names or paths to .toml files into scenarios."""
    names = list(names) or ["all"]
    known = None
    chosen: list[Scenario] = []
    for name in names:
        if name.endswith(".toml"):
            chosen.append(load_scenario(Path(name)))
            continue
        known = known if known is not None else load_all(directory)
        if name == "all":
            chosen.extend(known)
            continue
        match = [s for s in known if s.name == name]
        if not match:
            choices = ", ".join(["all", *(s.name for s in known)])
            raise UsageError(f"unknown scenario {name!r}; choose from: {choices} (or a path to a .toml file)")
        chosen.extend(match)
    unique = {s.name: s for s in chosen}  # `bench run all startup` runs startup once
    return list(unique.values())
