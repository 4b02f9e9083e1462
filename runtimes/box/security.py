"""What a container's root may still do: capabilities, no_new_privs, rlimits, seccomp.

Root in a container is still uid 0 on the host (box uses no user namespace),
so what stands between it and the host is this file:

- **Capabilities** (capabilities(7)): root's powers split into ~40 pieces.
  We keep Docker's default set and drop every other one from the bounding
  set; when box-init is exec'd as uid 0 its capabilities become exactly that
  set, and nothing it runs can ever get the others back. All five sets are
  written (``drop_capabilities``), and which capabilities exist is asked of
  the kernel, never of a file inside the container.
- **The image's user** (its ``USER``, see user.py): supplementary groups,
  group and user are set on the way; a user other than root keeps no
  capabilities at all, as in Docker.
- **no_new_privs** (prctl(2), PR_SET_NO_NEW_PRIVS): execve() can no longer
  grant privileges (set-user-ID bits and file capabilities are ignored).
- **rlimits** (getrlimit(2)): the OCI runtime spec's default for open files.
- **seccomp** (seccomp(2)): a filter in the kernel that refuses chosen system
  calls with EPERM: the ones Docker's default profile blocks, listed below.
  libseccomp's own Python binding (Debian package python3-seccomp, linked
  into the virtualenv by scripts/provision) compiles it once; without it the
  container runs with no filter and says so (``seccomp_available()``).
"""

from __future__ import annotations

import ctypes
import errno
import functools
import os
import resource
from collections.abc import Iterable

from runtimes.box import linux
from runtimes.box.user import ROOT, Identity

# Docker's default capability set (moby oci/caps/defaults.go), by number
# from linux/capability.h. Everything else — CAP_SYS_ADMIN (mount, most of
# the kernel's admin calls), CAP_SYS_MODULE, CAP_SYS_TIME, CAP_NET_ADMIN,
# CAP_SYS_PTRACE, CAP_SYS_BOOT, … — is dropped.
DOCKER_DEFAULT_CAPS = {
    "CAP_CHOWN": 0, "CAP_DAC_OVERRIDE": 1, "CAP_FOWNER": 3, "CAP_FSETID": 4, "CAP_KILL": 5,
    "CAP_SETGID": 6, "CAP_SETUID": 7, "CAP_SETPCAP": 8, "CAP_NET_BIND_SERVICE": 10,
    "CAP_NET_RAW": 13, "CAP_SYS_CHROOT": 18, "CAP_MKNOD": 27, "CAP_AUDIT_WRITE": 29, "CAP_SETFCAP": 31,
}
PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2  # prctl(2)

# The OCI runtime spec's example/default rlimit (runc spec's config.json).
RLIMITS = {resource.RLIMIT_NOFILE: (1024, 1024)}

# System calls Docker's default seccomp profile refuses (docs: "Significant
# syscalls blocked by the default profile"), for a plain container.
BLOCKED_SYSCALLS = (
    "acct", "add_key", "bpf", "clock_adjtime", "clock_settime", "create_module", "delete_module",
    "finit_module", "get_kernel_syms", "get_mempolicy", "init_module", "ioperm", "iopl", "kcmp",
    "kexec_file_load", "kexec_load", "keyctl", "lookup_dcookie", "mbind", "mount", "move_pages",
    "name_to_handle_at", "nfsservctl", "open_by_handle_at", "perf_event_open", "personality",
    "pivot_root", "process_vm_readv", "process_vm_writev", "ptrace", "query_module", "quotactl",
    "reboot", "request_key", "set_mempolicy", "setns", "settimeofday", "swapon", "swapoff",
    "sysfs", "_sysctl", "umount2", "unshare", "uselib", "userfaultfd", "ustat",
    "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick",
)


def kernel_capabilities() -> range:
    """Every capability number this kernel knows, asked of the kernel itself.

    PR_CAPBSET_READ fails with EINVAL past the last one (prctl(2)). Not read
    from /proc/sys/kernel/cap_last_cap: inside a container that file is
    wherever the image's /proc leads, and an image that fakes "0" there would
    keep every capability.
    """
    cap = 0
    while True:
        try:
            linux.prctl(linux.PR_CAPBSET_READ, cap)
        except OSError as err:
            if err.errno == errno.EINVAL:
                return range(cap)
            raise
        cap += 1


def drop_capabilities(keep: Iterable[int] = DOCKER_DEFAULT_CAPS.values(), user: Identity = ROOT) -> None:
    """Become ``user`` and set all five capability sets (capabilities(7)), none left to chance.

    In this order, because each step needs a capability the next one gives up:
    1. bounding set: only ``keep`` (needs CAP_SETPCAP); nothing run later can
       ever gain another;
    2. the user: supplementary groups, group, then user (CAP_SETGID, CAP_SETUID);
       for a user other than root, setuid(2) empties the other sets itself;
    3. effective and permitted: ``keep`` for root, nothing for another user;
       inheritable: empty, so a file with inheritable file capabilities gains
       nothing across execve (CVE-2022-24769, fixed in runc and Docker by
       clearing it);
    4. ambient: empty.
    """
    kept = set(keep)
    for cap in kernel_capabilities():
        if cap not in kept:
            linux.prctl(linux.PR_CAPBSET_DROP, cap)
    os.setgroups(list(user.groups))  # always: the caller's supplementary groups never reach the container
    os.setgid(user.gid)
    os.setuid(user.uid)
    mask = sum(1 << cap for cap in kept) if user.uid == 0 else 0
    linux.capset(effective=mask, permitted=mask, inheritable=0)
    linux.prctl(linux.PR_CAP_AMBIENT, linux.PR_CAP_AMBIENT_CLEAR_ALL)


def set_no_new_privs() -> None:
    linux.prctl(linux.PR_SET_NO_NEW_PRIVS, 1)


def set_rlimits() -> list[str]:
    """Apply RLIMITS; return what could not be set (e.g. above a hard limit without CAP_SYS_RESOURCE)."""
    refused = []
    for which, (soft, hard) in RLIMITS.items():
        try:
            resource.setrlimit(which, (soft, hard))
        except (ValueError, OSError) as err:
            refused.append(f"rlimit {which}: {err}")
    return refused


def seccomp_available() -> bool:
    return seccomp_program() is not None


def seccomp_program() -> bytes | None:
    """box's filter: Docker's blocked calls (see compile_seccomp)."""
    return compile_seccomp(BLOCKED_SYSCALLS)


@functools.cache
def compile_seccomp(blocked: tuple[str, ...]) -> bytes | None:
    """A filter as a compiled BPF program: allow by default, EPERM for the ``blocked`` calls.

    libseccomp compiles the rules (with the check that the calling
    convention is x86-64's) into classic BPF once per process; each
    container then only hands those bytes to the kernel. None without
    libseccomp's binding.
    """
    try:
        import seccomp
    except ImportError:
        return None
    flt = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    for name in blocked:
        try:
            flt.add_rule(seccomp.ERRNO(errno.EPERM), name)
        except (RuntimeError, ValueError, OSError):
            continue  # a call this architecture does not have
    read_fd, write_fd = os.pipe()
    with os.fdopen(write_fd, "wb") as out:
        flt.export_bpf(out)
    with os.fdopen(read_fd, "rb") as program:
        return program.read()


class _SockFprog(ctypes.Structure):
    """struct sock_fprog (linux/filter.h): a BPF program's length and instructions."""

    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def load_seccomp(program: bytes | None) -> None:
    """Install a compiled filter on the calling thread (seccomp(2), SECCOMP_MODE_FILTER).

    Needs no_new_privs first when the caller lacks CAP_SYS_ADMIN, so set_no_new_privs comes before.
    """
    if program is None:
        return
    instructions = ctypes.create_string_buffer(program, len(program))
    fprog = _SockFprog(len(program) // 8, ctypes.cast(instructions, ctypes.c_void_p))  # 8 bytes per instruction
    linux.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(fprog))
