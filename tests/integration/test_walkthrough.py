"""The class walkthrough, run as written: every command of docs/walkthrough.md and its Spanish twin.

Each file runs from its first command to its last, in order, as root, in a
scratch directory, with the suite's commands on the PATH (the page's
"setup" block) and this session's private box and vz state. A command must
exit with 0 and print the output the page shows (tests/walkthrough.py says
how it is matched); a terminal session (``tty``) is driven through a pty.
So the lesson cannot rot: a renamed option or a changed message fails here.
"""

from __future__ import annotations

import os
import pty
import select
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from runtimes import Image
from tests import walkthrough
from tests.conftest import REPO
from tests.envcheck import require_runtime, require_tool
from tests.registry import LocalRegistry
from tests.terminal import read_until

PAGES = (REPO / "docs" / "walkthrough.md", REPO / "docs" / "walkthrough.es.md")
JAIL = Path("/tmp/jail")  # the page's chroot directory
STEP_TIMEOUT_S = 120


def shell_env(workdir: Path) -> dict[str, str]:
    """What `sudo -i; . .venv/bin/activate` gives the class, with this test session's state directories."""
    venv_bin = REPO / ".venv" / "bin"
    return {**os.environ, "PATH": f"{venv_bin}:{os.environ.get('PATH', '/usr/sbin:/usr/bin:/sbin:/bin')}",
            "VIRTUAL_ENV": str(venv_bin.parent), "ISOBENCH_REPORTS": str(workdir / "reports"), "TERM": "xterm",
            "HOME": str(workdir)}


def run_plain(step: walkthrough.Step, workdir: Path, env: dict[str, str]) -> str:
    result = subprocess.run(["bash", "-o", "pipefail", "-c", step.command], cwd=workdir, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=STEP_TIMEOUT_S)
    assert result.returncode == 0, f"line {step.line}: `{step.command}` exited {result.returncode}:\n{result.stdout}"
    return result.stdout


def run_in_terminal(step: walkthrough.Step, workdir: Path, env: dict[str, str]) -> str:
    """Type each line at the container's prompt, as a student would; the shell must exit with 0."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: never returns into pytest, whatever happens
        try:
            os.chdir(workdir)
            os.execve("/bin/bash", ["bash", "-c", step.command], env)
        finally:
            os._exit(127)
    transcript, status = b"", None
    try:
        for line in step.typed:
            transcript += read_until(fd, walkthrough.PROMPT.encode(), timeout=30)
            os.write(fd, line.encode() + b"\r")
        transcript += _drain(fd, deadline=time.monotonic() + STEP_TIMEOUT_S)
        _, status = os.waitpid(pid, 0)
    finally:
        os.close(fd)
        if status is None:  # a step failed or hung: take the session down with it
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, f"line {step.line}: `{step.command}` ended with {status}"
    return transcript.decode(errors="replace")


def _drain(fd: int, deadline: float) -> bytes:
    """Everything the terminal prints until the program on it exits (read gives EIO on Linux then)."""
    out = b""
    while time.monotonic() < deadline:
        if not select.select([fd], [], [], 0.1)[0]:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            return out
        if not chunk:
            return out
        out += chunk
    raise AssertionError(f"the terminal session did not end; it printed:\n{out.decode(errors='replace')}")


@pytest.fixture
def workdir(tmp_path: Path):
    """A scratch directory for the page's commands; /tmp/jail is removed even if a step failed midway."""
    assert not JAIL.exists(), f"{JAIL} exists already: the page's chroot step would copy into it"
    yield tmp_path
    shutil.rmtree(JAIL, ignore_errors=True)


@pytest.fixture
def cleanup_on_failure():
    """If a step fails midway, remove what the page would have removed by its end (containers, CT, image)."""
    yield
    env = shell_env(Path("/tmp"))
    for command in ("box rm -f $(box ps -a -q) 2>/dev/null", "vz stop --fast 2005; vz destroy 2005", "box rmi busybox"):
        subprocess.run(["bash", "-c", command], env=env, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory, image: Image):
    """A real registry on loopback holding the suite's image as library/busybox: the classroom's mirror of Docker Hub."""
    require_tool("docker-registry", "docker-registry")
    require_tool("skopeo", "skopeo")
    with LocalRegistry(tmp_path_factory.mktemp("registry")) as started:
        started.push_busybox(image.rootfs)
        yield started


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_command_of_the_walkthrough(page: Path, registry: LocalRegistry, workdir: Path,
                                          cleanup_on_failure: None) -> None:
    require_runtime("box")
    require_runtime("openvz")
    steps = walkthrough.load(page)
    assert len(steps) >= 30, "the page lost its commands"
    env = {**shell_env(workdir), **registry.mirror_env()}  # `box pull busybox` as in a class with a mirror
    assert any(s.pull and s.command == "box pull busybox" for s in steps)
    for step in steps:
        printed = run_in_terminal(step, workdir, env) if step.tty else run_plain(step, workdir, env)
        missing = walkthrough.missing_output(step.expected, printed)
        assert missing is None, f"{page.name} line {step.line}: `{step.command}` did not print {missing!r}; it printed:\n{printed}"
