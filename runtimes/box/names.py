"""Random container names in Docker's style: an adjective and a pioneer of isolation."""

from __future__ import annotations

import random

_ADJECTIVES = ("brave", "calm", "clever", "eager", "gentle", "happy", "jolly", "keen", "lucid", "merry",
               "nimble", "proud", "quiet", "sharp", "swift", "tidy", "vivid", "witty", "young", "zen")
# People behind the ideas this suite measures: chroot, jails, zones, namespaces, cgroups, VMs.
_PIONEERS = ("joy", "kamp", "watson", "price", "tucker", "menage", "biederman", "emelyanov", "kolyshkin",
             "popek", "goldberg", "creasy", "bellard", "kivity", "torvalds", "corbet", "hykes", "lameter",
             "jain", "heo")


def random_name(taken: set[str]) -> str:
    while True:
        name = f"{random.choice(_ADJECTIVES)}_{random.choice(_PIONEERS)}"
        if name not in taken:
            return name
        taken = taken | {name}
        if len(taken) > len(_ADJECTIVES) * len(_PIONEERS) // 2:
            return f"{name}_{random.randrange(10**6)}"
