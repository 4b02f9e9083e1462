"""`box pull [-q] NAME[:TAG|@DIGEST]`: download an image from a registry, with Docker's progress and summary.

Also what `box run` calls when its image is missing. rich (the bars) and
the registry client are imported here only, so no other verb pays for them.
"""

from __future__ import annotations

import sys
from typing import TextIO

from runtimes.box import progress
from runtimes.box import pull as puller
from runtimes.box.commands.common import engine
from runtimes.box.commands.options import Option, Verb, out, parse
from runtimes.box.container import Engine
from runtimes.box.errors import BoxError

VERB = Verb("pull", "NAME[:TAG|@DIGEST]", least=1, most=1, options=(
    Option(("-q", "--quiet"), "quiet", "print only the image's reference"),
))


def pull(box: Engine, name: str, stream: TextIO, quiet: bool = False, for_run: bool = False) -> None:
    """Pull with Docker's output: progress bars on ``stream``, then the digest and the reference.

    ``docker run`` ends its pull at the "Status:" line; only ``docker pull`` names the reference after it.
    """
    if quiet:
        out(puller.pull(box.images, name).reference.canonical, err=stream is sys.stderr)
        return
    with progress.RichProgress(stream) as bars:
        result = puller.pull(box.images, name, bars)
    for line in progress.summary(result)[:2 if for_run else None]:
        out(line, err=stream is sys.stderr)


def main(argv: list[str]) -> int:
    opts, (name,) = parse(VERB, argv)
    box = engine()
    try:
        pull(box, name, sys.stdout, opts["quiet"])
    except (BoxError, OSError) as err:
        out(f"box: {err}", err=True)
        return 1  # docker pull's exit code for every failure
    return 0
