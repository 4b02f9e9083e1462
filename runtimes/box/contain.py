"""Inside the new container, before its first program runs: the steps, in order.

``contain(plan)`` runs in the child box forks, which is already process 1
of a new PID namespace (see ``container.py``). Each step is one small named
function, and their order matters:

1. join the cgroup       — before anything else, so every byte and every
                           CPU cycle from here on is charged to the container;
2. new namespaces        — mount, UTS, IPC, network, cgroup (the cgroup
                           namespace after joining, so the container's own
                           group looks like the root of the tree to it);
3. hostname, loopback    — only possible once UTS and network are private;
4. filesystem            — private mounts, OverlayFS root, volumes, /proc
                           (mounted by PID 1, so it shows this PID namespace),
                           /sys, /dev, then pivot_root and the masked paths;
5. privileges            — rlimits, the image's user and capabilities,
                           no_new_privs, and seccomp last, because it
                           forbids mount and friends;
6. exec box-init         — which starts the command and stays as PID 1.
                           Every descriptor above 2 is closed on the way
                           (close-on-exec), but box-init's status file: a
                           directory the caller left open would otherwise be
                           a door back to the host (CVE-2024-21626).

A failing step writes "step: error" to the error pipe and exits with 125;
the parent reads it and reports it as one line.
"""

from __future__ import annotations

import dataclasses
import gc
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from runtimes.box import user
from runtimes.kernel import linux, network, rootfs, seccomp, security


@dataclasses.dataclass(frozen=True)
class Volume:
    """A bind mount: the host's ``host`` directory at ``target`` in the container, read-only if asked."""

    host: Path
    target: str
    readonly: bool = False


@dataclasses.dataclass(frozen=True)
class ContainPlan:
    """Everything the child needs, computed by the parent before fork."""

    hostname: str
    lower: tuple[Path, ...]
    upper: Path
    work: Path
    merged: Path
    cgroup_join_files: tuple[Path, ...]
    init_fd: int                      # box-init, opened before pivot_root hides the host
    init_argv: tuple[str, ...]        # ("box-init", [--status-fd N], [--tty], "--", command...)
    env: tuple[str, ...]
    workdir: str = "/"
    volumes: tuple[Volume, ...] = ()
    seccomp_bpf: bytes | None = None   # compiled once by the parent (seccomp.program); None: unconfined
    console: str | None = None        # the pty to bind on /dev/console, with -t
    user: str = ""                    # the image's USER ("" = root), resolved inside (user.py)
    keep_fds: tuple[int, ...] = ()    # descriptors box-init inherits (its status file); every other one is closed


def join_cgroup(plan: ContainPlan) -> None:
    for path in plan.cgroup_join_files:  # v1: each controller's `tasks`; v2: cgroup.procs (see cgroups.py)
        path.write_text("0")  # "0" means "the writing thread/process" (cgroups.rst; cgroup-v2.rst, cgroup.procs)


def unshare_namespaces(plan: ContainPlan) -> None:
    linux.unshare(linux.CLONE_NEWNS | linux.CLONE_NEWUTS | linux.CLONE_NEWIPC
                  | linux.CLONE_NEWNET | linux.CLONE_NEWCGROUP)


def set_hostname(plan: ContainPlan) -> None:
    linux.sethostname(plan.hostname)


def bring_up_loopback(plan: ContainPlan) -> None:
    network.bring_up_loopback()


def build_root(plan: ContainPlan) -> None:
    rootfs.make_mounts_private()
    rootfs.mount_overlay(plan.lower, plan.upper, plan.work, plan.merged)
    root_fd = rootfs.open_root(plan.merged)  # every path inside is resolved from here, never from the host's "/"
    try:
        for volume in plan.volumes:
            rootfs.bind_volume(volume.host, root_fd, volume.target, volume.readonly)
        rootfs.mount_proc(root_fd)
        rootfs.mount_sys(root_fd)
        rootfs.make_dev(root_fd, plan.console)
    finally:
        os.close(root_fd)


def enter_root(plan: ContainPlan) -> None:
    rootfs.pivot_into(plan.merged)
    rootfs.mask_paths()
    os.chdir(plan.workdir)


def drop_privileges(plan: ContainPlan) -> None:
    security.set_rlimits()
    security.drop_capabilities(user=user.resolve(plan.user))  # after enter_root: names are the image's
    security.set_no_new_privs()
    seccomp.load(plan.seccomp_bpf)


def close_inherited_fds(keep: tuple[int, ...]) -> None:
    """Let only stdin, stdout, stderr and ``keep`` survive the exec into box-init (close_range(2))."""
    linux.close_range_on_exec(3)
    for fd in keep:
        os.set_inheritable(fd, True)


STEPS: tuple[Callable[[ContainPlan], None], ...] = (
    join_cgroup, unshare_namespaces, set_hostname, bring_up_loopback, build_root, enter_root, drop_privileges,
)


def contain(plan: ContainPlan, error_fd: int) -> None:
    """Run every step, then become box-init. Never returns.

    Just before the exec, the time each step took goes up the error pipe as
    one line, ``steps join_cgroup=0.000221 …`` (seconds): the report's
    "where the time goes". A failure instead writes ``step: error``.
    """
    gc.disable()  # a collection would touch (and so copy) pages shared with the parent, for nothing
    step = "start"
    try:
        timings = []
        for run_step in STEPS:
            step = run_step.__name__
            began = time.monotonic_ns()
            run_step(plan)
            timings.append(f"{step}={(time.monotonic_ns() - began) / 1e9:.6f}")
        os.write(error_fd, ("steps " + " ".join(timings)).encode())
        step = "exec box-init"
        close_inherited_fds(plan.keep_fds)
        os.execve(plan.init_fd, list(plan.init_argv), dict(e.split("=", 1) for e in plan.env))
    except BaseException as err:  # noqa: BLE001 — whatever failed, the parent must hear it
        plain = isinstance(err, (OSError, ValueError))  # errors that already say what went wrong
        message = f"{step}: {err}" if plain else f"{step}: {type(err).__name__}: {err}"
        os.write(error_fd, message.encode(errors="replace")[:4000])
    finally:
        sys.stderr.flush()
        os._exit(125)
