"""`box stop [-t SECONDS] CONTAINER...`: SIGTERM (box-init passes it on), then SIGKILL, as `docker stop`."""

from __future__ import annotations

from runtimes.box.commands import values
from runtimes.box.commands.common import each
from runtimes.box.commands.options import Option, Verb, parse

VERB = Verb("stop", "CONTAINER [CONTAINER...]", least=1, options=(
    Option(("-t", "--time"), "timeout", "seconds to wait after SIGTERM before SIGKILL", "int",
           values.int_range(0, 3600), default=10),
))


def main(argv: list[str]) -> int:
    opts, containers = parse(VERB, argv)
    return each(containers, lambda box, c: box.stop(c, opts["timeout"]))
