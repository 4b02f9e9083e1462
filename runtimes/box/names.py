"""Random container names in Docker's style: an adjective and a pioneer of isolation."""

from __future__ import annotations

import os

_ADJECTIVES = ("brave", "calm", "clever", "eager", "gentle", "happy", "jolly", "keen", "lucid", "merry",
               "nimble", "proud", "quiet", "sharp", "swift", "tidy", "vivid", "witty", "young", "zen")
# People behind the ideas this suite measures: chroot, jails, zones, namespaces, cgroups, VMs.
_PIONEERS = ("joy", "kamp", "watson", "price", "tucker", "menage", "biederman", "emelyanov", "kolyshkin",
             "popek", "goldberg", "creasy", "bellard", "kivity", "torvalds", "corbet", "hykes", "lameter",
             "jain", "heo")


def random_name(taken: set[str], salt: bool = False) -> str:
    """An adjective_pioneer name not in ``taken``; ``salt`` adds digits once the pairs run short.

    Drawn from os.urandom rather than the random module, whose import (and
    seeding) would add a millisecond to every `box run` that names no container.
    """
    while True:
        pick = int.from_bytes(os.urandom(8), "little")
        name = f"{_ADJECTIVES[pick % len(_ADJECTIVES)]}_{_PIONEERS[pick // 256 % len(_PIONEERS)]}"
        if salt:
            name += f"_{pick // 65536 % 10**6}"
        if name not in taken:
            return name
