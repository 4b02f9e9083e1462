"""LXC as a runtime of the suite: ``lxc-execute`` of an application container on the one image.

LXC (2008) is the living descendant of OpenVZ's system containers, built on
the namespaces and cgroups that OpenVZ's work brought into the mainline
kernel; the report puts it next to the OpenVZ-style runtime (``openvz``).
Each instance is ``lxc-execute -n NAME -P DIR -f CONFIG -- probe …``: LXC's
monitor (the lxc-execute process, in the foreground) creates the cgroups and
namespaces, mounts the root, and starts its small ``lxc-init`` as the
container's PID 1, which runs the probe as PID 2 and passes signals on. The
container runs from a writable copy of the image made at setup (a ``dir:``
rootfs, as ``lxc-create -t`` would leave one).

The configuration (lxc.container.conf(5)) asks for what box does: every
namespace but the user one, loopback only (``lxc.net.0.type = empty``), a
minimal /dev, /proc with /proc/sys read-only and a read-only /sys, Docker's
default capabilities, no_new_privs, RLIMIT_NOFILE 1024, and box's seccomp
allow-list in LXC's policy format; a scenario's limits as cgroup keys.
Its cgroups go under ``isobench-lxc/``, the monitor's included, so nothing is
left in LXC's shared ``lxc.pivot`` group: cleanup removes all of them.
"""

from __future__ import annotations

import functools
import os
import shutil
from pathlib import Path

from runtimes.base import Availability, Instance, InstanceSpec, Limits, Orphan, Runtime
from runtimes.kernel import cgroups, seccomp, security
from runtimes.peers._common import (
    PeerInstance, cgroup_names, check_answers, check_tools, first_line, instance_name, name_prefix, remove_cgroups,
    writable_copy,
)

PARENT = "isobench-lxc"


def seccomp_policy(profile: seccomp.Profile = seccomp.BOX_PROFILE) -> str:
    """box's filter in LXC's policy format, version 2 (lxc.container.conf(5), "Seccomp configuration").

    An allow list whose default answer is EPERM. LXC builds the filter for
    i386 and x32 too, from the same rules: its format has no "kill on
    another architecture", so there LXC is laxer than box.
    Argument rules are ``[index,value,op]``, or ``[index,value,op,mask]``
    for SCMP_CMP_MASKED_EQ.
    """
    lines = ["2", f"allowlist errno {profile.default_errno}", "[x86_64]", *sorted(profile.allowed)]
    for rule in profile.arg_rules:
        arg = (f"[{rule.index},{rule.value},{rule.op},{rule.mask}]" if rule.op == "SCMP_CMP_MASKED_EQ"
               else f"[{rule.index},{rule.value},{rule.op}]")
        lines.append(f"{rule.syscall} allow {arg}")
    lines += [f"{name} errno {err}" for name, err in profile.errno_rules]
    return "\n".join(lines) + "\n"


def limit_keys(limits: Limits, version: str) -> dict[str, str]:
    """A scenario's limits as lxc.cgroup.* (v1) or lxc.cgroup2.* (v2) keys."""
    keys = {}
    period = cgroups.CFS_PERIOD_US
    quota = None if limits.cpus is None else max(1000, round(limits.cpus * period))
    if version == "v2":
        if limits.memory_bytes is not None:
            keys |= {"lxc.cgroup2.memory.max": str(limits.memory_bytes), "lxc.cgroup2.memory.swap.max": "0"}
        if quota is not None:
            keys["lxc.cgroup2.cpu.max"] = f"{quota} {period}"
        if limits.pids is not None:
            keys["lxc.cgroup2.pids.max"] = str(limits.pids)
        return keys
    if limits.memory_bytes is not None:
        keys["lxc.cgroup.memory.limit_in_bytes"] = str(limits.memory_bytes)
    if quota is not None:
        keys |= {"lxc.cgroup.cpu.cfs_period_us": str(period), "lxc.cgroup.cpu.cfs_quota_us": str(quota)}
    if limits.pids is not None:
        keys["lxc.cgroup.pids.max"] = str(limits.pids)
    return keys


def container_config(name: str, root: Path, hostname: str, limits: Limits, policy: Path) -> str:
    """The container's configuration file (lxc.container.conf(5))."""
    caps = " ".join(c.removeprefix("CAP_").lower() for c in sorted(security.DOCKER_DEFAULT_CAPS))
    keys = {
        "lxc.uts.name": hostname,
        "lxc.rootfs.path": f"dir:{root}",
        "lxc.net.0.type": "empty",             # a network namespace with loopback only
        "lxc.mount.auto": "proc:mixed sys:ro",  # /proc (its /proc/sys read-only), read-only /sys
        "lxc.autodev": "1",                    # a tmpfs /dev with the usual device nodes
        "lxc.cap.keep": caps,
        "lxc.no_new_privs": "1",
        "lxc.prlimit.nofile": "1024",
        "lxc.seccomp.profile": str(policy),
        "lxc.apparmor.profile": "unconfined",  # box has no AppArmor profile either
        "lxc.cgroup.dir.container": f"{PARENT}/{name}",
        "lxc.cgroup.dir.monitor": f"{PARENT}/{name}.monitor",
        "lxc.cgroup.dir.monitor.pivot": f"{PARENT}/{name}.pivot",
        **limit_keys(limits, cgroups.host_version()),
    }
    return "".join(f"{k} = {v}\n" for k, v in keys.items())


def _remove_cgroups(name: str) -> None:
    """Container ``name``'s groups: its monitor's, the one the monitor moves to at exit, its own."""
    remove_cgroups(PARENT, [f"{name}.monitor", f"{name}.pivot", name])


class Lxc(Runtime):
    name = "lxc"
    summary = "LXC, the heir of OpenVZ's system containers in the mainline kernel: lxc-execute on the one image"
    launch = ("`lxc-execute`: LXC's monitor creates the cgroups and namespaces, mounts the root filesystem, /proc, "
              "/sys and /dev, drops capabilities, loads seccomp and starts lxc-init as PID 1, which runs the probe; "
              "the monitor stays in the foreground until the container has stopped")

    @classmethod
    def available(cls) -> Availability:
        return check_tools({"lxc-execute": "lxc"}) or check_answers(["lxc-execute", "--version"], "lxc")

    @classmethod
    def orphans(cls) -> list[Orphan]:
        """Containers of this state directory's killed runs: their monitor and container, by their cgroups."""
        if os.geteuid() != 0:
            return []
        names = {n.removesuffix(".pivot").removesuffix(".monitor") for n in cgroup_names(PARENT, name_prefix(cls.name))}
        return [Orphan(cls.name, "container", name, functools.partial(_remove_cgroups, name)) for name in sorted(names)]

    def versions(self) -> dict[str, str]:
        return {"lxc": first_line(["lxc-execute", "--version"]), "cgroup": cgroups.host_version()}

    def setup(self) -> None:
        work = writable_copy(self.image, self.name, self._cleanup.callback)
        self.root, self.lxcpath = work / "rootfs", work / "lxc"
        self.lxcpath.mkdir()
        self.policy = work / "seccomp.policy"
        self.policy.write_text(seccomp_policy())

    def start(self, spec: InstanceSpec) -> Instance:
        self.ensure_set_up()
        name = instance_name(self.name)
        config = self.lxcpath / f"{name}.conf"
        config.write_text(container_config(name, self.root, spec.hostname, spec.limits, self.policy))
        argv = ["lxc-execute", "-n", name, "-P", str(self.lxcpath), "-f", str(config), "--", *spec.argv]
        try:
            memory_cgroup = cgroups.for_host(name, parent=PARENT).path
        except OSError:
            memory_cgroup = None
        return PeerInstance(self.name, argv, spec.argv[0], cgroup=memory_cgroup, pass_fds=spec.inherited_fds,
                            finish=[lambda: self._remove(name, config)])

    def _remove(self, name: str, config: Path) -> None:
        _remove_cgroups(name)
        config.unlink(missing_ok=True)
        shutil.rmtree(self.lxcpath / name, ignore_errors=True)  # LXC's per-container directory, if it made one
