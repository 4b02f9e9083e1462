"""The class walkthrough (docs/walkthrough*.md) as data: its commands, in order, with their expected output.

Fenced blocks carry a marker after the language (```` ```console step ````):

- ``step``    each ``$ `` line is a command; the lines below it, its expected output;
- ``tty``     one ``$ `` command run in a terminal; what follows the prompt on a line is typed
              (the prompt is busybox's ``/ # `` unless the block says ``prompt="…"``);
- ``docker``  (with ``step`` or ``tty``) a command for Docker's engine, run against the test's engine;
- ``pull``    (with ``step``) its ``box pull`` goes to the test's local registry;
- ``test-as="CMD"`` the test runs CMD instead of the block's one command;
- ``laptop``, ``setup``, ``teacher``  not run: the laptop's commands, the shell every step gets,
              and the teacher's one-off set-up of the classroom's Docker engine.

Expected output is matched line by line, in order, each shown line against
one printed line, ``…`` matching anything and any run of blanks any other;
printed lines the page leaves out may come in between.
"""

from __future__ import annotations

import dataclasses
import re
import shlex
from pathlib import Path

SHELL_LANGUAGES = {"console", "sh", "shell", "bash"}
RUN_MARKERS = {"step", "tty"}
NOT_RUN_MARKERS = {"laptop", "setup", "teacher"}
PROMPT = "/ # "  # busybox sh's prompt as root in /, inside a container
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\r")


@dataclasses.dataclass(frozen=True)
class Step:
    command: str
    expected: tuple[str, ...]
    typed: tuple[str, ...] = ()   # tty: what is typed at the prompt, in order
    tty: bool = False
    pull: bool = False
    docker: bool = False          # for Docker's engine, not box
    prompt: str = PROMPT          # tty: what the program shows before each typed line
    line: int = 0                 # where in the page, for messages


@dataclasses.dataclass(frozen=True)
class Block:
    markers: frozenset[str]
    options: dict[str, str]
    lines: tuple[str, ...]
    line: int


def blocks(text: str) -> list[Block]:
    """Every fenced shell block, with the words after its language split into markers and options."""
    found, current, info, start = [], None, "", 0
    for number, line in enumerate(text.splitlines(), 1):
        if current is None and line.startswith("```") and line[3:].split()[:1] and line[3:].split()[0] in SHELL_LANGUAGES:
            current, info, start = [], line[3:], number
        elif current is not None and line.strip() == "```":
            words = shlex.split(info)[1:]
            options = dict(w.split("=", 1) for w in words if "=" in w)
            found.append(Block(frozenset(w for w in words if "=" not in w), options, tuple(current), start))
            current = None
        elif current is not None:
            current.append(line)
    return found


def steps(text: str) -> list[Step]:
    """The commands to run, in page order. A block with no known marker is an error, never skipped."""
    out: list[Step] = []
    for block in blocks(text):
        if block.markers & NOT_RUN_MARKERS:
            continue
        if not block.markers & RUN_MARKERS:
            raise ValueError(f"line {block.line}: a shell block needs a marker: step, tty, laptop, setup or teacher")
        block_steps = _tty_step(block) if "tty" in block.markers else _console_steps(block)
        if "test-as" in block.options:
            if len(block_steps) != 1:
                raise ValueError(f"line {block.line}: test-as needs a block with exactly one command")
            block_steps = [dataclasses.replace(block_steps[0], command=block.options["test-as"])]
        out += [dataclasses.replace(s, docker="docker" in block.markers) for s in block_steps]
    return out


def _console_steps(block: Block) -> list[Step]:
    out: list[Step] = []
    for offset, line in enumerate(block.lines, 1):
        if line.startswith("$ "):
            out.append(Step(line[2:], (), pull="pull" in block.markers, line=block.line + offset))
        elif out and line.strip():
            out[-1] = dataclasses.replace(out[-1], expected=(*out[-1].expected, line))
        elif line.strip():
            raise ValueError(f"line {block.line + offset}: output before any '$ ' command")
    return out


def _tty_step(block: Block) -> list[Step]:
    first, *rest = block.lines
    if not first.startswith("$ "):
        raise ValueError(f"line {block.line + 1}: a tty block starts with its '$ ' command")
    prompt = block.options.get("prompt", PROMPT)
    typed = tuple(line.split(prompt, 1)[1] for line in rest if prompt in line)
    expected = tuple(line for line in rest if line.strip() and prompt not in line)
    return [Step(first[2:], expected, typed=typed, tty=True, prompt=prompt, line=block.line + 1)]


def _pattern(shown: str) -> re.Pattern[str]:
    parts = [r"\s+" if p.isspace() else ".*" if p == "…" else re.escape(p) for p in re.split(r"(\s+|…)", shown.strip()) if p]
    return re.compile("".join(parts))


def missing_output(expected: tuple[str, ...], printed: str) -> str | None:
    """The first expected line not found (in order) in what was printed, or None when all were."""
    lines = [ln.strip() for ln in ANSI.sub("", printed).splitlines()]
    position = 0
    for shown in expected:
        pattern = _pattern(shown)
        while position < len(lines) and not pattern.fullmatch(lines[position]):
            position += 1
        if position == len(lines):
            return shown
        position += 1
    return None


def load(path: Path) -> list[Step]:
    return steps(path.read_text())
