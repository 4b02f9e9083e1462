"""Joining a running container: `vz exec`, `vz enter`, and live changes made from inside.

A new process enters a CT the way nsenter(1) or `vzctl exec` do: it joins
the CT's cgroup, then every namespace of the CT's init at once — one
setns(2) on a pidfd of init (Linux 5.8), which also guards against the PID
having been reused — takes the CT's privileges (security.confine) and execs.
Joining a PID namespace only places the caller's *children* in it, so what
it execs is box's small static init (box-init, reused), which forks the
command inside the CT, passes signals on to it, and exits with its status.

box-init is exec'd from a sealed in-memory copy (memfd_create(2), F_SEAL_WRITE),
not from its file: between its fork and the command's exec, its child is
inside the CT, and root there could otherwise reach the host's binary
through /proc/PID/exe and rewrite it for every later exec (runc's
CVE-2019-5736). A sealed memfd cannot be written by anyone. No descriptor
of the caller's but stdin, stdout and stderr survives that exec (close_range(2)).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from runtimes.kernel import linux
from runtimes.kernel.init import sealed_init
from runtimes.openvz import disk, security, state
from runtimes.kernel.messages import say
from runtimes.openvz.errors import BadInput, Conflict, VzError

EXEC_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
ALL_NAMESPACES = (linux.CLONE_NEWCGROUP | linux.CLONE_NEWIPC | linux.CLONE_NEWUTS | linux.CLONE_NEWNET
                  | linux.CLONE_NEWPID | linux.CLONE_NEWNS)


@dataclasses.dataclass(frozen=True)
class Started:
    """A process started inside a CT (`vz exec`); ``error_fd`` carries its set-up error, if any."""

    pid: int
    error_fd: int

    def setup_error(self) -> str:
        """What failed before the command ran ('' once it did). Blocks until the exec or the exit."""
        chunks = []
        while chunk := os.read(self.error_fd, 4096):
            chunks.append(chunk)
        return b"".join(chunks).decode(errors="replace")


def exec_in(init: state.RunState, procs: Sequence[Path], argv: Sequence[str], stdio: tuple[int, int, int],
            tty: bool, env: dict[str, str]) -> Started:
    """Fork a child that joins the CT of ``init`` and execs box-init with ``argv``; returns at once."""
    program = security.seccomp_program()  # first: it refuses without libseccomp's binding, before anything is open
    helper = sealed_init()
    pidfd = os.pidfd_open(init.pid)
    root_fd = linux.open_root(init.pid)
    error_r, error_w = os.pipe()
    helper_argv = ["box-init", *(["--tty"] if tty else []), "--", *argv]
    try:
        if not state.alive(init.pid, init.pid_start):  # checked after pidfd_open: the pidfd is init's
            raise Conflict("the CT is not running any more")
        pid = os.fork()
        if pid == 0:
            _exec_child(procs, pidfd, root_fd, stdio, error_w, helper, helper_argv, env, program)
    except BaseException:
        os.close(error_r)
        raise
    finally:
        for fd in (pidfd, root_fd, error_w):
            os.close(fd)
    return Started(pid, error_r)


def _exec_child(procs: Sequence[Path], pidfd: int, root_fd: int, stdio: tuple[int, int, int], error_w: int,
                helper: int, argv: list[str], env: dict[str, str], program: bytes | None) -> None:
    """In the forked child of `vz exec`: join the CT, take its privileges, exec box-init. Never returns."""
    step = "join cgroup"
    try:
        os.setsid()  # its own session: the caller forwards signals, a tty becomes its terminal
        for target, fd in enumerate(stdio):
            os.dup2(fd, target)
        # Every other descriptor the caller left inheritable (a shell's `exec 9</`
        # is the host's "/") would otherwise be the command's, inside the CT
        # (runc's CVE-2024-21626). Marked rather than closed: the helper and
        # the error pipe are needed up to the execve. close_range(2)
        linux.close_range_on_exec(3)
        for path in procs:  # Cgroup.self_join_files: the writer moves itself
            path.write_text("0")
        step = "setns"
        linux.setns(pidfd, ALL_NAMESPACES)
        linux.enter_root(root_fd)
        step = "drop privileges"
        security.confine(program)
        step = "exec"
        os.execve(helper, argv, env)
    except BaseException as err:  # noqa: BLE001 — whatever failed, the parent must hear it
        os.write(error_w, f"{step}: {err}".encode(errors="replace")[:4000])
    finally:
        os._exit(126)


def environment(tty: bool, extra: Sequence[str]) -> dict[str, str]:
    env = {"PATH": EXEC_PATH, "HOME": "/root"}
    if tty:
        env["TERM"] = os.environ.get("TERM", "xterm")
    for item in extra:
        key, sep, value = item.partition("=")
        if not key or not sep:
            raise BadInput(f"invalid environment variable {item!r}: expected KEY=VALUE")
        env[key] = value
    return env


def run_privileged(init_pid: int, flags: int, action: Callable[[str], None], arg: str) -> None:
    """Run ``action(arg)`` in a child that joined the CT's namespaces ``flags`` with the host's privileges."""
    pidfd = os.pidfd_open(init_pid)
    root_fd = linux.open_root(init_pid)
    error_r, error_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            linux.setns(pidfd, flags)
            if flags & linux.CLONE_NEWNS:
                linux.enter_root(root_fd)
            action(arg)
            os._exit(0)
        except BaseException as err:  # noqa: BLE001 — the parent must hear it
            os.write(error_w, str(err).encode(errors="replace")[:4000])
        finally:
            os._exit(1)
    os.close(error_w)
    os.close(pidfd)
    os.close(root_fd)
    with os.fdopen(error_r, "rb") as errors:
        message = errors.read().decode(errors="replace")
    _, status = os.waitpid(pid, 0)
    if status != 0:
        raise VzError(say("vz.exec-inside-failed", said=message or say("tool.no-output")))


def set_hostname(name: str) -> None:
    """`vz set --hostname` on a running CT: its UTS namespace and its /etc/hostname.

    This process has the host's privileges, and /etc/hostname is the CT's to
    make a link of: the write follows links only within the CT's disk
    (disk.write_in_root), and one that leads elsewhere is refused.
    """
    linux.sethostname(name)
    root_fd = os.open("/", os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)  # the CT's root: enter_root moved us there
    try:
        disk.write_in_root(root_fd, "/etc/hostname", name + "\n")
    except OSError as err:
        raise VzError(say("vz.hostname-not-written", said=disk.why_not_written("/etc/hostname", err))) from None
    finally:
        os.close(root_fd)
