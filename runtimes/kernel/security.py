"""What a container's root may still do: capabilities, no_new_privs, rlimits.

Root in a container is still uid 0 on the host (box uses no user namespace),
so what stands between it and the host is this file:

- **Capabilities** (capabilities(7)): root's powers split into ~40 pieces.
  We keep Docker's default set and drop every other one from the bounding
  set; when box-init is exec'd as uid 0 its capabilities become exactly that
  set, and nothing it runs can ever get the others back. All five sets are
  written (``drop_capabilities``), and which capabilities exist is asked of
  the kernel, never of a file inside the container.
- **The image's user** (its ``USER``, see user.py): supplementary groups,
  group and user are set on the way; a user other than root keeps no
  capabilities at all, as in Docker.
- **no_new_privs** (prctl(2), PR_SET_NO_NEW_PRIVS): execve() can no longer
  grant privileges (set-user-ID bits and file capabilities are ignored).
- **rlimits** (getrlimit(2)): the OCI runtime spec's default for open files.

Which system calls it may make at all is seccomp.py's part: an allow-list
modelled on Docker's default profile, loaded after all of the above.
"""

from __future__ import annotations

import dataclasses
import errno
import os
import resource
from collections.abc import Iterable

from runtimes.kernel import linux

# Docker's default capability set (moby oci/caps/defaults.go), by number
# from linux/capability.h. Everything else — CAP_SYS_ADMIN (mount, most of
# the kernel's admin calls), CAP_SYS_MODULE, CAP_SYS_TIME, CAP_NET_ADMIN,
# CAP_SYS_PTRACE, CAP_SYS_BOOT, … — is dropped.
DOCKER_DEFAULT_CAPS = {
    "CAP_CHOWN": 0, "CAP_DAC_OVERRIDE": 1, "CAP_FOWNER": 3, "CAP_FSETID": 4, "CAP_KILL": 5,
    "CAP_SETGID": 6, "CAP_SETUID": 7, "CAP_SETPCAP": 8, "CAP_NET_BIND_SERVICE": 10,
    "CAP_NET_RAW": 13, "CAP_SYS_CHROOT": 18, "CAP_MKNOD": 27, "CAP_AUDIT_WRITE": 29, "CAP_SETFCAP": 31,
}

# The OCI runtime spec's example/default rlimit (runc spec's config.json).
RLIMITS = {resource.RLIMIT_NOFILE: (1024, 1024)}


@dataclasses.dataclass(frozen=True)
class Identity:
    """Who a container's command runs as: resolved from the image's USER by the runtime (box/user.py)."""

    uid: int
    gid: int
    groups: tuple[int, ...] = ()
    home: str = "/"


ROOT = Identity(0, 0, (), "/root")


def kernel_capabilities() -> range:
    """Every capability number this kernel knows, asked of the kernel itself.

    PR_CAPBSET_READ fails with EINVAL past the last one (prctl(2)). Not read
    from /proc/sys/kernel/cap_last_cap: inside a container that file is
    wherever the image's /proc leads, and an image that fakes "0" there would
    keep every capability.
    """
    cap = 0
    while True:
        try:
            linux.prctl(linux.PR_CAPBSET_READ, cap)
        except OSError as err:
            if err.errno == errno.EINVAL:
                return range(cap)
            raise
        cap += 1


def drop_capabilities(keep: Iterable[int] = DOCKER_DEFAULT_CAPS.values(), user: Identity = ROOT) -> None:
    """Become ``user`` and set all five capability sets (capabilities(7)), none left to chance.

    In this order, because each step needs a capability the next one gives up:
    1. bounding set: only ``keep`` (needs CAP_SETPCAP); nothing run later can
       ever gain another;
    2. the user: supplementary groups, group, then user (CAP_SETGID, CAP_SETUID);
       for a user other than root, setuid(2) empties the other sets itself;
    3. effective and permitted: ``keep`` for root, nothing for another user;
       inheritable: empty, so a file with inheritable file capabilities gains
       nothing across execve (CVE-2022-24769, fixed in runc and Docker by
       clearing it);
    4. ambient: empty.
    """
    kept = set(keep)
    for cap in kernel_capabilities():
        if cap not in kept:
            linux.prctl(linux.PR_CAPBSET_DROP, cap)
    os.setgroups(list(user.groups))  # always: the caller's supplementary groups never reach the container
    os.setgid(user.gid)
    os.setuid(user.uid)
    mask = sum(1 << cap for cap in kept) if user.uid == 0 else 0
    linux.capset(effective=mask, permitted=mask, inheritable=0)
    linux.prctl(linux.PR_CAP_AMBIENT, linux.PR_CAP_AMBIENT_CLEAR_ALL)


def set_no_new_privs() -> None:
    linux.prctl(linux.PR_SET_NO_NEW_PRIVS, 1)


def set_rlimits() -> list[str]:
    """Apply RLIMITS; return what could not be set (e.g. above a hard limit without CAP_SYS_RESOURCE)."""
    refused = []
    for which, (soft, hard) in RLIMITS.items():
        try:
            resource.setrlimit(which, (soft, hard))
        except (ValueError, OSError) as err:
            refused.append(f"rlimit {which}: {err}")
    return refused
