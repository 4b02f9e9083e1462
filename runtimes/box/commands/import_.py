"""`box import SOURCE NAME[:TAG]`: make an image of one layer from a root filesystem directory or tarball."""

from __future__ import annotations

from pathlib import Path

from runtimes.box.commands import values
from runtimes.box.commands.common import engine
from runtimes.box.commands.options import UsageProblem, Verb, out, parse, shown

VERB = Verb("import", "SOURCE NAME[:TAG]", least=2, most=2)


def main(argv: list[str]) -> int:
    _, (source, name) = parse(VERB, argv)
    try:
        values.existing_path(source)
    except ValueError as err:
        raise UsageProblem(f"invalid argument {shown(source)} for SOURCE: {err} (see 'box import --help')") from None
    out(engine().images.import_rootfs(Path(source), name).id)
    return 0
