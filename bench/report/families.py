"""Which family each runtime belongs to, and the family's place and colour on every chart.

A stored session keeps only runtime names, so the family is a table here, keyed by name, not
read from the runtime's class: a report of a session recorded months ago groups its runtimes
the same way as today's. A name the table does not know (a new peer, a renamed one) goes to
"other", last, in grey, rather than failing the report.

The order is the lesson's: a plain process, chroot (1979), application containers, system
containers, sandboxes that put a second kernel or a syscall filter in between, virtual machines.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Family:
    code: str       # "app", … : the key of its name in texts.py ("family.app")
    colour: str     # Okabe–Ito, colour-blind-safe; one per family, the same on every chart


FAMILIES: tuple[Family, ...] = (
    Family("process", "#000000"),
    Family("chroot", "#E69F00"),
    Family("app", "#0072B2"),
    Family("system", "#009E73"),
    Family("sandbox", "#CC79A7"),
    Family("vm", "#D55E00"),
    Family("other", "#999999"),
)

FAMILY_OF: dict[str, str] = {
    "native": "process",
    "chroot": "chroot",
    "unshare": "app", "box": "app", "runc": "app", "crun": "app", "podman": "app", "docker": "app",
    "openvz": "system", "lxc": "system", "nspawn": "system",
    "bwrap": "sandbox", "gvisor": "sandbox",
    "libvirt": "vm", "qemu": "vm", "microvm": "vm",
}

_BY_CODE = {f.code: f for f in FAMILIES}
TEXT_OF = {"process": "family.process", "chroot": "family.chroot", "app": "family.app", "system": "family.system",
           "sandbox": "family.sandbox", "vm": "family.vm", "other": "family.other"}  # the family's name in texts.py


def base_name(label: str) -> str:
    """``chroot · B`` (a runtime of one session of several side by side) → ``chroot``."""
    return label.split(" · ", 1)[0]


def family_of(runtime: str) -> Family:
    return _BY_CODE[FAMILY_OF.get(base_name(runtime), "other")]


def family_rank(runtime: str) -> int:
    return FAMILIES.index(family_of(runtime))


def by_family(runtimes: list[str]) -> list[str]:
    """The runtimes grouped by family in the lesson's order, each family's in the order given."""
    return sorted(runtimes, key=lambda r: (family_rank(r), runtimes.index(r)))
