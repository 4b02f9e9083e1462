"""`box version`: box's version and what it runs on (one part: box has no server, it is daemonless)."""

from __future__ import annotations

import os

from runtimes.box.commands.options import Verb, out, parse
from runtimes.box.container import root_dir
from runtimes.kernel import cgroups, seccomp

VERSION = "0.1.0"
VERB = Verb("version", "", most=0)


def main(argv: list[str]) -> int:
    parse(VERB, argv)
    out(f"box version {VERSION} (isobench)")
    out(f" kernel:  {os.uname().release}")
    out(f" cgroups: {cgroups.host_version()}")
    out(f" seccomp: {'allow-list (libseccomp)' if seccomp.available() else seccomp.missing_message()}")
    out(f" storage: OverlayFS, images and containers in {root_dir()}")
    return 0
