"""`box ps [-a] [-q] [-f status=…|name=…] [--no-trunc]`: list containers, Docker's columns."""

from __future__ import annotations

from runtimes.box import format
from runtimes.box.commands.common import Refused, engine
from runtimes.box.commands.options import Option, Verb, out, parse
from runtimes.box.container import Container
from runtimes.box.state import Status

VERB = Verb("ps", "", most=0, options=(
    Option(("-a", "--all"), "all", "also containers that are not running"),
    Option(("-q", "--quiet"), "quiet", "only container IDs"),
    Option(("-f", "--filter"), "filters", "status=created|running|exited, name=N", "filter", repeat=True),
    Option(("--no-trunc",), "no_trunc", "full IDs and commands"),
))
# PORTS stays empty (box publishes no ports) but is kept, so scripts that read docker's columns read box's.
HEADER = ["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"]


def main(argv: list[str]) -> int:
    opts, _ = parse(VERB, argv)
    wanted = parse_filters(opts["filters"])
    found = [c for c in engine().list(all=opts["all"] or "status" in wanted) if matches(c, wanted)]
    no_trunc = opts["no_trunc"]
    if opts["quiet"]:
        for c in found:
            out(c.id if no_trunc else c.short_id)
        return 0
    rows = []
    for c in found:
        command = " ".join(c.config.command)
        if not no_trunc and len(command) > 20:
            command = command[:19] + "…"
        st = c.state
        rows.append([c.id if no_trunc else c.short_id, c.config.image, f'"{command}"', format.ago(c.config.created),
                     format.status_text(st.status, st.exit_code, st.started_at, st.finished_at), "", c.name])
    out("\n".join(format.table(HEADER, rows)))
    return 0


def parse_filters(filters: list[str]) -> dict[str, set[str]]:
    wanted: dict[str, set[str]] = {}
    for f in filters:
        key, sep, value = f.partition("=")
        if not sep or key not in ("status", "name"):
            raise Refused(f"invalid filter {f!r}: use -f status=created|running|exited or -f name=NAME")
        if key == "status" and value not in {s.value for s in Status}:
            raise Refused(f"invalid filter {f!r}: invalid status {value!r}: use created, running or exited")
        wanted.setdefault(key, set()).add(value)
    return wanted


def matches(c: Container, wanted: dict[str, set[str]]) -> bool:
    if "status" in wanted and c.state.status.value not in wanted["status"]:
        return False
    return "name" not in wanted or any(n in c.name for n in wanted["name"])
