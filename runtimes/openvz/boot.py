"""Inside a new container, from the fork to its init: the steps, in order.

``boot(plan)`` runs in the child ``vz start`` forks, which is already the
first process (PID 1) of a new PID namespace (ct.py does the fork, as box
does). Like box's contain.py it is a list of small named steps; what makes
it a *system* container is the end: it execs the CT's own ``/sbin/init``
(busybox init, reading the /etc/inittab on the CT's disk), not a command.

0. close inherited fds      nothing the caller left open reaches the CT;
1. join the cgroup           every byte and CPU cycle from here on is the CT's;
2. new namespaces            mount, UTS, IPC, network, cgroup; then tell the
                             host, which creates the veth pair in the new
                             network namespace *while* the steps below run;
3. loopback up
4. the disk                  a loop device for the CT's image (loop.attach),
                             mounted on $VZ_ROOT/root/<CTID> in this private
                             mount namespace only, nodev (device nodes on the
                             disk do nothing; /dev is ours);
5. /proc /sys /dev /run      box's rootfs helpers, plus a tmpfs on /run;
6. pivot_root                into the disk; the host's tree is gone;
7. hostname, /etc/hosts      set from the config (or read from the CT's own
                             /etc/hostname), written with openat2(2) so that a
                             link the CT left on its disk is followed only
                             within that disk (disk.write_in_root);
8. wait for the network      the host says when eth0 is configured, so init's
                             boot scripts see the network, as on a real system;
9. privileges                security.confine: capabilities and seccomp;
10. exec /sbin/init          PID 1 of the CT from now on.

Progress and failures go to the host over ``status_fd`` as lines: "ns" after
step 2, "error STEP: MESSAGE" on failure (then exit 125). The pipe is
close-on-exec, so the host reads end-of-file the moment init is exec'd.
"""

from __future__ import annotations

import dataclasses
import gc
import os
import signal
from collections.abc import Callable, Sequence
from pathlib import Path

from runtimes.kernel import linux, loop, network, rootfs
from runtimes.kernel.linux import MS_NODEV, MS_NOSUID
from runtimes.openvz import disk, security
from runtimes.openvz.config import parse_hostname
from runtimes.openvz.errors import BadInput

INIT = "/sbin/init"
INIT_ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/", "TERM": "linux",
            "container": "vz"}  # systemd's convention: tells an init it runs in a container
MAX_FD = 2**31 - 1  # os.closerange's upper bound (exclusive): every descriptor number there can be


@dataclasses.dataclass(frozen=True)
class BootPlan:
    """Everything the child needs, computed by the host before the fork."""

    ctid: int
    image: Path
    mountpoint: Path
    hostname: str | None
    ips: tuple[str, ...]
    cgroup_join_files: tuple[Path, ...]
    console_fd: int                   # the CT's console: init's stdout and stderr
    status_fd: int                    # child → host: progress and errors
    go_fd: int                        # host → child: one byte once the network is configured
    seccomp_bpf: bytes | None
    die_with_parent: bool = False


def join_cgroup(plan: BootPlan) -> None:
    for path in plan.cgroup_join_files:  # v1: `tasks`, v2: cgroup.procs (Cgroup.self_join_files says why)
        path.write_text("0")  # "0": the writer itself (cgroups.rst; cgroup-v2.rst, cgroup.procs)


def unshare_namespaces(plan: BootPlan) -> None:
    linux.unshare(linux.CLONE_NEWNS | linux.CLONE_NEWUTS | linux.CLONE_NEWIPC
                  | linux.CLONE_NEWNET | linux.CLONE_NEWCGROUP)
    os.write(plan.status_fd, b"ns\n")  # the host may now create the veth pair in our network namespace


def bring_up_loopback(plan: BootPlan) -> None:
    network.bring_up_loopback()


def mount_disk(plan: BootPlan) -> None:
    rootfs.make_mounts_private()
    fd, device = loop.attach(plan.image)
    try:
        linux.mount(device, str(plan.mountpoint), "ext4", MS_NODEV)
    finally:
        os.close(fd)  # from now on the mount holds the device; AUTOCLEAR frees it with the mount


def mount_system_dirs(plan: BootPlan) -> None:
    # The CT's disk is the CT's to write: between two starts its root may have
    # made /proc or /run a link to a host path. Every target is therefore
    # resolved inside the CT's root (box's rootfs.py explains how).
    root_fd = rootfs.open_root(plan.mountpoint)
    try:
        rootfs.mount_proc(root_fd)
        rootfs.mount_sys(root_fd)
        rootfs.make_dev(root_fd)
        run = rootfs.make_dirs_in_root(root_fd, "run")
        try:
            linux.mount("tmpfs", f"/proc/self/fd/{run}", "tmpfs", MS_NOSUID | MS_NODEV, "mode=755,size=16m")
        finally:
            os.close(run)
    finally:
        os.close(root_fd)


def enter_root(plan: BootPlan) -> None:
    rootfs.pivot_into(plan.mountpoint)
    rootfs.mask_paths()


def set_identity(plan: BootPlan) -> None:
    """Hostname into the UTS namespace and /etc/hostname; the CT's addresses into /etc/hosts.

    The CT's root wrote this disk last time it ran and may have left
    /etc/hostname a link to /proc/self/fd/1 (the host's log file we hold) or
    into /sys: disk.write_in_root follows links only within the CT's disk.
    A file that leads elsewhere is left alone, and the console says so: the
    CT still starts, so its administrator can repair it.
    """
    root_fd = os.open("/", os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)  # the CT's root: pivot_root is done
    try:
        hostname = plan.hostname or _hostname_on_disk(root_fd) or "localhost"
        linux.sethostname(hostname)
        if plan.hostname:
            _write_or_say(root_fd, "/etc/hostname", hostname + "\n")
        if plan.hostname or plan.ips:
            lines = ["# written by vz start", "127.0.0.1\tlocalhost", *(f"{ip}\t{hostname}" for ip in plan.ips)]
            _write_or_say(root_fd, "/etc/hosts", "\n".join(lines) + "\n")
    finally:
        os.close(root_fd)


def _write_or_say(root_fd: int, path: str, text: str) -> None:
    try:
        os.close(rootfs.make_dirs_in_root(root_fd, os.path.dirname(path)))
        disk.write_in_root(root_fd, path, text)
    except OSError as err:
        # fd 2 is the console; sys.stderr may be a caller's object whose fd is closed by now
        os.write(2, f"vz: not writing {disk.why_not_written(path, err)}\n".encode())


def _hostname_on_disk(root_fd: int) -> str | None:
    try:
        return parse_hostname(disk.read_in_root(root_fd, "/etc/hostname").strip())
    except (OSError, BadInput):
        return None


def wait_for_network(plan: BootPlan) -> None:
    if os.read(plan.go_fd, 1) != b"1":
        raise RuntimeError("the host gave up before the network was ready")


def drop_privileges(plan: BootPlan) -> None:
    security.confine(plan.seccomp_bpf)


def close_inherited_fds(keep: Sequence[int]) -> None:
    """Close every descriptor above 2 except ``keep``, before any step runs (close_range(2)).

    Whatever the caller left open and inheritable (a shell's ``exec 9</``
    leaves a directory of the host at fd 9) would otherwise reach the CT:
    its init would hold it, and /proc/1/fd/9/ would be the host's "/" for
    root in the CT (the class of runc's CVE-2024-21626). They are closed at
    once, not only at the exec, because the steps below already resolve
    paths inside the CT's root, where a link to /proc/self/fd/9 could lead.
    """
    first = 3
    for fd in sorted({fd for fd in keep if fd >= 3}):
        os.closerange(first, fd)
        first = fd + 1
    os.closerange(first, MAX_FD)


STEPS: tuple[Callable[[BootPlan], None], ...] = (
    join_cgroup, unshare_namespaces, bring_up_loopback, mount_disk, mount_system_dirs, enter_root,
    set_identity, wait_for_network, drop_privileges,
)


def boot(plan: BootPlan) -> None:
    """In the forked child: run every step, then exec the CT's init. Never returns."""
    gc.disable()  # a collection would touch (and so copy) pages shared with the parent, for nothing
    step = "start"
    try:
        if plan.die_with_parent:  # the harness died: take the CT with it, nothing is left mounted
            linux.prctl(linux.PR_SET_PDEATHSIG, signal.SIGKILL)
        os.setsid()  # not in the caller's session: its Ctrl-C is not the CT's
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(plan.console_fd, 1)
        os.dup2(plan.console_fd, 2)
        close_inherited_fds(keep=(plan.status_fd, plan.go_fd))
        for run_step in STEPS:
            step = run_step.__name__
            run_step(plan)
        step = f"exec {INIT}"
        linux.close_range_on_exec(3)  # the status pipe must stay open until the exec itself: its EOF says "exec'd"
        os.execve(INIT, ["init"], INIT_ENV)
    except BaseException as err:  # noqa: BLE001 — whatever failed, the host must hear it
        text = f"{step}: {err}" if isinstance(err, OSError) else f"{step}: {type(err).__name__}: {err}"
        os.write(plan.status_fd, f"error {text}\n".encode(errors="replace")[:4000])
    finally:
        os._exit(125)
