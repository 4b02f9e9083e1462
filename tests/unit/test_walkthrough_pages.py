"""The walkthrough pages' markup, and the matcher the walkthrough test relies on (no root needed)."""

from __future__ import annotations

import pytest

from tests import walkthrough
from tests.conftest import REPO

EN, ES = REPO / "docs" / "walkthrough.md", REPO / "docs" / "walkthrough.es.md"


def test_both_languages_run_the_same_commands_with_the_same_output() -> None:
    english, spanish = walkthrough.load(EN), walkthrough.load(ES)
    assert [(s.command, s.expected, s.typed) for s in english] == [(s.command, s.expected, s.typed) for s in spanish]


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
