"""Docker and box side by side: the class deck's commands run under both, and compared by their shape.

The two outputs cannot be equal — container IDs, names and times differ — but
what a student or a script reads from them must be: the exit code, the
column headers, the number of lines, how long an ID is. Each command of the
deck runs on Docker's engine and then on box, from the same registry (the
class's mirror, tests/classroom.py), so the images are byte for byte the same
and even their IDs and digests must agree. The differences docs/box.md's table
lists on purpose (box version has no server part; pull's progress lines) are
checked as differences, so that table cannot go stale unnoticed either.
"""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

from runtimes import Image
from tests import classroom
from tests.conftest import REPO
from tests.envcheck import require_runtime, require_tool
from tests.registry import LocalRegistry
from tests.terminal import Terminal

FULL_ID = re.compile(r"\b[0-9a-f]{64}\b")
COLUMNS = re.compile(r" {2,}")  # both tools pad columns with at least two blanks, and no cell holds two


@dataclasses.dataclass(frozen=True)
class Outcome:
    code: int
    stdout: str
    stderr: str


@dataclasses.dataclass(frozen=True)
class Tool:
    """`docker` or `box`, with the environment that points it at the class's registry and its own store."""

    name: str
    argv0: tuple[str, ...]
    env: Mapping[str, str]

    def __call__(self, *args: str, stdin: str = "") -> Outcome:
        done = subprocess.run([*self.argv0, *args], input=stdin, capture_output=True, text=True, timeout=120,
                              env={**os.environ, **self.env})
        return Outcome(done.returncode, done.stdout, done.stderr)

    def in_terminal(self, *args: str, typed: tuple[str, ...]) -> Outcome:
        """Run in a pty, typing each line after busybox's prompt; the transcript and the exit code."""
        with Terminal.spawn([*self.argv0, *args], {**os.environ, **self.env}) as term:
            shown = b""
            for line in typed:
                shown += term.read_until(b"/ # ", timeout=30)
                term.write(line.encode() + b"\r")
            shown += term.read_to_end(timeout=60)
            code = term.wait()
        return Outcome(code, shown.decode(errors="replace"), "")


def table(text: str) -> tuple[list[str], list[list[str]]]:
    """A docker-style table: its header cells and its rows' cells."""
    lines = text.rstrip("\n").splitlines()
    return COLUMNS.split(lines[0].strip()), [COLUMNS.split(line.strip()) for line in lines[1:]]


def ids(text: str) -> list[str]:
    return text.split()


def lesson(tool: Tool) -> dict[str, Outcome]:
    """The deck's commands in the class's order (and the mistakes a class makes), on one tool."""
    seen: dict[str, Outcome] = {}
    seen["version"] = tool("version")
    seen["run hello-world"] = tool("run", "hello-world")
    seen["pull busybox"] = tool("pull", "busybox")
    seen["images"] = tool("images")
    seen["ps"] = tool("ps")
    seen["run -it busybox sh"] = tool.in_terminal("run", "-it", "busybox", "sh", typed=("hostname", "exit 3"))
    seen["ps -a"] = tool("ps", "-a")
    seen["ps -a -q -f status=exited"] = exited = tool("ps", "-a", "-q", "-f", "status=exited")
    seen["rmi busybox, still used"] = tool("rmi", "busybox")
    seen["rm ID"] = tool("rm", ids(exited.stdout)[-1])
    seen["rm nosuchcontainer"] = tool("rm", "nosuchcontainer")
    seen["rm $(ps -a -q -f status=exited)"] = tool("rm", *ids(tool("ps", "-a", "-q", "-f", "status=exited").stdout))
    seen["rm $(ps -a -q -f status=exited), none exited"] = tool("rm")
    seen["ps -f status=sleeping"] = tool("ps", "-f", "status=sleeping")
    seen["run --bogus busybox"] = tool("run", "--bogus", "busybox")
    seen["run --rm busybox nosuchcommand"] = tool("run", "--rm", "busybox", "nosuchcommand")
    seen["run --rm busybox /etc"] = tool("run", "--rm", "busybox", "/etc")
    tool("run", "busybox", "true")
    tool("run", "busybox", "sh", "-c", "exit 2")
    seen["container prune, answered N"] = tool("container", "prune", stdin="N\n")
    seen["container prune, answered y"] = tool("container", "prune", stdin="y\n")
    seen["container prune -f, nothing to prune"] = tool("container", "prune", "-f")
    seen["rmi nosuchimage"] = tool("rmi", "nosuchimage")
    seen["rmi busybox hello-world"] = tool("rmi", "busybox", "hello-world")
    seen["images, at the end"] = tool("images")
    return seen


# -- what must agree, command by command -------------------------------------------------
Check = Callable[[Outcome, Outcome], None]


def same_code(docker: Outcome, box: Outcome) -> None:
    assert box.code == docker.code, f"exit code: docker {docker.code}, box {box.code}"


def same_table(docker: Outcome, box: Outcome) -> None:
    (d_head, d_rows), (b_head, b_rows) = table(docker.stdout), table(box.stdout)
    assert b_head == d_head, f"columns: docker {d_head}, box {b_head}"
    assert len(b_rows) == len(d_rows), f"rows: docker {len(d_rows)}, box {len(b_rows)}"
    assert [len(r[0]) for r in b_rows] == [len(r[0]) for r in d_rows], "ID lengths differ"


def same_images(docker: Outcome, box: Outcome) -> None:
    """The same bytes from the same registry: the very same rows, IDs and sizes included.

    In any order: both list the newest first, and the test's images share one
    creation time, between which neither tool promises an order.
    """
    (d_head, d_rows), (b_head, b_rows) = table(docker.stdout), table(box.stdout)
    assert b_head == d_head, f"columns: docker {d_head}, box {b_head}"
    assert sorted(b_rows) == sorted(d_rows)


def same_containers(docker: Outcome, box: Outcome) -> None:
    """Everything but the ID, the name and the times: IMAGE, COMMAND and how STATUS begins."""
    same_table(docker, box)
    def gist(rows: list[list[str]]) -> list[tuple[str, str, str]]:
        return [(r[1], r[2], r[4].split(")")[0]) for r in rows]
    assert gist(table(box.stdout)[1]) == gist(table(docker.stdout)[1])


def same_ids(docker: Outcome, box: Outcome) -> None:
    assert [len(i) for i in ids(box.stdout)] == [len(i) for i in ids(docker.stdout)], \
        f"IDs: docker {ids(docker.stdout)}, box {ids(box.stdout)}"


def same_stdout(docker: Outcome, box: Outcome) -> None:
    assert box.stdout == docker.stdout, f"docker printed {docker.stdout!r}, box {box.stdout!r}"


def same_prune_report(docker: Outcome, box: Outcome) -> None:
    """Prompt, "Deleted Containers:", one full ID a line, the total: only the IDs and the byte count may differ."""
    def shape(text: str) -> str:
        return re.sub(r"(Total reclaimed space:) \S+", r"\1 N", FULL_ID.sub("ID", text))
    assert shape(box.stdout) == shape(docker.stdout), f"docker printed {docker.stdout!r}, box {box.stdout!r}"


def same_pull_report(docker: Outcome, box: Outcome) -> None:
    """Every line but the per-layer progress (box draws bars): the digest too, from the same registry."""
    def report(text: str) -> list[str]:
        return [line for line in text.splitlines() if not re.match(r"[0-9a-f]{12}\b", line)]
    assert report(box.stdout) == report(docker.stdout)


def same_pull_before_running(docker: Outcome, box: Outcome) -> None:
    """`run` of an image not here: the program's own output, after the same first and last lines of the pull."""
    same_stdout(docker, box)
    d_err, b_err = docker.stderr.splitlines(), box.stderr.splitlines()
    assert (b_err[0], b_err[-1]) == (d_err[0], d_err[-1]), f"docker said {d_err}, box {b_err}"


def same_terminal_session(docker: Outcome, box: Outcome) -> None:
    assert "/ # " in docker.stdout and "/ # " in box.stdout


def same_rmi_report(docker: Outcome, box: Outcome) -> None:
    """Untagged lines alike, in order; what is "Deleted" differs (Docker's layer store, box's OCI blobs)."""
    def untagged(text: str) -> list[str]:
        return [line for line in text.splitlines() if line.startswith("Untagged: ") and "@" not in line]
    assert untagged(box.stdout) == untagged(docker.stdout)


def one_line_error(docker: Outcome, box: Outcome) -> None:
    lines = box.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in box.stderr, f"box's error is not one line: {box.stderr!r}"


AGREE: dict[str, tuple[Check, ...]] = {
    "version": (same_code,),
    "run hello-world": (same_code, same_pull_before_running),
    "pull busybox": (same_code, same_pull_report),
    "images": (same_code, same_images),
    "ps": (same_code, same_table),
    "run -it busybox sh": (same_code, same_terminal_session),
    "ps -a": (same_code, same_containers),
    "ps -a -q -f status=exited": (same_code, same_ids),
    "rmi busybox, still used": (same_code, one_line_error),
    "rm ID": (same_code, same_ids),  # each echoes the ID it was given
    "rm nosuchcontainer": (same_code, one_line_error),
    "rm $(ps -a -q -f status=exited)": (same_code, same_ids),
    "rm $(ps -a -q -f status=exited), none exited": (same_code, one_line_error),
    "ps -f status=sleeping": (same_code, one_line_error),
    "run --bogus busybox": (same_code, one_line_error),
    "run --rm busybox nosuchcommand": (same_code, one_line_error),
    "run --rm busybox /etc": (same_code, one_line_error),
    "container prune, answered N": (same_code, same_stdout),
    "container prune, answered y": (same_code, same_prune_report),
    "container prune -f, nothing to prune": (same_code, same_prune_report),
    "rmi nosuchimage": (same_code, one_line_error),
    "rmi busybox hello-world": (same_code, same_rmi_report),
    "images, at the end": (same_code, same_table),
}
EXPECTED_CODES = {"run -it busybox sh": 3, "rmi busybox, still used": 1, "rm nosuchcontainer": 1,
                  "rm $(ps -a -q -f status=exited), none exited": 1, "ps -f status=sleeping": 1,
                  "run --bogus busybox": 125, "run --rm busybox nosuchcommand": 127, "run --rm busybox /etc": 126,
                  "rmi nosuchimage": 1}


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory, image: Image) -> Iterator[LocalRegistry]:
    require_tool("docker-registry", "docker-registry")
    require_tool("skopeo", "skopeo")
    with LocalRegistry(tmp_path_factory.mktemp("registry")) as started:
        classroom.fill(started, image.rootfs)
        yield started


@pytest.fixture
def docker(registry: LocalRegistry) -> Iterator[Tool]:
    with classroom.docker_engine(registry) as engine:
        if engine.skip:
            pytest.skip(engine.skip)
        tool = Tool("docker", (require_tool("docker", "docker.io"),), engine.env)  # a path: the pty helper execs it
        try:
            yield tool
        finally:  # whatever a failed step left in the engine the test started
            for args in (("rm", "-f", *ids(tool("ps", "-a", "-q").stdout)), ("rmi", "-f", "busybox", "hello-world")):
                tool(*args)


@pytest.fixture
def box(registry: LocalRegistry, tmp_path: Path) -> Iterator[Tool]:
    """box with a store of its own, so that `box images` lists what this lesson pulled and nothing else."""
    require_runtime("box")
    tool = Tool("box", (sys.executable, "-m", "runtimes.box"),
                {**registry.mirror_env(), "BOX_ROOT": str(tmp_path / "box"), "PYTHONPATH": str(REPO)})
    try:
        yield tool
    finally:
        tool("rm", "-f", *ids(tool("ps", "-a", "-q").stdout))


def test_the_deck_commands_agree_on_docker_and_box(docker: Tool, box: Tool) -> None:
    on_docker, on_box = lesson(docker), lesson(box)
    assert set(on_docker) == set(AGREE), "a command of the lesson has no comparison, or a comparison no command"
    differences = []
    for command, checks in AGREE.items():
        for check in checks:
            try:
                check(on_docker[command], on_box[command])
            except AssertionError as err:
                differences.append(f"`{command}`: {check.__name__}: {err}")
    assert not differences, "box differs from Docker:\n" + "\n".join(differences)
    for command, code in EXPECTED_CODES.items():
        assert on_docker[command].code == code, f"Docker itself changed: `{command}` exited {on_docker[command].code}"
    # The differences docs/box.md's table names on purpose.
    assert "Server:" in on_docker["version"].stdout and "Server:" not in on_box["version"].stdout
    assert table(on_docker["images, at the end"].stdout)[1] == [] == table(on_box["images, at the end"].stdout)[1]
