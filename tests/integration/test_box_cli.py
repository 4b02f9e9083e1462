"""The `box` command line, run the way the Docker class runs `docker`."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time

import psutil
import pytest

from runtimes import Image
from tests.conftest import REPO
from tests.terminal import Terminal
from tests.envcheck import require_runtime


def box(*args: str, timeout: float = 60, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "runtimes.box", *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "PYTHONPATH": str(REPO)}, **kwargs)


@pytest.fixture
def busybox(image: Image):
    """The suite's image imported as busybox:latest, as `docker pull busybox` would give the class."""
    require_runtime("box")
    result = box("import", str(image.rootfs), "busybox:latest")
    assert result.returncode == 0, result.stderr
    yield "busybox"
    box("container", "prune", "-f")
    box("rmi", "busybox")


def test_the_class_walkthrough(busybox: str) -> None:
    assert "box version" in box("version").stdout
    hello = box("run", busybox, "echo", "hello from a container")
    assert (hello.returncode, hello.stdout) == (0, "hello from a container\n")
    listing = box("images").stdout.splitlines()
    assert listing[0].split() == ["REPOSITORY", "TAG", "IMAGE", "ID", "CREATED", "SIZE"]
    assert ["busybox", "latest"] in [row.split()[:2] for row in listing[1:]]
    assert box("ps").stdout.splitlines()[1:] == [], "nothing running"
    all_containers = box("ps", "-a").stdout
    assert "Exited (0)" in all_containers and '"echo hello from a c…"' in all_containers
    exited = box("ps", "-a", "-q", "-f", "status=exited").stdout.split()
    assert len(exited) == 1 and len(exited[0]) == 12
    assert box("rm", *exited).stdout.split() == exited
    assert box("ps", "-a", "-q").stdout == ""
    box("run", busybox, "true")
    box("run", busybox, "true")
    pruned = box("container", "prune", "-f")
    assert pruned.returncode == 0 and pruned.stdout.count("\n") >= 4
    removed = box("rmi", busybox)
    assert removed.returncode == 0 and "Untagged: busybox:latest" in removed.stdout
    assert "busybox" not in box("images").stdout


def test_run_rm_leaves_no_container(busybox: str) -> None:
    result = box("run", "--rm", busybox, "true")
    assert result.returncode == 0
    assert box("ps", "-a", "-q").stdout == ""


def test_exit_codes_follow_docker(busybox: str) -> None:
    assert box("run", "--rm", busybox, "sh", "-c", "exit 3").returncode == 3
    missing = box("run", "--rm", busybox, "/no/such/command")
    assert missing.returncode == 127 and "No such file or directory" in missing.stderr
    assert box("run", "--rm", busybox, "/etc/passwd").returncode == 126
    bad_flag = box("run", "--bogus", busybox)
    assert bad_flag.returncode == 125 and len(bad_flag.stderr.strip().splitlines()) == 1
    no_image = box("run", "nosuchimage")
    # Not here, so pulled from Docker Hub first, as `docker run` does; unreachable here or denied there: 125.
    assert no_image.returncode == 125 and "Unable to find image 'nosuchimage:latest' locally" in no_image.stderr


@pytest.mark.parametrize("args, message", [
    (("run", "-m", "1k", "busybox"), "minimum memory"),
    (("run", "-v", "relative:/x", "busybox"), "absolute"),
    (("run", "-v", "/tmp:/x/../../etc", "busybox"), "'..' is not allowed"),
    (("run", "--name", "../evil", "busybox"), "invalid container name"),
    (("run", "-e", "NOEQUALS", "busybox"), "KEY=VALUE"),
    (("rm", "nosuchcontainer"), "No such container"),
    (("ps", "-f", "status=sleeping"), "invalid status"),
    (("import", "/", "Bad:Name"), "invalid reference format"),
])
def test_bad_input_is_one_clear_line(busybox: str, args: tuple[str, ...], message: str) -> None:
    result = box(*args)
    assert result.returncode in (1, 125)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in result.stderr


def test_detached_container_logs_exec_inspect_stop(busybox: str) -> None:
    started = box("run", "-d", "--name", "web", "-e", "GREETING=hi", busybox, "sh", "-c", "echo $GREETING; exec sleep 60")
    assert started.returncode == 0 and len(started.stdout.strip()) == 64
    time.sleep(0.3)
    assert "Up " in box("ps").stdout
    assert box("logs", "web").stdout == "hi\n"
    inside = box("exec", "web", "sh", "-c", "echo $GREETING; hostname; cat /proc/1/cmdline | tr '\\0' ' '")
    assert inside.returncode == 0, inside.stderr
    greeting, hostname, init = inside.stdout.splitlines()
    assert greeting == "hi" and hostname == started.stdout[:12] and init.startswith("box-init")
    details = json.loads(box("inspect", "web").stdout)[0]
    assert details["State"]["Running"] and details["Name"] == "/web" and details["Config"]["Env"]
    assert box("stop", "-t", "5", "web").returncode == 0
    state = json.loads(box("inspect", "web").stdout)[0]["State"]
    assert state["Status"] == "exited" and state["ExitCode"] == 143  # sleep ended by the forwarded SIGTERM
    assert box("rm", "web").returncode == 0


def test_removing_a_running_container_needs_force(busybox: str) -> None:
    box("run", "-d", "--name", "busy", busybox, "sleep", "60")
    refused = box("rm", "busy")
    assert refused.returncode == 1 and "You cannot remove a running container" in refused.stderr
    assert box("rm", "-f", "busy").returncode == 0
    assert box("ps", "-a", "-q").stdout == ""


def test_an_image_in_use_cannot_be_removed(busybox: str) -> None:
    box("run", "--name", "user", busybox, "true")
    refused = box("rmi", busybox)
    assert refused.returncode == 1 and "is used by a container" in refused.stderr  # as docker rmi
    box("rm", "user")


def test_oom_killed_container_shows_in_ps_and_inspect(busybox: str) -> None:
    result = box("run", "--name", "hog", "-m", "32m", busybox, "/usr/bin/probe", "mem", "--mib", "128")
    assert result.returncode == 137
    assert "Exited (137)" in box("ps", "-a").stdout
    assert json.loads(box("inspect", "hog").stdout)[0]["State"]["OOMKilled"] is True
    box("rm", "hog")


def test_interactive_terminal_with_ctrl_c_and_ctrl_d(busybox: str) -> None:
    """`box run -it busybox sh`: a real terminal; Ctrl-C interrupts the command, Ctrl-D ends the shell."""
    argv = [sys.executable, "-m", "runtimes.box", "run", "-it", "--rm", busybox, "sh"]
    with Terminal.spawn(argv, {**os.environ, "PYTHONPATH": str(REPO)}) as term:
        term.read_until(b"# ", timeout=30)  # box's own start-up, on a loaded host
        term.write(b"tty; echo $((6*7))\r")
        out = term.read_until(b"\n42\r\n")  # the output line, not the echo of what was typed
        assert b"/dev/pts/" in out or b"/dev/console" in out
        term.read_until(b"# ")
        term.write(b"sleep 30\r")
        _wait_for_descendant(term.pid, "sleep")  # a Ctrl-C typed before sleep runs would only clear the line
        term.write(b"\x03")  # Ctrl-C: SIGINT for sleep, from the container's own terminal
        term.write(b"echo after-ctrl-c\r")
        term.read_until(b"\nafter-ctrl-c\r\n")  # again the output line: the echo has "echo " before it
        term.read_until(b"# ")
        term.write(b"\x04")  # Ctrl-D: end of input, the shell exits
        assert term.wait() == 0
    assert box("ps", "-a", "-q").stdout == ""


def test_ctrl_c_on_a_foreground_run_is_forwarded_and_nothing_is_left(busybox: str) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "runtimes.box", "run", "--rm", busybox, "sleep", "30"],
                            env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _wait_for_running()
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=20)
    assert proc.returncode == 130  # 128 + SIGINT, as the command itself ended
    assert box("ps", "-a", "-q").stdout == ""


def test_sigkill_of_box_kills_its_container_and_the_next_box_command_cleans_up(busybox: str) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "runtimes.box", "run", "--rm", busybox, "sleep", "30"],
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    _wait_for_running()
    proc.kill()
    proc.wait(timeout=10)
    deadline = time.monotonic() + 10
    while box("ps", "-a", "-q").stdout and time.monotonic() < deadline:
        time.sleep(0.1)
    assert box("ps", "-a", "-q").stdout == "", "the --rm container was removed once it was seen dead"


def _wait_for_descendant(pid: int, name: str, timeout: float = 20) -> None:
    """Until a process called ``name`` runs under ``pid`` (container processes are host processes too)."""
    def names() -> set[str]:
        found = set()
        for child in psutil.Process(pid).children(recursive=True):
            with contextlib.suppress(psutil.NoSuchProcess):  # a short-lived one may be gone already
                found.add(child.name())
        return found

    deadline = time.monotonic() + timeout
    while name not in names():
        assert time.monotonic() < deadline, f"{name} never started under {pid}"
        time.sleep(0.02)


def _wait_for_running(timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while "Up " not in box("ps").stdout:
        assert time.monotonic() < deadline, "container never came up"
        time.sleep(0.1)
