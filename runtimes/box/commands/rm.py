"""`box rm [-f] CONTAINER...`: remove containers (a running one only with -f, which kills it first)."""

from __future__ import annotations

from runtimes.box.commands.common import each
from runtimes.box.commands.options import Option, Verb, parse

VERB = Verb("rm", "CONTAINER [CONTAINER...]", least=1, options=(
    Option(("-f", "--force"), "force", "kill and remove a running container"),
))


def main(argv: list[str]) -> int:
    opts, containers = parse(VERB, argv)
    return each(containers, lambda box, c: box.remove(c, force=opts["force"]))
