"""The walkthrough pages' markup, and the matcher the walkthrough test relies on (no root needed)."""

from __future__ import annotations

import pytest

from tests import walkthrough
from tests.conftest import REPO

EN, ES = REPO / "docs" / "walkthrough.md", REPO / "docs" / "walkthrough.es.md"


def test_both_languages_run_the_same_commands_with_the_same_output() -> None:
    english, spanish = walkthrough.load(EN), walkthrough.load(ES)
    assert [(s.command, s.expected, s.typed) for s in english] == [(s.command, s.expected, s.typed) for s in spanish]


# The class deck's commands (the seed's "Comandos útiles"), each shown on Docker and then on box.
DECK = ("version", "run hello-world", "pull busybox", "images", "ps", "ps -a", "run -it busybox sh", "rm",
        "rm $({tool} ps -a -q -f status=exited)", "container prune", "rmi")


@pytest.mark.parametrize("page", (EN, ES), ids=lambda p: p.name)
def test_every_deck_command_is_shown_on_docker_then_on_box(page) -> None:
    steps = walkthrough.load(page)
    for command in DECK:
        where = {}
        for tool in ("docker", "box"):
            wanted = f"{tool} {command.format(tool=tool)}"
            found = [i for i, s in enumerate(steps) if s.command == wanted or s.command.startswith(wanted + " ")
                     or (command == "rm" and s.command.startswith(f"{tool} rm $("))]
            assert found, f"{page.name}: no step runs `{wanted}`"
            assert all(steps[i].docker == (tool == "docker") for i in found), f"{wanted}: marked for the wrong pass"
            where[tool] = found[0]
        assert where["docker"] < where["box"], f"{page.name}: `{command}` is shown on box before Docker"


def test_the_page_covers_the_lesson() -> None:
    text = "\n".join(f"{s.command}\n" + "\n".join(s.expected) for s in walkthrough.load(EN))
    for needed in ("chroot", "probe escape", "escaped=1", "escaped=0", "vz start", "box version", "box pull busybox",
                   "box images", "box ps", "box ps -a", "box rm $(box ps -a -q -f status=exited)",
                   "box container prune", "box rmi", "upperdir=", "UpperDir", "bench run all"):
        assert needed in text, needed
    assert any(s.tty and s.command == "box run -it busybox sh" for s in walkthrough.load(EN))


def test_a_block_without_a_marker_is_refused() -> None:
    with pytest.raises(ValueError, match="line 1: a shell block needs a marker"):
        walkthrough.steps("```console\n$ true\n```\n")


def test_commands_expected_output_and_typed_lines_are_read() -> None:
    page = ("```console step\n$ echo a\na\n$ echo b\n```\n"
            "```console tty\n$ box run -it busybox sh\n/ # hostname\n…\n/ # exit\n```\n"
            "```console step test-as=\"bench run all --quick\"\n$ bench run all\nreport: …\n```\n"
            "```sh laptop\nvagrant up\n```\n")
    got = walkthrough.steps(page)
    assert [(s.command, s.expected) for s in got] == [("echo a", ("a",)), ("echo b", ()), ("box run -it busybox sh", ("…",)),
                                                      ("bench run all --quick", ("report: …",))]
    assert got[2].tty and got[2].typed == ("hostname", "exit")


def test_docker_steps_and_a_prompt_of_the_blocks_own() -> None:
    page = ("```console tty docker prompt=\"[y/N] \"\n$ docker container prune\nWARNING! …\n"
            "Are you sure you want to continue? [y/N] y\nTotal reclaimed space: …\n```\n"
            "```console step\n$ box ps\n```\n```sh teacher\nsystemctl restart docker\n```\n")
    prune, ps = walkthrough.steps(page)
    assert prune.docker and prune.tty and prune.prompt == "[y/N] " and prune.typed == ("y",)
    assert prune.expected == ("WARNING! …", "Total reclaimed space: …")
    assert not ps.docker and ps.prompt == walkthrough.PROMPT


@pytest.mark.parametrize("expected, printed, missing", [
    (("CT 2005 is running: init is host PID …, ready in … ms",), "CT 2005 is running: init is host PID 42, ready in 23 ms\n", None),
    (("exit code 137",), "exit code 0\n", "exit code 137"),
    (("a", "b"), "b\na\n", "b"),                                   # order matters
    (("1 root     box-init …",), "    1 root  box-init --tty\n", None),  # blanks are blanks, any number
    (("escaped=0",), "BENCH escaped=0 errno=0\n", "escaped=0"),       # a shown line is a whole line
    (("/ # hostname",), "/ # \x1b[6nhostname\r\n", None),            # terminal escapes are ignored
])
def test_output_matching(expected: tuple[str, ...], printed: str, missing: str | None) -> None:
    assert walkthrough.missing_output(expected, printed) == missing
