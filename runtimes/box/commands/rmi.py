"""`box rmi IMAGE...`: untag images, then delete the layers nothing else uses (`docker rmi`)."""

from __future__ import annotations

from runtimes.box.commands.common import engine
from runtimes.box.commands.options import Option, Verb, out, parse
from runtimes.box.errors import BoxError

VERB = Verb("rmi", "IMAGE [IMAGE...]", least=1, options=(
    Option(("-f", "--force"), "force", "accepted for Docker compatibility"),
))


def main(argv: list[str]) -> int:
    _, refs = parse(VERB, argv)
    box, failed = engine(), False
    for ref in refs:
        try:
            lines = box.images.remove(ref, in_use=box.in_use_images())
        except BoxError as err:  # as `docker rmi`: say so, go on with the others, exit 1 at the end
            out(f"Error: {err}", err=True)
            failed = True
            continue
        for line in lines:
            out(line)
    return 1 if failed else 0
