"""The class walkthrough, run as written: every command of docs/walkthrough.md and its Spanish twin.

Each file runs from its first command to its last, in order, as root, in a
scratch directory, with the suite's commands on the PATH (the page's
"setup" block) and this session's private box and vz state. A command must
exit with 0 and print the output the page shows (tests/walkthrough.py says
how it is matched); a terminal session (``tty``) is driven through a pty.
So the lesson cannot rot: a renamed option or a changed message fails here.

The page's Docker commands (blocks marked ``docker``) run in a pass of their
own, against a Docker engine whose registry mirror is the test's local
registry (tests/classroom.py), as in a class without internet; that pass
must leave the engine with no container and no image.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from runtimes import Image
from tests import classroom, walkthrough
from tests.conftest import REPO
from tests.envcheck import require_runtime, require_tool
from tests.registry import LocalRegistry
from tests.terminal import Terminal

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


def run_in_terminal(step: walkthrough.Step, workdir: Path, env: Mapping[str, str]) -> str:
    """Type each line after the program's prompt, as a student would; the program must exit with 0."""
    argv = ["/bin/bash", "-c", f"cd {shlex.quote(str(workdir))} && {step.command}"]
    with Terminal.spawn(argv, env) as term:  # a failed or hung session is killed, with all it started
        transcript = b""
        for line in step.typed:
            transcript += term.read_until(step.prompt.encode(), timeout=30)
            term.write(line.encode() + b"\r")
        transcript += term.read_to_end(timeout=STEP_TIMEOUT_S)
        code = term.wait(timeout=STEP_TIMEOUT_S)
    printed = transcript.decode(errors="replace")
    assert code == 0, f"line {step.line}: `{step.command}` exited {code}; it showed:\n{printed}"
    return printed


@pytest.fixture
def workdir(tmp_path: Path):
    """A scratch directory for the page's commands; /tmp/jail is removed even if a step failed midway."""
    assert not JAIL.exists(), f"{JAIL} exists already: the page's chroot step would copy into it"
    yield tmp_path
    shutil.rmtree(JAIL, ignore_errors=True)


def _remove(commands: tuple[str, ...], env: Mapping[str, str]) -> None:
    for command in commands:
        subprocess.run(["bash", "-c", command], env=env, capture_output=True, timeout=60)


@pytest.fixture
def cleanup_on_failure():
    """If a step fails midway, remove what the page would have removed by its end (containers, CT, images)."""
    yield
    _remove(("box rm -f $(box ps -a -q) 2>/dev/null", "vz stop --fast 2005; vz destroy 2005",
             "box rmi busybox hello-world"), shell_env(Path("/tmp")))


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory, image: Image) -> Iterator[LocalRegistry]:
    """A real registry on loopback with busybox (the suite's image) and hello-world: the classroom's mirror."""
    require_tool("docker-registry", "docker-registry")
    require_tool("skopeo", "skopeo")
    with LocalRegistry(tmp_path_factory.mktemp("registry")) as started:
        classroom.fill(started, image.rootfs)
        yield started


@pytest.fixture(scope="module")
def docker(registry: LocalRegistry) -> Iterator[classroom.ClassEngine]:
    """Docker's engine with the registry as its mirror, for this module; stopped (if we started it) at the end."""
    with classroom.docker_engine(registry) as engine:
        yield engine


def run_steps(page: Path, steps: list[walkthrough.Step], workdir: Path, env: Mapping[str, str]) -> None:
    for step in steps:
        printed = run_in_terminal(step, workdir, env) if step.tty else run_plain(step, workdir, env)
        missing = walkthrough.missing_output(step.expected, printed)
        assert missing is None, f"{page.name} line {step.line}: `{step.command}` did not print {missing!r}; it printed:\n{printed}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_command_of_the_walkthrough(page: Path, registry: LocalRegistry, workdir: Path,
                                          cleanup_on_failure: None) -> None:
    require_runtime("box")
    require_runtime("openvz")
    steps = [s for s in walkthrough.load(page) if not s.docker]
    assert len(steps) >= 30, "the page lost its commands"
    env = {**shell_env(workdir), **registry.mirror_env()}  # `box pull busybox` as in a class with a mirror
    assert any(s.pull and s.command == "box pull busybox" for s in steps)
    run_steps(page, steps, workdir, env)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_docker_command_of_the_walkthrough(page: Path, docker: classroom.ClassEngine, workdir: Path) -> None:
    """The deck's commands on real Docker, pulling from the class's registry; the page's own clean-up leaves nothing."""
    if docker.skip:
        pytest.skip(docker.skip)
    steps = [s for s in walkthrough.load(page) if s.docker]
    assert len(steps) >= 12, "the page lost Docker's commands"
    env = {**shell_env(workdir), **docker.env}
    try:
        run_steps(page, steps, workdir, env)
        left = classroom.docker_client(docker.env, "ps", "-a", "-q").stdout + classroom.docker_client(
            docker.env, "images", "-q").stdout
        assert not left.split(), f"the page's clean-up left containers or images in Docker's engine: {left.split()}"
    finally:  # a step failed midway: what the page would have removed by its end
        _remove(("docker rm -f $(docker ps -a -q) 2>/dev/null", "docker rmi -f busybox hello-world"), env)
