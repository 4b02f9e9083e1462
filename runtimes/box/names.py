"""Random container names in Docker's style: an adjective and a pioneer of isolation."""

from __future__ import annotations

import random

_ADJECTIVES = ("brave", "calm", "clever", "eager", "gentle", "happy", "jolly", "keen", "lucid", "merry",
               "nimble", "proud", "quiet", "sharp", "swift", "tidy", "vivid", "witty", "young", "zen")
# People behind the ideas this suite measures: chroot, jails, zones, namespaces, cgroups, VMs.
_PIONEERS = ("joy", "kamp", "watson", "price", "tucker", "menage", "biederman", "emelyanov", "kolyshkin",
             "popek", "goldberg", "creasy", "bellard", "kivity", "torvalds", "corbet", "hykes", "lameter",
             "jain", "heo")


def random_name(taken: set[str], salt: bool = False) -> str:
    """An adjective_pioneer name not in ``taken``; ``salt`` adds digits once the pairs run short."""
    while True:
        name = f"{random.choice(_ADJECTIVES)}_{random.choice(_PIONEERS)}"
        if salt:
            name += f"_{random.randrange(10**6)}"
        if name not in taken:
            return name
