"""systemd-nspawn as a runtime of the suite: the system container that ships with systemd, beside vz and LXC.

systemd-nspawn(1) runs a directory tree as a container: new mount, PID,
IPC, UTS and cgroup namespaces (and a network namespace with loopback only,
``--private-network``), its own /dev, /proc with /proc/sys read-only, a
read-only /sys, a capability set of its own and a seccomp filter of its
own, made for running a whole OS (systemd as PID 1, ``--boot``). Here it
runs the probe instead, as PID 2 under nspawn's small stub init
(``--as-pid2``), which reaps and passes signals on as LXC's lxc-init does.

What is the suite's and not nspawn's default: the network (loopback only),
no_new_privs and RLIMIT_NOFILE 1024, as every container of the suite has.
Capabilities and the seccomp filter are nspawn's own (it keeps more
capabilities than Docker, CAP_SYS_ADMIN among them, for a booting OS): the
isolation scorecard shows what that means.

No systemd is needed on the host: ``--register=no`` (no systemd-machined)
and ``--keep-unit`` (no transient scope asked of systemd over D-Bus; nspawn
stays in the cgroup it was started in). That cgroup is the instance's own,
``isobench-nspawn/<name>`` with the scenario's limits, made here and joined
by a shell that then execs nspawn (the only way to start a command in a
cgroup without systemd's help or a preexec hook; about a millisecond).

The root: nspawn locks the directory it runs (``Directory tree … is
currently busy`` for a second container), so every instance gets its own
OverlayFS over the image cache, upper layer on disk in the scratch tree: the
cache is never written, nothing is copied, and density can hold many.

Host quirk, recorded: where /run is not a tmpfs (this host), nspawn says
``Attempted to remove disk file system under /run/systemd/nspawn/propagate/…``
at exit; the directory is empty and removed all the same.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shlex
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from runtimes.base import Availability, Instance, InstanceSpec, Orphan, Runtime
from runtimes.kernel import cgroups, linux, rootfs
from runtimes.peers._common import (
    PeerInstance, cgroup_names, check_answers, check_tools, first_line, instance_name, name_prefix, remove_cgroups,
)
from runtimes.kernel.messages import Message, say
from runtimes.kernel.paths import scratch_root

PARENT = "isobench-nspawn"
TOOLS = {"systemd-nspawn": "systemd-container"}


def nspawn_argv(name: str, root: Path, hostname: str, argv: Sequence[str]) -> list[str]:
    """The systemd-nspawn command line for one instance (systemd-nspawn(1))."""
    return ["systemd-nspawn", "--quiet",
            "--register=no", "--keep-unit",     # no systemd-machined, no D-Bus: works without systemd as PID 1
            "--console=pipe",                    # the probe's stdout straight through, no pseudo-terminal
            "--private-network", f"--machine={name}", f"--hostname={hostname}",
            "--no-new-privileges=yes", "--rlimit=NOFILE=1024:1024",
            "-D", str(root), "--as-pid2", "--", *argv]


def in_cgroup(group: cgroups.Cgroup, argv: Sequence[str]) -> list[str]:
    """``argv`` run by a shell that first moves itself into ``group`` (writing 0 means "me", cgroups(7))."""
    joins = " && ".join(f"echo 0 > {shlex.quote(str(f))}" for f in group.self_join_files)
    return ["/bin/sh", "-c", f'{joins} && exec "$@"', "sh", *argv]


def _remove_cgroup(name: str) -> None:
    remove_cgroups(PARENT, [name])


class Nspawn(Runtime):
    name = "nspawn"
    summary = "systemd-nspawn, the system container that ships with systemd, on an overlay of the one image"
    launch = ("an OverlayFS over the image and a cgroup made for the instance, then a shell that joins the cgroup "
              "and execs systemd-nspawn: nspawn makes the namespaces, mounts /dev, /proc and /sys, drops "
              "capabilities, loads its seccomp filter and starts its stub init as PID 1, which runs the probe as "
              "PID 2; nspawn stays in the foreground until the container has exited")

    @classmethod
    def available(cls) -> Availability:
        return check_tools(TOOLS) or check_answers(["systemd-nspawn", "--version"], "systemd-container")

    @classmethod
    def orphans(cls) -> list[Orphan]:
        """Containers of this state directory's killed runs, by their cgroups (overlays: with the scratch tree)."""
        if os.geteuid() != 0:
            return []
        return [Orphan(cls.name, "container", name, functools.partial(_remove_cgroup, name))
                for name in cgroup_names(PARENT, name_prefix(cls.name))]

    def versions(self) -> dict[str, str | Message]:
        return {
            "systemd-nspawn": first_line(["systemd-nspawn", "--version"]),
            "cgroup": say("nspawn.cgroup", path=f"{PARENT}/NAME"),
            "capabilities and seccomp": say("nspawn.defaults"),
            "root": say("nspawn.root"),
            "host quirk": say("nspawn.no-systemd"),
        }

    def setup(self) -> None:
        self.work = Path(tempfile.mkdtemp(prefix="nspawn-", dir=scratch_root()))
        self._cleanup.callback(shutil.rmtree, self.work, ignore_errors=True)

    def start(self, spec: InstanceSpec) -> Instance:
        self.ensure_set_up()
        name = instance_name(self.name)
        with contextlib.ExitStack() as undo:
            merged = self._overlay(name, undo)
            group = cgroups.for_host(name, parent=PARENT)
            # The devices systemd would allow its scope (DevicePolicy=closed): the usual nodes, never a host disk.
            group.create(spec.limits)
            undo.callback(_remove_cgroup, name)
            argv = in_cgroup(group, nspawn_argv(name, merged, spec.hostname, spec.argv))
            instance = PeerInstance(self.name, argv, spec.argv[0], cgroup=group.path, finish=[undo.pop_all().close])
        return instance

    def _overlay(self, name: str, undo: contextlib.ExitStack) -> Path:
        """A writable root for one instance: the image read-only below, its writes in the scratch tree above."""
        top = self.work / name
        upper, work, merged = top / "upper", top / "work", top / "merged"
        for d in (upper, work, merged):
            d.mkdir(parents=True)
        undo.callback(shutil.rmtree, top, ignore_errors=True)
        rootfs.mount_overlay([self.image.rootfs], upper, work, merged)
        undo.callback(linux.umount2, str(merged), linux.MNT_DETACH)
        return merged
