"""The Spanish report writes in Spanish what runtimes say: skip reasons, failed runs' errors, the Tools column's notes.

A session stores them as messages (a code and its fields, runtimes/kernel/messages.py),
written by the report from the catalogue keyed by code (bench/report/messages_es.py);
tests/unit/test_messages.py checks that every code has Spanish. The messages
checked here come from the code that writes them, on this host: every
registered runtime's ``available()`` as this process, as an unprivileged user
and with no tool on PATH; the ``versions()`` of every runtime that needs no
setup for them; and the producing functions cheap to call. Each must be a
message, not bare English text.

Sessions stored before messages were data keep only English text: the old
table of patterns (bench/report/catalogue_es_patterns.py) still reads those
in Spanish, checked on the texts in ``STORED`` below, as those sessions hold them.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

from bench.density import Budget
from runtimes.kernel.messages import Message, say
from bench.errors import InstanceError, RuntimeUnavailable
from bench.report import render_html
from bench.report.i18n import Catalogue
from bench.results import RunRecord, RuntimeInfo, ScenarioInfo, Skip
from bench.store import Store
from runtimes import RUNTIMES, get_runtime, runtime_names
from runtimes.vm import accel as vm_accel
from runtimes.peers import docker, hybrid, podman
from runtimes.peers._common import check_answers, check_tools, first_line

ROOT = Path(__file__).resolve().parents[2]

# Words of those messages' English that Spanish never uses. A translated message must have none left outside
# the values it carries: paths (a word with a /) are left out, and a tool's own output has none in these tests.
ENGLISH = re.compile(r"\b(the|not|and|is|of|needs|found|would|exists|but|failed|within|after|before|was|has|cannot|"
                     r"unless|runs|makes|missing|unknown|filter|host|guest|quirk|check|size|every|instances?|refuses|"
                     r"lacks|answers|answered|stopped|still|closed|output|exited|status|reachable|installed|devices|"
                     r"kernel|enforced|written|overlay|over|raw|group|exist)\b", re.IGNORECASE)
PATHS = re.compile(r"\S*/\S*")


def _english_in(spanish: str) -> list[str]:
    return ENGLISH.findall(PATHS.sub(" ", spanish))


# versions() reads what setup() found (the guest, the accelerator): these runtimes' notes are in NOTES instead.
NEEDS_SETUP = ("libvirt", "qemu", "microvm")  # microvm: tests/unit/test_microvm.py checks its notes

# Texts of sessions stored before messages were data, as the code named beside each wrote them then.
STORED = (
    "libvirt: no ready line within 10 s",                                      # runtimes/vm/libvirt.py wait_ready
    "box: no ready line within 0.5 s",                                         # runtimes/_process.py wait_ready
    "box: workload closed its output before it was ready",                     # runtimes/_process.py
    "box: workload exited with status 1 before it was ready: probe: EACCES",   # runtimes/_process.py
    "crun: still running after 30 s",                                          # runtimes/_process.py wait
    "crun: output closed but the process did not exit within 30 s",            # runtimes/_process.py wait
    "box: cannot launch /usr/bin/box-init: EACCES",                            # runtimes/_process.py spawn
    "libvirt: workload exited with status 2 before it was ready: probe: EIO",  # runtimes/vm/libvirt.py
    "qemu: the VM stopped before the workload was ready: no output",           # runtimes/vm/libvirt.py
    "libvirt: the VM still runs after 60 s",                                   # runtimes/vm/libvirt.py wait
    "qemu: the VM stopped without reporting the workload's exit status: no output",
    "workload exited with status 3",                                           # bench/runner.py run_once
    "workload exited with status 3: probe: EPERM",
    "probe error in io: open (errno 13)",
    "4 instances: box: no ready line within 10 s",                             # bench/density.py run_step
    "setup failed: " + str(RuntimeUnavailable(                                 # bench/runner.py set_up_runtimes, with
        "libvirt", "libvirtd is not reachable (ECONNREFUSED)", "sudo scripts/provision")),  # vm/libvirt.py setup
    "setup failed: " + str(RuntimeUnavailable(                                 # runtimes/peers/engine.py
        "podman", "podman import of the suite's image failed: EIO")),
    "setup failed: " + str(RuntimeUnavailable(                                 # runtimes/peers/hybrid.py
        "crun", f"cannot make a mount namespace without {hybrid.CGROUP2_MOUNT}: umount: EBUSY",
        "check that unshare(1) and umount work as root")),
    "cgroups unusable: cgroup v1 controllers not mounted: pids, cpu",          # runtimes/kernel/cgroups.py
    "libvirtd is not reachable on qemu:///system (ECONNREFUSED)",              # runtimes/vm/libvirt.py available
    "the libvirt Python module is not installed",
    "group kvm does not exist, so every VM start would take minutes",          # vm/libvirt.py, vm/accel.py
    "no loop devices (/dev/loop-control missing)",                             # runtimes/openvz/runtime.py
    "the kernel has no ext4",
    "the kernel has no OverlayFS",                                             # runtimes/box/runtime.py
)
NOTES = {  # libvirt's and qemu's versions() as a session stored them (runtimes/vm/libvirt.py, runtimes/peers/qemu.py)
    "libvirt": "9.0.0", "qemu": "7.2.22", "accelerator": "tcg", "guest kernel": "linux-image-6.1.0-56-cloud-amd64",
    "disk": "virtio-blk, qcow2 overlay over raw ext4, cache=none, io=native",
    "guest size": "1 vCPU, 256 MiB unless a scenario's [limits] say otherwise",
    "oci runtime": "crun version 1.8.1",  # runtimes/peers/podman.py, and its notes:
    "host quirk: cgroups": hybrid.NOTE, "host quirk: rlimits": podman.RLIMIT_NOTE,
    "host quirk": hybrid.NOTE,  # runtimes/peers/oci.py
}


def _spanish_stored(text: str | Message | None) -> str:
    """A message (or an old session's text) in Spanish: it must be translated, with no English left."""
    assert text, "a runtime said nothing"
    t = Catalogue("es")
    spanish = t.stored(text)
    assert t.missing == set(), f"no Spanish for {sorted(t.missing)} (in {text!r})"
    assert spanish != str(text) and not _english_in(spanish), (str(text), spanish)
    return spanish


def _spanish_message(said: object) -> str:
    """What a runtime said must be a message (a code and its fields), not English text, and read in Spanish."""
    assert isinstance(said, Message), f"{said!r} is English text, not a message: use say(code, ...)"
    return _spanish_stored(said)


def _spanish_fix(fix: object) -> str:
    """A fix is a message too, but may read the same in Spanish (a command)."""
    assert isinstance(fix, Message), f"{fix!r} is English text, not a message: use say(code, ...)"
    return _spanish_value(fix)


def _spanish_value(text: str | Message) -> str:
    """A value (a fix, a tool's note): it may stay as it is (a command, a version), but with no English words."""
    t = Catalogue("es")
    spanish = t.value(text)
    assert t.missing == set() and not _english_in(spanish), (str(text), spanish)
    return spanish


_AVAILABILITY = ("import json; from runtimes import RUNTIMES; print(json.dumps([[a.reason_message.to_json() "
                 "if a.reason_message else a.reason, a.fix_message.to_json() if a.fix_message else a.fix] "
                 "for a in (r.available() for r in RUNTIMES) if not a.ok]))")


def _availability(prefix: tuple[str, ...] = (), **env: str) -> list[tuple[Message | str, Message | str]]:
    """Every runtime's (reason, fix) as another process sees it: another user (``prefix``), another PATH (``env``)."""
    done = subprocess.run([*prefix, sys.executable, "-c", _AVAILABILITY], cwd=ROOT, env={**os.environ, **env},
                          capture_output=True, text=True, timeout=300, check=True)
    return [tuple(Message.from_json(s) if s.startswith("{") else s for s in pair) for pair in json.loads(done.stdout)]


def test_every_reason_a_runtime_gives_here_is_a_message_that_reads_in_spanish():
    found = [(a.reason_message or a.reason, a.fix_message or a.fix)
             for a in (r.available() for r in RUNTIMES) if not a.ok]
    found += _availability(PATH="")  # no tool found
    if os.geteuid() == 0 and shutil.which("setpriv"):
        found += _availability(("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"))  # no root
    assert found, "with no tools and no root, some runtime cannot run"
    for reason, fix in found:
        _spanish_message(reason)
        _spanish_fix(fix)


def test_every_reason_the_producing_functions_give_reads_in_spanish(tmp_path):
    made = [check_tools({"isobench-no-such-tool": "isobench-package"}),
            check_answers(["false"], "coreutils"), check_answers([str(tmp_path / "no-such-tool")], "isobench-package")]
    for availability in made:
        assert availability is not None and not availability.ok
        _spanish_message(availability.reason_message)
        _spanish_fix(availability.fix_message)
    _spanish_message(docker.START_HINT)
    _spanish_message(docker.engine_answers(str(tmp_path / "docker.sock")))
    _spanish_message(docker.engine_answers(_not_docker(tmp_path / "other.sock")))
    budget = Budget(margin_bytes=2**30, per_instance_bytes=0.75 * 2**30)
    for n in (1, 16):
        spanish = _spanish_message(budget.refusal(n, available_bytes=2**30))
        assert f"unos {0.75 * n:.2f} GiB".replace(".", ",") in spanish  # with a decimal comma
    # A tool that printed no version, or could not be run: a message too.
    for printed in (first_line(["true"]), first_line([str(tmp_path / "no-such-tool"), "--version"])):
        assert str(printed).startswith("unknown")
        assert _spanish_message(printed).startswith("desconocida")


def test_an_old_sessions_text_still_reads_in_spanish():
    for text in STORED:
        _spanish_stored(text)


def test_the_pattern_table_is_what_reads_old_texts_and_messages_do_without_it(monkeypatch):
    """catalogue_es_patterns is for sessions stored by earlier versions: without it their text stays English,
    while the same reason stored now, as a message, still reads in Spanish."""
    monkeypatch.setattr("bench.report.i18n.ES_PATTERNS", ())
    old, new = "crun: still running after 30 s", say("instance.still-running", runtime="crun", seconds=30.0)
    t = Catalogue("es")
    assert t.stored(old) == old and t.missing == {old}
    assert _spanish_message(new) == "crun: sigue en marcha después de 30 s"


def _not_docker(path: Path) -> str:
    """A unix socket that answers HTTP, but not as dockerd does; its path."""
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(1)

    def answer() -> None:
        with server, server.accept()[0] as conn:
            conn.recv(4096)
            conn.sendall(b"HTTP/1.0 404 Not Found\r\n\r\n")

    threading.Thread(target=answer, daemon=True).start()
    return str(path)


def test_the_vm_accelerator_check_reads_in_spanish(tmp_path, monkeypatch):
    """Each way runtimes/vm/accel.py decides, with a device file standing in for /dev/kvm."""
    device = tmp_path / "kvm"
    monkeypatch.setattr(vm_accel, "KVM_DEVICE", device)
    _spanish_message(vm_accel.choose_accelerator({}, lambda timeout_s: None, cache=tmp_path).reason)  # no device
    device.touch(mode=0o600)
    _spanish_message(say("libvirt.kvm-unusable", reason=vm_accel.kvm_device_problem()))  # as runtimes/vm/libvirt.py

    def hangs(timeout_s: float) -> None:
        raise InstanceError(say("instance.no-ready-line", runtime="libvirt", seconds=timeout_s))  # as vm/instance.py

    failed = vm_accel.choose_accelerator({"try": "kvm fails"}, hangs, cache=tmp_path)
    assert "ninguna línea de «listo» en 10 s" in _spanish_message(failed.reason)
    _spanish_message(vm_accel.choose_accelerator({"try": "kvm works"}, lambda timeout_s: None, cache=tmp_path).reason)
    # Decided once per host boot: the cached decision comes back as the same message.
    assert vm_accel.choose_accelerator({"try": "kvm fails"}, hangs, cache=tmp_path) == failed


def test_every_note_in_the_tools_column_reads_in_spanish():
    assert set(NEEDS_SETUP) <= set(runtime_names())
    notes = dict(NOTES)
    for runtime in RUNTIMES:
        if runtime.name not in NEEDS_SETUP and runtime.available().ok:
            notes |= runtime(None).versions()  # type: ignore[arg-type]  # versions() reads no image
    for tool, note in notes.items():
        _spanish_value(tool)
        _spanish_value(note)
    assert Catalogue("es").value(NOTES["disk"]) != NOTES["disk"]


def test_the_spanish_page_shows_them_in_spanish_and_the_english_page_as_stored(tmp_path, monkeypatch):
    unshare = get_runtime("unshare")
    said, fix = say("peers.needs-root"), say("fix.run-as-root")
    reason = str(said)
    failed = Budget(margin_bytes=2**30, per_instance_bytes=2**30).refusal(4, available_bytes=2**31)
    assert failed is not None
    refusal = str(failed)
    limits = say("limits.not-enforced", tool="unshare")
    versions = {"unshare": "unshare from util-linux 2.38.1", "limits": str(limits)}
    with Store(tmp_path / "s.sqlite") as store:
        sid = store.begin_session("bench run", quick=False, metadata={"hostname": "lab"})
        store.record_scenario(sid, ScenarioInfo("cpu", "a loop", "", "cpu", (), ("cpu_elapsed_s",), 0, 1))
        store.record_runtime(sid, RuntimeInfo("native"))
        store.record_runtime(sid, RuntimeInfo("unshare", unshare.summary, unshare.launch, versions, {"limits": limits}))
        store.record_run(sid, RunRecord("cpu", "native", 0, False, True, {"cpu_elapsed_s": 0.2}))
        store.record_run(sid, RunRecord("cpu", "unshare", 0, False, False, {}, refusal, error_message=failed))
        store.record_skip(sid, Skip("cpu", "crun", reason, str(fix), said, fix))
        store.finish_session(sid, "finished")
        data = store.load(sid)
    english_page = html.unescape(render_html(data, generated_at="2026-01-01T00:00:00+00:00"))
    for english in (reason, refusal, "limits: " + versions["limits"], "Fix: run as root: sudo bench ..."):
        assert english in english_page
    seen = Catalogue("es")
    monkeypatch.setattr("bench.report.html.Catalogue", lambda lang: seen)
    spanish = html.unescape(render_html(data, generated_at="2026-01-01T00:00:00+00:00", lang="es"))
    assert seen.missing == set()
    for english in (reason, refusal, versions["limits"], "run as root"):
        assert english not in spanish
    assert "crun (necesita root para los espacios de nombres" in spanish  # "Not run here", in the section
    assert "límites: no se aplican (unshare no crea ningún cgroup)" in spanish  # the Tools column
    assert "no se inició: 4 instancias necesitarían unos 4,00 GiB" in spanish  # the failed run, in the warnings


def test_a_value_without_spanish_is_shown_as_stored_and_not_counted():
    t = Catalogue("es")
    assert [t.value(v) for v in ("crun version 1.8.1", "2.50", "")] == ["crun version 1.8.1", "2.50", ""]
    assert t.missing == set()


def test_a_sentence_without_spanish_is_shown_as_stored_and_counted_missing():
    t, english = Catalogue("es"), "openvz: CT 901: a network device vz901 already exists on the host"
    assert t.stored(english) == english and t.missing == {english}
    t = Catalogue("es")
    # a known message around an unknown one: the known part in Spanish, the unknown counted
    assert t.stored(f"4 instances: {english}") == f"4 instancia(s): {english}" and t.missing == {english}
    assert Catalogue("en").stored(english) == english
