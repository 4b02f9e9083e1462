"""`box images [-q]`: list images, Docker's columns (REPOSITORY, TAG, IMAGE ID, CREATED, SIZE)."""

from __future__ import annotations

from runtimes.box import format
from runtimes.box.commands.common import engine
from runtimes.box.commands.options import Option, Verb, out, parse

VERB = Verb("images", "", most=0, options=(Option(("-q", "--quiet"), "quiet", "only image IDs"),))


def main(argv: list[str]) -> int:
    opts, _ = parse(VERB, argv)
    found = engine().images.list()
    if opts["quiet"]:
        for image in found:
            out(image.id.split(":")[1][:12])
        return 0
    rows = [[i.repository, i.tag, i.id.split(":")[1][:12], format.ago(i.created), format.size(i.size)] for i in found]
    out("\n".join(format.table(["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"], rows)))
    return 0
