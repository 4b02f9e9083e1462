"""`box container prune [-f]`: remove every stopped container, with Docker's prompt and "reclaimed space"."""

from __future__ import annotations

import sys

from runtimes.box import format
from runtimes.box.commands.common import engine
from runtimes.box.commands.options import Option, Verb, out, parse
from runtimes.box.images import tree_size
from runtimes.box.state import Status

VERB = Verb("container prune", "", most=0, options=(
    Option(("-f", "--force"), "force", "do not ask for confirmation"),
))


def main(argv: list[str]) -> int:
    opts, _ = parse(VERB, argv)
    if not opts["force"] and not confirmed("WARNING! This will remove all stopped containers.\n"
                                           "Are you sure you want to continue? [y/N] "):
        return 0  # docker exits 0 on "no" (and on end of input) too
    box = engine()
    # What each container wrote (its upper dir) is what removing it gives back: Docker's "reclaimed space".
    written = {c.id: tree_size(c.dir / "upper") for c in box.list(all=True) if c.state.status is not Status.RUNNING}
    removed = box.prune()
    if removed:
        out("Deleted Containers:")
        out("\n".join(removed) + "\n")
    out(f"Total reclaimed space: {format.size(sum(written.get(cid, 0) for cid in removed))}")
    return 0


def confirmed(question: str) -> bool:
    """Docker's prompt: one line read from stdin, yes only for "y" or "Y"; end of input is no."""
    out(question, end="")
    return sys.stdin.readline().strip() in ("y", "Y")
