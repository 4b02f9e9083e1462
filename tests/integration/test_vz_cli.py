"""The `vz` command line: docs/vz.md's class walkthrough run as written, bad input, a crashed CT.

The walkthrough test reads every ```console block of docs/vz.md, runs each
``$ `` line with bash (``vz`` being ``python -m runtimes.openvz``, ``sudo``
a no-op: the tests run as root) and compares what it prints with what the
document shows, digits aside (PIDs, times, loop device numbers differ). A
``$ sudo vz enter`` line runs in a pseudo-terminal, typing the lines the
document shows after the CT's prompt. So the document cannot drift from vz.
"""

from __future__ import annotations

import os
import pty
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from runtimes import Image
from runtimes.openvz import net
from tests.conftest import REPO
from tests.terminal import read_until
from tests.envcheck import require_runtime, require_tool

DOC = REPO / "docs" / "vz.md"
DOC_ROOT = "/var/lib/vz"
SHELL_PRELUDE = f'vz() {{ PYTHONPATH={REPO} {sys.executable} -m runtimes.openvz "$@"; }}; sudo() {{ "$@"; }}; '
_ESCAPES = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")


def vz(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "runtimes.openvz", *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "PYTHONPATH": str(REPO)})


def walkthrough() -> list[tuple[str, list[str]]]:
    """(command, expected output lines) for every ``$ `` line of the document's console blocks."""
    steps: list[tuple[str, list[str]]] = []
    for block in re.findall(r"```console\n(.*?)```", DOC.read_text(), re.S):
        for line in block.splitlines():
            if line.startswith("$ "):
                steps.append((line[2:], []))
            elif steps:
                steps[-1][1].append(line)
    return steps


def normalized(lines: list[str], root: str) -> list[str]:
    """Digits and runs of blanks folded, $VZ_ROOT shown as the document's, empty lines dropped."""
    out = []
    for line in lines:
        line = re.sub(r"\d+", "#", line.replace(root, DOC_ROOT))
        line = " ".join(line.split())
        if line:
            out.append(line)
    return out


def run_in_terminal(command: str, expected: list[str]) -> list[str]:
    """Run an interactive `vz enter`, typing each line the document shows after a prompt."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp("bash", ["bash", "-c", SHELL_PRELUDE + command])
    transcript = b""
    try:
        for line in expected:
            prompt, sep, typed = line.partition("# ")
            if sep and re.fullmatch(r"[\w.-]+:/", prompt):
                transcript += read_until(fd, b"# ", timeout=20)
                os.write(fd, typed.encode() + b"\r")
        transcript += read_until(fd, b"exited from CT", timeout=20)
        _, status = os.waitpid(pid, 0)
    finally:
        os.close(fd)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    text = _ESCAPES.sub(b"", transcript).decode(errors="replace").replace("\r", "")
    return text.splitlines()


def test_the_class_walkthrough_in_docs_vz_md_runs_as_written(image: Image) -> None:
    require_runtime("openvz")
    require_tool("ping", "iputils-ping")
    if net.exists(net.host_device(101)):
        pytest.skip("vz101 exists on this host: a CT 101 is running; the walkthrough needs that CTID")
    root = os.environ["VZ_ROOT"]
    steps = walkthrough()
    assert [c.split()[:3] for c, _ in steps if c.startswith("sudo vz")][:2] == [
        ["sudo", "vz", "create"], ["sudo", "vz", "set"]]
    try:
        for command, expected in steps:
            command = command.replace(DOC_ROOT, root)
            if command.startswith("sudo vz enter"):
                got = [ln for ln in normalized(run_in_terminal(command, expected), root)
                       if ln in normalized(expected, root)]
                assert got == normalized(expected, root), f"{command}: {got}"
                continue
            done = subprocess.run(["bash", "-c", SHELL_PRELUDE + command], stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True, timeout=60)
            got = done.stdout.splitlines()
            assert normalized(got, root) == normalized(expected, root), f"$ {command}\n" + "\n".join(got)
    finally:
        vz("stop", "--fast", "101")
        vz("destroy", "101")
    assert {c.split()[2] for c, _ in steps if c.startswith("sudo vz ")} >= {
        "create", "set", "start", "list", "exec", "enter", "stop", "status", "destroy"}


@pytest.mark.parametrize("args, message", [
    (("create", "abc"), "invalid CTID 'abc'"),
    (("create", "-5"), "No such option"),
    (("create", "7201", "--diskspace", "1G5"), "invalid --diskspace '1G5'"),
    (("create", "7201", "--diskspace", "512"), "with a unit K, M, G or T"),
    (("create", "7201", "--ipadd", "192.168.1.1"), "must come from 10.213.0.0/16"),
    (("create", "7201", "--hostname", "bad_name"), "invalid hostname"),
    (("create", "7201", "--description", 'say "hi"'), "may not contain"),
    (("set", "7201", "--cpus", "0"), "invalid CPU count"),
    (("set", "7201", "--numproc", "many"), "invalid --numproc"),
    (("set", "7201"), "nothing to set"),
    (("list", "--bogus"), "No such option"),
])
def test_bad_input_is_one_line_and_exit_code_2(image: Image, args: tuple[str, ...], message: str) -> None:
    require_runtime("openvz")
    result = vz(*args)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in result.stderr


@pytest.mark.parametrize("args, message", [
    (("start", "7202"), "CT 7202 does not exist"),
    (("exec", "7202", "true"), "CT 7202 does not exist"),
    (("destroy", "7202"), "CT 7202 does not exist"),
])
def test_a_missing_ct_is_a_failure_with_exit_code_1(image: Image, args: tuple[str, ...], message: str) -> None:
    require_runtime("openvz")
    result = vz(*args)
    assert result.returncode == 1 and message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_crashed_ct_is_noticed_by_vz_list_and_cleaned_up(image: Image) -> None:
    require_runtime("openvz")
    assert vz("create", "7203", "--diskspace", "64M", "--ipadd", "10.213.28.35").returncode == 0
    try:
        started = vz("start", "7203")
        assert started.returncode == 0, started.stderr
        pid = int(re.search(r"init is host PID (\d+)", started.stdout).group(1))
        assert vz("exec", "7203", "sleep 60 >/dev/null 2>&1 & exit 5").returncode == 5
        refused = vz("destroy", "7203")
        assert refused.returncode == 1 and "stop it first" in refused.stderr
        os.kill(pid, signal.SIGKILL)  # init dies: the kernel ends the CT's every process and namespace
        time.sleep(0.1)
        listing = vz("list", "-a").stdout.splitlines()
        assert listing[1].split()[:3] == ["7203", "-", "stopped"]
        assert vz("status", "7203").stdout.strip() == "CTID 7203 exist unmounted down"
        assert not Path(os.environ["VZ_ROOT"], "run", "7203.json").exists()
        assert vz("stop", "7203").stdout.strip() == "CT 7203 is not running"
    finally:
        vz("stop", "--fast", "7203")
        vz("destroy", "7203")
