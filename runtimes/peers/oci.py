"""OCI bundles made from the one image, and the OCI runtimes (crun, runc) that run them.

A bundle is a directory holding ``config.json``, as the OCI runtime
specification defines it (https://github.com/opencontainers/runtime-spec,
config.md and config-linux.md); its ``root.path`` points at a root
filesystem, here a writable copy of the suite's image. ``runtime_config``
writes the container box makes, field by field, so box and the production
runtimes start the same container:

- namespaces: pid, mount, uts, ipc, network (loopback only), cgroup — no
  user namespace, as box (``runtimes/box/contain.py``);
- Docker's default capabilities, no_new_privs, RLIMIT_NOFILE 1024, and
  box's seccomp allow-list (``runtimes/kernel/seccomp.py``) in the spec's words;
- /proc, a read-only /sys, a tmpfs /dev with the spec's default devices,
  and the paths Docker masks or makes read-only (``runtimes/kernel/rootfs.py``);
- a scenario's limits as ``linux.resources`` (memory without swap, CPU
  quota over a 100 ms period, pids), in the cgroup ``/isobench-<tool>/<id>``.

Each instance is ``<tool> --root STATE run --bundle DIR ID`` with a unique
ID: the runtime creates the container, starts it and stays in the
foreground until it exits, then deletes it (runc(8), crun(1) ``run``). A run
that was killed leaves its state behind, so cleanup calls ``delete --force``
when the state is still there.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from runtimes.kernel.errors import InstanceError
from runtimes.kernel.messages import Message, say
from runtimes.base import Availability, Instance, InstanceSpec, Limits, Orphan, Runtime
from runtimes.kernel import cgroups, rootfs, seccomp, security
from runtimes.kernel.init import DEFAULT_PATH
from runtimes.peers import hybrid
from runtimes.peers._common import (
    PeerInstance, cgroup_names, check_answers, check_tools, first_line, instance_name, name_prefix, remove_cgroups,
    writable_copy,
)

OCI_VERSION = "1.0.2"
NAMESPACES = ("pid", "mount", "uts", "ipc", "network", "cgroup")
# The mounts of runc's and crun's default spec, which are Docker's (config.md, "mounts").
MOUNTS = (
    {"destination": "/proc", "type": "proc", "source": "proc", "options": ["nosuid", "noexec", "nodev"]},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755",
                                                                             "size=65536k"]},
    {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
     "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
    {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
     "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
    {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]},
)
CFS_PERIOD_US = cgroups.CFS_PERIOD_US


def _resources(limits: Limits) -> dict[str, Any]:
    """``linux.resources`` for a scenario's limits (config-linux.md, "Control groups")."""
    res: dict[str, Any] = {"devices": [{"allow": False, "access": "rwm"}]}  # the runtime adds the default devices
    if limits.memory_bytes is not None:
        # swap is memory + swap (the v1 memsw counter): equal to the limit means no swap, as box sets
        res["memory"] = {"limit": limits.memory_bytes, "swap": limits.memory_bytes}
    if limits.cpus is not None:
        res["cpu"] = {"quota": max(1000, round(limits.cpus * CFS_PERIOD_US)), "period": CFS_PERIOD_US}
    if limits.pids is not None:
        res["pids"] = {"limit": limits.pids}
    return res


def _seccomp(profile: seccomp.Profile = seccomp.BOX_PROFILE) -> dict[str, Any]:
    """box's filter as ``linux.seccomp`` (config-linux.md, "Seccomp"), so crun and runc load the same one.

    Only SCMP_ARCH_X86_64 is listed: i386 and x32 calls do not match it and
    get the runtime's bad-architecture answer, never the allow-list. The spec
    cannot give a call by number, so the few calls newer than the runtime's
    libseccomp are left out by it (and refused), where box adds them by number.
    """
    rules: list[dict[str, Any]] = [{"names": sorted(profile.allowed), "action": "SCMP_ACT_ALLOW"}]
    for rule in profile.arg_rules:
        # For SCMP_CMP_MASKED_EQ the spec's "value" is the mask and "valueTwo" what the masked argument must equal.
        arg = ({"index": rule.index, "value": rule.mask, "valueTwo": rule.value, "op": rule.op}
               if rule.op == "SCMP_CMP_MASKED_EQ" else {"index": rule.index, "value": rule.value, "op": rule.op})
        rules.append({"names": [rule.syscall], "action": "SCMP_ACT_ALLOW", "args": [arg]})
    rules += [{"names": [name], "action": "SCMP_ACT_ERRNO", "errnoRet": err} for name, err in profile.errno_rules]
    return {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": profile.default_errno,
            "architectures": ["SCMP_ARCH_X86_64"], "syscalls": rules}


def runtime_config(root: Path, argv: Sequence[str], *, hostname: str = "isobench", limits: Limits = Limits(),
                   cgroups_path: str | None = None) -> dict[str, Any]:
    """The ``config.json`` of a container like box's, running ``argv`` in ``root``."""
    caps = sorted(security.DOCKER_DEFAULT_CAPS)
    nofile = [{"type": "RLIMIT_NOFILE", "soft": soft, "hard": hard}
              for which, (soft, hard) in security.RLIMITS.items()]
    linux: dict[str, Any] = {
        "namespaces": [{"type": ns} for ns in NAMESPACES],
        "resources": _resources(limits),
        "maskedPaths": list(rootfs.MASKED_PATHS),
        "readonlyPaths": list(rootfs.READONLY_PATHS),
        "seccomp": _seccomp(),
    }
    if cgroups_path is not None:
        linux["cgroupsPath"] = cgroups_path
    return {
        "ociVersion": OCI_VERSION,
        "process": {"terminal": False, "user": {"uid": 0, "gid": 0}, "args": list(argv),
                    "env": [DEFAULT_PATH, "HOME=/root"], "cwd": "/",
                    "capabilities": {"bounding": caps, "effective": caps, "permitted": caps},
                    "rlimits": nofile, "noNewPrivileges": True},
        "root": {"path": str(root), "readonly": False},  # the probe writes its io files there
        "hostname": hostname,
        "mounts": [dict(m) for m in MOUNTS],
        "linux": linux,
    }


def make_bundle(directory: Path, root: Path, argv: Sequence[str], **config: Any) -> Path:
    """Write a bundle (``directory/config.json``, root filesystem at ``root``); return its directory."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "config.json").write_text(json.dumps(runtime_config(root.resolve(), argv, **config), indent=1))
    return directory


class OciRuntime(Runtime):
    """An OCI runtime's command line driving bundles of the one image: crun and runc differ only in name."""

    tool: ClassVar[str]
    package: ClassVar[str]
    refuses_hybrid_cgroups: ClassVar[bool] = False  # see runtimes.peers.hybrid

    @classmethod
    def available(cls) -> Availability:
        tools = {cls.tool: cls.package, "unshare": "util-linux", "nsenter": "util-linux"}  # the last two: hybrid.py
        return check_tools(tools) or check_answers([cls.tool, "--version"], cls.package)

    @classmethod
    def orphans(cls) -> list[Orphan]:
        """Containers of this state directory's killed runs, found by their cgroups.

        `run` outlives a killed harness (it is in a session of its own) and
        holds its container until the workload ends; killing what is in the
        container's cgroup ends both. Their state went with the scratch tree.
        """
        if os.geteuid() != 0:
            return []
        parent = f"isobench-{cls.name}"
        return [Orphan(cls.name, "container", name, functools.partial(remove_cgroups, parent, [name]))
                for name in cgroup_names(parent, name_prefix(cls.name))]

    def versions(self) -> dict[str, str | Message]:
        found = {self.tool: first_line([self.tool, "--version"]),
                 "bundle": say("oci.bundle", version=OCI_VERSION, path="runtimes/peers/oci.py")}
        if getattr(self, "namespace", None) is not None:
            found["host quirk"] = hybrid.NOTE
        return found

    def setup(self) -> None:
        work = writable_copy(self.image, self.name, self._cleanup.callback)
        self.root, self.bundles, self.state = work / "rootfs", work / "bundles", work / "state"
        self.bundles.mkdir()
        self.state.mkdir()
        self.namespace: hybrid.WithoutCgroup2 | None = None
        if self.refuses_hybrid_cgroups and hybrid.is_hybrid():
            self.namespace = self._cleanup.enter_context(hybrid.WithoutCgroup2())

    def start(self, spec: InstanceSpec) -> Instance:
        self.ensure_set_up()
        cid = instance_name(self.name)
        parent = f"isobench-{self.name}"
        bundle = make_bundle(self.bundles / cid, self.root, spec.argv, hostname=spec.hostname, limits=spec.limits,
                             cgroups_path=f"/{parent}/{cid}")
        prefix, fds = (self.namespace.prefix, self.namespace.pass_fds) if self.namespace else ([], ())
        argv = [*prefix, self.tool, "--root", str(self.state), *self.global_flags(), "run", "--bundle", str(bundle),
                cid]
        try:
            memory_cgroup = cgroups.for_host(cid, parent=parent).path
        except OSError:
            memory_cgroup = None
        # The runtime removes its cgroup when the container ends; if `run` was
        # killed, the container lives on in a session of its own: remove_cgroups.
        return PeerInstance(self.name, argv, spec.argv[0], cgroup=memory_cgroup, pass_fds=(*fds, *spec.inherited_fds),
                            finish=[lambda: self._delete(cid, prefix, fds), lambda: remove_cgroups(parent, [cid]),
                                    lambda: shutil.rmtree(bundle)])

    def global_flags(self) -> list[str]:
        """Options of the runtime's own, before its `run` (gVisor's platform and network); none for crun, runc."""
        return []

    def _delete(self, cid: str, prefix: list[str], fds: tuple[int, ...]) -> None:
        """``delete --force`` when the runtime left its state behind (the run was killed)."""
        if not (self.state / cid).exists():
            return
        done = subprocess.run([*prefix, self.tool, "--root", str(self.state), "delete", "--force", cid],
                              capture_output=True, text=True, pass_fds=fds, timeout=30)
        if done.returncode != 0 and (self.state / cid).exists():
            raise InstanceError(say("oci.delete-failed", runtime=self.name, container=cid,
                                    said=done.stderr.strip() or say("tool.no-output")))

