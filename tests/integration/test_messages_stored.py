"""A real session, stored by the real runner, holds every reason, error and note as a message that reads in Spanish.

Runs real runtimes on this host through ``run_suite`` into a store: a
workload that fails after it is ready (probe ``io`` on a directory that does
not exist: it exits 1 with a probe error), one that runs past its timeout
(``cpu`` with a 0.1 s limit), and Docker with an engine that cannot start
(dockerd given an option it refuses: a skip, and the reason in the session's
metadata). Then every stored skip reason, run error, Tools-column note and
metadata reason must carry a code, and be written in Spanish with the old
table of patterns (bench/report/catalogue_es_patterns.py) switched off: a new
session must never need it.
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pytest

from bench import metadata as md
from bench.report import i18n, render_html
from bench.report.i18n import Catalogue
from bench.runner import Lineup, RunOptions, run_suite
from bench.scenario import parse_scenario
from bench.store import Store
from runtimes import Image, get_runtime
from runtimes.kernel.messages import Message
from runtimes.peers import docker_engine

# The runtimes run here: quick to set up, and between them every kind of Tools-column note (none, a limit not
# enforced, a host quirk, an OCI bundle, gVisor's and nspawn's fixed notes).
RUNTIMES = ("native", "chroot", "unshare", "bwrap", "crun", "nspawn", "gvisor", "docker")

FAILS = ('name = "io-fails"\ndescription = "test"\n[workload]\nmode = "io"\n'
         'args = ["--dir", "/nonexistent-isobench", "--size-mib", "1"]\n'
         '[run]\nwarmup = 0\nrepetitions = 1\n[report]\nmetrics = ["io_seq_write_mib_s"]\n')
TIMES_OUT = ('name = "times-out"\ndescription = "test"\n[workload]\nmode = "cpu"\nargs = ["--iterations", "20000000000"]\n'
             '[run]\nwarmup = 0\nrepetitions = 1\ntimeout_s = 0.1\n[report]\nmetrics = ["cpu_elapsed_s"]\n')

# English words the Spanish never uses (as in tests/unit/test_report_stored_es.py), looked for outside the values
# a message carries (a path, what a tool printed), which are shown as they are in every language.
ENGLISH = re.compile(r"\b(the|not|and|is|of|needs|found|would|exists|but|failed|within|after|before|was|has|cannot|"
                     r"unless|runs|makes|missing|unknown|filter|host|guest|quirk|check|size|every|instances?|refuses|"
                     r"lacks|answers|answered|stopped|still|closed|output|exited|status|reachable|installed|devices|"
                     r"kernel|enforced|written|overlay|over|raw|group|exist|running|none|only|own|through|whole|"
                     r"defaults|kept|limits?|disk|engine|could|start)\b", re.IGNORECASE)


def _values(message: Message) -> list[str]:
    """The text fields of a message and of the messages inside it: values, shown as stored."""
    found = []
    for value in message.fields.values():
        found += _values(value) if isinstance(value, Message) else [str(value)] if isinstance(value, str) else []
    return found


def _spanish(said: object, where: str) -> str:
    """``said`` is a message, has Spanish for every code in it, and leaves no English outside its values."""
    assert isinstance(said, Message), f"{where}: {said!r} is plain text, not a message"
    t = Catalogue("es")
    spanish = t.message(said)
    assert t.missing == set(), f"{where}: no Spanish for {sorted(t.missing)}"
    rest = spanish
    for value in sorted(_values(said), key=len, reverse=True):
        rest = rest.replace(value, " ")
    assert not ENGLISH.findall(rest), f"{where}: English left in {spanish!r}"
    return spanish


@pytest.fixture
def no_patterns(monkeypatch: pytest.MonkeyPatch) -> None:
    """The old table of patterns, switched off: what a new session stores must not need it."""
    monkeypatch.setattr(i18n, "ES_PATTERNS", ())


def test_a_real_sessions_reasons_errors_and_notes_are_messages_that_read_in_spanish(
        tmp_path: Path, image: Image, monkeypatch: pytest.MonkeyPatch, no_patterns: None) -> None:
    chosen = tuple(n for n in RUNTIMES if n == "docker" or get_runtime(n).available().ok)
    docker = "docker" in chosen and shutil.which("dockerd") is not None and docker_engine.engine_answers() is not None
    if docker:  # dockerd refuses an option it does not know: a real start that fails (the test-only knob adds it)
        monkeypatch.setenv(docker_engine.EXTRA_OPTIONS_ENV, "--isobench-no-such-option")
    else:  # a Docker engine of the host's answers: it is never stopped, so Docker is left out
        chosen = tuple(n for n in chosen if n != "docker")
    scenarios = [parse_scenario(FAILS, tmp_path / "fails.toml"), parse_scenario(TIMES_OUT, tmp_path / "slow.toml")]
    lineup = Lineup(tuple(get_runtime(n) for n in chosen))
    with Store(tmp_path / "s.sqlite") as store:
        data = store.load(run_suite(scenarios, store, image, RunOptions(runtimes=chosen), lineup=lineup))

    failed = data.runs[data.runs["ok"] == 0]
    ran = set(chosen) - {"docker"}
    assert set(failed["runtime"]) == ran, "every runtime that ran failed both scenarios"
    codes = set()
    for error, stored, runtime in zip(failed["error"], failed["error_message"], failed["runtime"]):
        message = Message.from_json(stored)
        spanish = _spanish(message, f"{runtime}: {error}")
        assert str(message) == error  # the text column keeps the English, as before
        codes.add(message.code)
        if message.code == "run.failed-said":
            assert spanish.startswith("error de la sonda en io: open_write (errno 2)"), spanish
    # A slow starter (gVisor) is not even ready within 0.1 s: its timeout is the other one.
    assert "run.failed-said" in codes and codes <= {"run.failed-said", "instance.still-running",
                                                    "instance.no-ready-line"}, codes

    for skip in data.skips:
        _spanish(skip.reason_message, f"skip of {skip.runtime}: {skip.reason}")
        if skip.fix:
            _spanish(skip.fix_message, f"fix for {skip.runtime}: {skip.fix}")
    if docker:
        assert {s.runtime for s in data.skips} == {"docker"}
        assert {s.reason_message.code for s in data.skips if s.reason_message} == {"docker.engine-failed"}
        stored = data.info.metadata["service.docker.reason"]
        reason = md.stored_message("service.docker.reason", stored)
        assert reason is not None and reason.code == "docker.exited", stored
        assert _spanish(reason, "service.docker.reason").startswith("dockerd terminó con el estado ")

    t = Catalogue("es")
    for name, info in data.runtimes.items():
        for label, value in info.versions.items():
            shown = t.value(label)
            assert not ENGLISH.findall(shown), f"{name}: the label {label!r} has no Spanish"
            note = info.notes.get(label)
            if note is not None:
                _spanish(note, f"{name}: {label}")
            else:  # a tool's version ("crun version 1.8.1"), a name ("v1+v2", "ptrace"): a value, not a sentence
                assert re.search(r"\d", value) or len(value.split()) <= 2, f"{name}: {label}: {value!r} is text"
                assert not ENGLISH.findall(t.value(value)), f"{name}: {label}: {value!r}"

    # The whole page: none of what was stored is missing from the Spanish catalogues, or shown in English.
    seen = Catalogue("es")
    monkeypatch.setattr("bench.report.html.Catalogue", lambda lang: seen)
    page = html.unescape(render_html(data, generated_at="2026-01-01T00:00:00+00:00", lang="es"))
    assert not [m for m in seen.missing if m.startswith("message code")], seen.missing
    stored_english = {*failed["error"], *(s.reason for s in data.skips),
                      *(str(n) for info in data.runtimes.values() for n in info.notes.values())}
    assert not stored_english & seen.missing
    assert not [e for e in stored_english if e in page], "a stored message is shown in English on the Spanish page"
