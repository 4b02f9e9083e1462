"""bubblewrap as a runtime of the suite: the setuid-free namespace sandbox under Flatpak.

Each instance is one ``bwrap`` command line: new PID, IPC, network (loopback
only), UTS and cgroup namespaces, a mount namespace whose root is a writable
copy of the image (``--bind ROOT /``), a fresh /proc and a minimal /dev,
Docker's default capabilities (``--cap-drop ALL`` then one ``--cap-add`` each:
bwrap sets the effective and permitted sets, and leaves the bounding set
whole) and no_new_privs, which bwrap always sets. bwrap stays as PID 1
inside, reaping, and runs the probe as PID 2.

What bwrap does not do, and box does: cgroups (so a scenario's limits are not
enforced, and the instance has no cgroup to read), a /sys, masked /proc paths
and a seccomp filter (bwrap takes one only as a compiled program on a file
descriptor; the suite does not hand it one).
"""

from __future__ import annotations

from runtimes.base import Availability, InstanceSpec
from runtimes.kernel.messages import say
from runtimes.kernel import security
from runtimes.peers._common import CopiedRootRuntime, check_answers, check_tools, first_line

NAMESPACES = ("--unshare-pid", "--unshare-ipc", "--unshare-net", "--unshare-uts", "--unshare-cgroup")


def bwrap_argv(root: str, hostname: str, argv: tuple[str, ...]) -> list[str]:
    caps = [flag for cap in sorted(security.DOCKER_DEFAULT_CAPS) for flag in ("--cap-add", cap)]
    return ["bwrap", *NAMESPACES, "--die-with-parent", "--hostname", hostname,
            "--bind", root, "/", "--proc", "/proc", "--dev", "/dev", "--chdir", "/",
            "--cap-drop", "ALL", *caps, "--", *argv]


class Bwrap(CopiedRootRuntime):
    name = "bwrap"
    summary = "bubblewrap (bwrap), the namespace sandbox under Flatpak: namespaces and a bind-mounted root, no cgroups"
    launch = ("exec of bwrap, which unshares the namespaces, bind-mounts the root, mounts /proc and /dev, drops "
              "capabilities and forks the probe as PID 2 while it stays PID 1; no cgroup, so limits are not enforced")

    @classmethod
    def available(cls) -> Availability:
        return check_tools({"bwrap": "bubblewrap"}) or check_answers(["bwrap", "--version"], "bubblewrap")

    def versions(self) -> dict[str, str]:
        return {"bwrap": first_line(["bwrap", "--version"]), "limits": say("limits.not-enforced", tool="bwrap")}

    def argv(self, spec: InstanceSpec) -> list[str]:
        return bwrap_argv(str(self.root), spec.hostname, spec.argv)
