"""What several verbs share: the engine (root only), Docker's "the daemon refused" exit 1, one action per container."""

from __future__ import annotations

import os
from collections.abc import Callable

from runtimes.box.commands.options import out
from runtimes.box.container import Container, Engine
from runtimes.box.errors import BoxError


class Refused(BoxError):
    """What Docker's daemon refuses (an invalid filter…): the docker client then exits 1, not 125."""

    exit_code = 1


def engine() -> Engine:
    if os.geteuid() != 0:
        raise BoxError("box needs root (namespaces, mounts, cgroups): run it with sudo")
    return Engine()


def each(refs: list[str], action: Callable[[Engine, Container], None]) -> int:
    """Apply ``action`` to every container, naming each done; one line per failure; 1 if any failed (`docker rm`)."""
    box, failed = engine(), False
    for ref in refs:
        try:
            action(box, box.get(ref))
            out(ref)
        except BoxError as err:
            out(f"Error: {err}", err=True)
            failed = True
    return 1 if failed else 0
