"""`box logs CONTAINER`: what a detached container printed (its container.log, stdout and stderr together)."""

from __future__ import annotations

import sys

from runtimes.box.commands.common import engine
from runtimes.box.commands.options import Verb, parse

VERB = Verb("logs", "CONTAINER", least=1, most=1)


def main(argv: list[str]) -> int:
    _, (ref,) = parse(VERB, argv)
    log = engine().get(ref).dir / "container.log"
    if log.exists():
        sys.stdout.buffer.write(log.read_bytes())
        sys.stdout.buffer.flush()
    return 0
