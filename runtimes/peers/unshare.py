"""unshare(1) + chroot(8) as a runtime of the suite: namespaces from the shell, nothing more.

The same chroot(8) as the ``chroot`` runtime, started by unshare(1) in new
PID, mount, UTS, IPC, network (loopback, down) and cgroup namespaces, with a
fresh /proc for the new PID namespace mounted on the root's /proc
(``--mount-proc``). unshare forks (``--fork``), so the probe is PID 1 of its
namespace, and stays as the parent until it exits; ``--kill-child`` takes the
probe down with it if unshare is killed.

Set against ``chroot``, the difference is the namespaces alone; set against
box, everything a container runtime adds on top: cgroups (limits are not
enforced here), a private /dev, dropped capabilities, seccomp. The hostname
stays the host's: unshare gives a UTS namespace but sets no name in it.
"""

from __future__ import annotations

from runtimes.base import Availability, InstanceSpec
from runtimes.kernel.messages import say
from runtimes.peers._common import CopiedRootRuntime, check_answers, check_tools, first_line

NAMESPACES = ("--pid", "--fork", "--kill-child", "--mount", "--uts", "--ipc", "--net", "--cgroup")


class Unshare(CopiedRootRuntime):
    name = "unshare"
    summary = "unshare(1) + chroot(8): the chroot runtime inside new namespaces, no cgroups"
    launch = ("exec of unshare(1), which unshares the namespaces, forks, mounts /proc on the root and execs "
              "chroot(8), which execs the probe as PID 1 of the new PID namespace; no cgroup, so limits are not "
              "enforced")

    @classmethod
    def available(cls) -> Availability:
        return (check_tools({"unshare": "util-linux", "chroot": "coreutils"})
                or check_answers(["unshare", "--version"], "util-linux"))

    def versions(self) -> dict[str, str]:
        return {"unshare": first_line(["unshare", "--version"]), "chroot": first_line(["chroot", "--version"]),
                "limits": say("limits.not-enforced", tool="unshare")}

    def argv(self, spec: InstanceSpec) -> list[str]:
        return ["unshare", *NAMESPACES, f"--mount-proc={self.root}/proc", "chroot", str(self.root), *spec.argv]
