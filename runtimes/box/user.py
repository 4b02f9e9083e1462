"""Who the container's command runs as: the image's ``USER``, resolved inside the container.

An image says ``"User": "nobody"``, ``"1000"``, ``"1000:1000"`` or
``"app:staff"`` (the OCI image spec, config.User). Names mean what the
*image's* /etc/passwd and /etc/group say, not the host's, so they are looked
up after pivot_root, from the container's own files, as runc does. An empty
``User`` is root. The supplementary groups are the image's groups that list
the user; the caller's own groups never reach the container.
"""

from __future__ import annotations

import os
import stat

from runtimes.kernel.security import ROOT, Identity

MAX_ACCOUNT_FILE = 1 << 20  # an /etc/passwd larger than this is not one




def _account_file(path: str) -> list[list[str]]:
    """The colon-separated entries of ``path``; none if it is missing or not a regular file.

    O_NONBLOCK and the regular-file check: an image could make /etc/passwd a
    FIFO or a device, and box must not hang (or read a device) on it.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return []
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return []
        text = f.read(MAX_ACCOUNT_FILE).decode(errors="replace")
    return [line.split(":") for line in text.splitlines() if line and not line.startswith("#")]


def _find(entries: list[list[str]], name: str, fields: int) -> list[str] | None:
    for entry in entries:
        if len(entry) >= fields and (entry[0] == name or entry[2] == name):
            return entry
    return None


def _number(text: str, what: str) -> int:
    if not text.isdigit() or int(text) > 0xFFFFFFFE:
        raise ValueError(f"invalid {what} {text!r}")
    return int(text)


def resolve(user: str, etc: str = "/etc") -> Identity:
    """The identity ``user`` (config.User) names in the container whose /etc is ``etc``.

    Raises ValueError, worded as Docker words it, for a name the image does not have.
    """
    if not user:
        return ROOT
    name, _, group = user.partition(":")
    passwd = _account_file(f"{etc}/passwd")
    entry = _find(passwd, name, 7)
    if entry is not None:
        uid, gid, home = _number(entry[2], "uid"), _number(entry[3], "gid"), entry[5] or "/"
    elif name.isdigit():
        uid, gid, home = _number(name, "uid"), 0, "/"  # a number need not be in passwd
    else:
        raise ValueError(f"unable to find user {name}: no matching entries in passwd file")
    groups = _account_file(f"{etc}/group")
    if group:
        found = _find(groups, group, 3)
        if found is not None:
            gid = _number(found[2], "gid")
        elif group.isdigit():
            gid = _number(group, "gid")
        else:
            raise ValueError(f"unable to find group {group}: no matching entries in group file")
    login = entry[0] if entry is not None else None
    extra = tuple(sorted({_number(g[2], "gid") for g in groups
                          if len(g) >= 4 and login and login in g[3].split(",") and g[2].isdigit()}))
    return Identity(uid, gid, extra, home)
