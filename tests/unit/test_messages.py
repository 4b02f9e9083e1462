"""Messages as data (runtimes/kernel/messages.py): every code has English and Spanish with the same fields.

The codes are found in the source itself: every ``say("code", field=...)``
in runtimes/ and bench/, read with ``ast``, so a code raised anywhere without
a translation, or with other fields than its template's, fails here before
any session stores it.
"""

from __future__ import annotations

import ast
import sqlite3
from pathlib import Path

import pytest

import bench.messages  # noqa: F401  (registers the harness's codes)
from bench.density import Budget
from bench.report.i18n import Catalogue
from bench.report.messages_es import ES_MESSAGES
from bench.results import RunRecord, RuntimeInfo, Skip
from bench.store import Store
from runtimes.base import Availability
from runtimes.kernel.errors import InstanceError, RuntimeUnavailable
from runtimes.kernel.messages import ENGLISH, Message, placeholders, say

ROOT = Path(__file__).resolve().parents[2]


def _codes(node: ast.expr) -> list[str] | None:
    """The code(s) a say() call's first argument can be: a literal, or ``"a" if … else "b"``; None otherwise."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        body, orelse = _codes(node.body), _codes(node.orelse)
        return body + orelse if body is not None and orelse is not None else None
    return None


def _uses() -> list[tuple[str, str, set[str]]]:
    """(where, code, fields) of every say() call in the code base."""
    found = []
    for path in sorted([*ROOT.glob("runtimes/**/*.py"), *ROOT.glob("bench/**/*.py")]):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "say":
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                codes = _codes(node.args[0]) if node.args else None
                assert codes is not None, f"{where}: say() needs its code written as a literal, so it can be checked"
                assert all(k.arg is not None for k in node.keywords), f"{where}: say() with **fields"
                found += [(where, code, {k.arg for k in node.keywords if k.arg}) for code in codes]
    return found


def test_every_code_raised_has_english_and_spanish_with_the_fields_given():
    uses = _uses()
    assert len(uses) > 50, "the scan found too few say() calls: is it reading the code base?"
    for where, code, fields in uses:
        assert code in ENGLISH, f"{where}: {code!r} has no English (runtimes/kernel/messages.py, bench/messages.py)"
        assert code in ES_MESSAGES, f"{where}: {code!r} has no Spanish (bench/report/messages_es.py)"
        assert fields == placeholders(ENGLISH[code]), f"{where}: {code!r} given {sorted(fields)}, " \
                                                      f"its English uses {sorted(placeholders(ENGLISH[code]))}"


def test_the_two_catalogues_have_the_same_codes_and_the_same_fields():
    assert set(ES_MESSAGES) == set(ENGLISH)
    for code, english in ENGLISH.items():
        assert placeholders(ES_MESSAGES[code]) == placeholders(english), code


def test_every_code_is_used_somewhere():
    used = {code for _, code, _ in _uses()}
    assert set(ENGLISH) - used == set(), "codes no code raises: remove them from both catalogues"


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_template_renders_with_numbers_in_its_fields(lang):
    t = Catalogue(lang)
    for code, english in ENGLISH.items():
        text = t.message(Message(code, {name: 2.5 for name in placeholders(english)}))
        assert text and "{" not in text, (code, text)
    assert t.missing == set()


def test_english_is_what_the_command_lines_print():
    error = InstanceError(say("instance.no-ready-line", runtime="box", seconds=0.5))
    assert str(error) == "box: no ready line within 0.5 s" and error.message.code == "instance.no-ready-line"
    assert str(InstanceError("plain text")) == "plain text" and InstanceError("plain text").message is None
    unavailable = RuntimeUnavailable("libvirt", say("libvirt.unreachable", said="ECONNREFUSED"),
                                     say("fix.provision", command="sudo scripts/provision"))
    assert str(unavailable) == "libvirt: libvirtd is not reachable (ECONNREFUSED) (sudo scripts/provision)"
    assert unavailable.reason == "libvirtd is not reachable (ECONNREFUSED)"
    no = Availability.no(say("tool.not-found", tool="runc"), say("fix.install", package="runc"))
    assert (no.reason, no.fix) == ("runc not found", "sudo apt-get install runc")
    assert no.reason_message == say("tool.not-found", tool="runc")


def test_a_nested_message_round_trips_through_json_and_reads_in_spanish():
    failed = say("run.setup-failed", reason=say("unavailable", runtime="podman", reason=say(
        "engine.import-failed", tool="podman", said="EIO")))
    assert Message.from_json(failed.to_json()) == failed
    assert Message.from_json("") is None
    assert str(failed) == "setup failed: podman: podman import of the suite's image failed: EIO"
    assert Catalogue("es").stored(failed) == \
        "falló la preparación: podman: falló la importación de la imagen de la suite con podman: EIO"


def test_numbers_take_the_reports_decimal_mark():
    refusal = Budget(margin_bytes=2**30, per_instance_bytes=0.75 * 2**30).refusal(4, available_bytes=2**30)
    assert refusal is not None
    assert "about 3.00 GiB" in str(refusal)
    assert "unos 3,00 GiB" in Catalogue("es").message(refusal)
    assert Catalogue("es").message(say("instance.still-running", runtime="crun", seconds=0.5)) == \
        "crun: sigue en marcha después de 0,5 s"


def test_an_unknown_code_shows_its_code_and_fields_and_counts_missing():
    t = Catalogue("es")
    assert t.message(Message("from.a-newer-isobench", {"n": 3})) == "from.a-newer-isobench n=3"
    assert t.missing == {"message code from.a-newer-isobench"}


def test_the_store_keeps_messages_and_old_rows_keep_their_text(tmp_path):
    reason, fix = say("tool.not-found", tool="runc"), say("fix.install", package="runc")
    error = say("instance.still-running", runtime="crun", seconds=30.0)
    note = say("tool.no-output")
    path = tmp_path / "s.sqlite"
    with Store(path) as store:
        sid = store.begin_session("bench run", quick=False, metadata={})
        store.record_skip(sid, Skip("cpu", "runc", str(reason), str(fix), reason, fix))
        store.record_skip(sid, Skip("cpu", "crun", "an old reason", "an old fix"))  # text only, as before
        store.record_run(sid, RunRecord("cpu", "crun", 0, False, False, {}, str(error), error_message=error))
        store.record_runtime(sid, RuntimeInfo("crun", versions={"crun": "1.8", "limits": str(note)},
                                              notes={"limits": note}))
        data = store.load(sid)
    assert data.skips[0].reason_message == reason and data.skips[0].fix_message == fix
    assert data.skips[1].reason == "an old reason" and data.skips[1].reason_message is None
    assert Message.from_json(data.runs["error_message"][0]) == error
    assert data.runtimes["crun"].notes == {"limits": note} and data.runtimes["crun"].versions["limits"] == "no output"
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT error FROM runs").fetchone()[0] == "crun: still running after 30 s"
