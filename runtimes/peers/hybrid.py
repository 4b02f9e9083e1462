"""crun and hybrid cgroup hosts: a private view of the mounts, so the host stays as it is.

A *hybrid* host mounts the cgroup v1 controllers under /sys/fs/cgroup/<name>
and also an (often empty) cgroup2 hierarchy at /sys/fs/cgroup/unified, as
systemd's "hybrid" mode does. crun refuses such a host ("cgroups in hybrid
mode not supported, drop all controllers from cgroupv2"); given only the v1
hierarchies, it works. So the peers that run crun (crun itself, and podman,
whose default OCI runtime it is) launch it inside a mount namespace of their
own where that one mount is detached:

- at setup, unshare(1) makes the namespace (its mounts private, so nothing
  done there reaches the host — mount_namespaces(7)) and unmounts
  /sys/fs/cgroup/unified in it; this process keeps the namespace open as a
  file descriptor (/proc/PID/ns/mnt), and unshare's shell then exits;
- each launch is ``nsenter --mount=/proc/self/fd/N -- crun ...`` (nsenter(1)),
  the descriptor handed down by number: about a millisecond of exec, which
  the start-up figures of those peers include and the run records.

Everything else (the cgroup v1 hierarchies, the disk, /run) is the same
filesystem in both views, so the containers and their cgroups are the host's.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from pathlib import Path

from runtimes.kernel.errors import RuntimeUnavailable
from runtimes.kernel.messages import say

CGROUP2_MOUNT = "/sys/fs/cgroup/unified"
NOTE = say("hybrid.note", tool="crun", mount=CGROUP2_MOUNT)


def is_hybrid(mountinfo: str | None = None) -> bool:
    """True when cgroup v1 hierarchies and a cgroup2 mount at /sys/fs/cgroup/unified coexist."""
    if mountinfo is None:
        mountinfo = Path("/proc/self/mountinfo").read_text()
    v1 = unified = False
    for line in mountinfo.splitlines():
        left, _, right = line.partition(" - ")
        fstype = right.split()[:1]
        v1 |= fstype == ["cgroup"]
        unified |= fstype == ["cgroup2"] and left.split()[4] == CGROUP2_MOUNT
    return v1 and unified


class WithoutCgroup2:
    """A mount namespace like the host's minus /sys/fs/cgroup/unified, held open while in ``with``.

    ``prefix`` is what goes before a command to run it in there, and
    ``pass_fds`` the descriptor that command must inherit.
    """

    def __enter__(self) -> WithoutCgroup2:
        script = f"umount {CGROUP2_MOUNT} && echo detached && read _"
        holder = subprocess.Popen(["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert holder.stdout is not None and holder.stdin is not None
            if holder.stdout.readline().strip() != "detached":
                raise RuntimeUnavailable("crun", say("hybrid.no-mount-namespace", mount=CGROUP2_MOUNT,
                                                     said=holder.stderr.read().strip() if holder.stderr else ""),
                                         say("fix.hybrid"))
            self.fd = os.open(f"/proc/{holder.pid}/ns/mnt", os.O_RDONLY | os.O_CLOEXEC)
        finally:
            with contextlib.suppress(OSError):
                holder.communicate("\n", timeout=10)  # the shell's `read` returns: it exits
            if holder.poll() is None:
                holder.kill()
                holder.wait()
        return self

    @property
    def prefix(self) -> list[str]:
        return ["nsenter", f"--mount=/proc/self/fd/{self.fd}", "--"]

    @property
    def pass_fds(self) -> tuple[int, ...]:
        return (self.fd,)

    def __exit__(self, *_: object) -> None:
        os.close(self.fd)
