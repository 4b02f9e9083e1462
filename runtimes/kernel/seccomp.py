"""The seccomp allow-list of box (crun, runc and LXC in the suite get it too): Docker's default, compiled once, loaded last.

seccomp (seccomp(2), SECCOMP_MODE_FILTER) hands the kernel a small BPF
program that then looks at every system call the process — and everything it
starts — makes: its number, its calling convention, the values of its six
argument registers. The program answers *allow*, *fail with this errno* or
*kill*. It is the last wall between root in a container and the host's
kernel: capabilities decide what a call may do, seccomp decides which calls
can be made at all, so a bug in a call the container never needs is a bug it
cannot reach.

The profile is data (``BOX_PROFILE``, below), modelled on Docker's default
(github.com/moby/profiles, seccomp/default.json, v0.2.3):

- **default: EPERM** for every call not listed — including every call that
  kernels newer than this list add (a deny-list would let those through);
- **allowed**: about 300 calls, in groups below, each with the reason it is
  safe: the calls Docker allows unconditionally on x86-64, plus those it
  allows for a capability box keeps (chroot, for CAP_SYS_CHROOT). Not the
  ones Docker allows only with CAP_SYS_ADMIN (mount, unshare, setns, bpf,
  perf_event_open…), CAP_SYS_PTRACE, CAP_SYS_MODULE, CAP_SYS_BOOT…: box drops
  those capabilities. Not io_uring_* (Docker dropped them: io_uring's
  operations bypass the filter, which never sees them as system calls);
- **allowed when an argument says so** (``ArgRule``): clone without a
  namespace flag, socket except AF_ALG and AF_VSOCK, personality for the
  few harmless personas;
- **clone3 answers ENOSYS**: its flags are in memory, which the filter cannot
  read (it sees only register values), so it cannot tell a plain thread from
  a new user namespace. "Not implemented" makes glibc fall back to clone,
  whose flags are in a register;
- **x86-64 only**: a call through the i386 (``int 0x80``) or x32 conventions
  has other numbers (i386's 1 is exit, x86-64's is write), so a filter
  written for one convention means nothing to another: such calls kill the
  process (libseccomp's "bad architecture" action).

One place box is stricter than Docker: Docker has allowed ptrace,
process_vm_readv and process_vm_writev to everyone since kernel 4.8 (when a
traced process stopped being able to slip past seccomp); box, whose workloads
need no debugger, leaves them to the capability Docker also lists them
under, CAP_SYS_PTRACE, which it drops.

libseccomp (Debian's python3-seccomp, linked into the virtualenv by
scripts/provision) turns the profile into BPF (``program``), kept in
isobench's cache directory until the profile or libseccomp changes; each
container then only hands those bytes to the kernel (``load``). Without the binding box refuses to start a container, unless the
caller asked for none (``--security-opt seccomp=unconfined``, as Docker).
"""

from __future__ import annotations

import ctypes
import dataclasses
import errno
import functools
import os
import zlib
from collections.abc import Iterable, Sequence
from types import ModuleType

from runtimes.kernel import linux
from runtimes.kernel.errors import SetupError
from runtimes.kernel.paths import cache_dir

# What a container's config records (state.Config.seccomp), from Docker's `--security-opt seccomp=…`.
CONFINED, UNCONFINED = "default", "unconfined"
FIX = "apt-get install python3-seccomp (or sudo scripts/provision)"

# Calls allowed whatever their arguments, by what they are for. A group is
# safe either because it touches only the caller's own things (its memory,
# its files, its children), or because the kernel already checks a
# capability box drops, or a namespace box gives the container its own copy.
ALLOWED: dict[str, tuple[str, ...]] = {
    # Paths: permission bits and the mount namespace bound them; mknod makes
    # device nodes only with CAP_MKNOD, and the device cgroup decides which may be opened.
    "files and directories": (
        "access", "chdir", "chmod", "chown", "creat", "faccessat", "faccessat2", "fchdir", "fchmod", "fchmodat",
        "fchmodat2", "fchown", "fchownat", "fstat", "fstatfs", "futimesat", "getcwd", "getdents", "getdents64",
        "lchown", "link", "linkat", "lstat", "mkdir", "mkdirat", "mknod", "mknodat", "newfstatat", "open", "openat",
        "openat2", "readlink", "readlinkat", "rename", "renameat", "renameat2", "rmdir", "stat", "statfs", "statx",
        "symlink", "symlinkat", "truncate", "umask", "unlink", "unlinkat", "utime", "utimensat", "utimes",
        # a handle only names a file; opening one (open_by_handle_at) needs CAP_DAC_READ_SEARCH and is not here
        "name_to_handle_at",
        "statmount", "listmount",  # read the container's own mount table
    ),
    "extended attributes": (
        "fgetxattr", "flistxattr", "fremovexattr", "fsetxattr", "getxattr", "getxattrat", "lgetxattr", "listxattr",
        "listxattrat", "llistxattr", "lremovexattr", "lsetxattr", "removexattr", "removexattrat", "setxattr",
        "setxattrat",
    ),
    "file descriptors and I/O": (
        "cachestat", "close", "close_range", "copy_file_range", "dup", "dup2", "dup3", "fadvise64", "fallocate",
        "fcntl", "fdatasync", "flock", "fsync", "ftruncate", "ioctl", "lseek", "pipe", "pipe2", "pread64", "preadv",
        "preadv2", "pwrite64", "pwritev", "pwritev2", "read", "readahead", "readv", "sendfile", "splice", "sync",
        "sync_file_range", "syncfs", "tee", "vmsplice", "write", "writev",
    ),
    # Linux's older asynchronous I/O (libaio, fio's default engine). io_uring is not here.
    "asynchronous I/O": ("io_cancel", "io_destroy", "io_getevents", "io_pgetevents", "io_setup", "io_submit"),
    "waiting for events": (
        "epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_pwait", "epoll_pwait2", "epoll_wait",
        "epoll_wait_old", "eventfd", "eventfd2", "inotify_add_watch", "inotify_init", "inotify_init1",
        "inotify_rm_watch", "poll", "ppoll", "pselect6", "select", "signalfd", "signalfd4", "timerfd_create",
        "timerfd_gettime", "timerfd_settime",
        "fanotify_mark",  # useless without fanotify_init, which needs CAP_SYS_ADMIN and is not here
    ),
    # The caller's own address space; mlock beyond RLIMIT_MEMLOCK needs CAP_IPC_LOCK.
    "memory": (
        "brk", "madvise", "membarrier", "memfd_create", "memfd_secret", "mincore", "mlock", "mlock2", "mlockall",
        "mmap", "mprotect", "mremap", "mseal", "msync", "munlock", "munlockall", "munmap", "pkey_alloc", "pkey_free",
        "pkey_mprotect", "remap_file_pages",
    ),
    # New processes come from fork, vfork and clone (clone only without namespace flags: see ARG_RULES).
    "processes and threads": (
        "execve", "execveat", "exit", "exit_group", "fork", "vfork", "wait4", "waitid", "getpid", "getppid",
        "gettid", "getpgid", "getpgrp", "getsid", "setpgid", "setsid", "prctl", "getrlimit", "setrlimit", "prlimit64",
        "getrusage", "set_tid_address", "set_robust_list", "get_robust_list", "rseq", "restart_syscall",
        "futex", "futex_requeue", "futex_wait", "futex_waitv", "futex_wake", "pidfd_open", "process_mrelease",
    ),
    # Signalling another process needs the same user or CAP_KILL, and the PID namespace hides the host's.
    "signals": (
        "kill", "tgkill", "tkill", "pidfd_send_signal", "rt_sigaction", "rt_sigpending", "rt_sigprocmask",
        "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait", "rt_tgsigqueueinfo", "sigaltstack",
        "pause",
    ),
    # Reading clocks; adjtimex and clock_adjtime change them only with CAP_SYS_TIME, which box drops.
    "time and timers": (
        "adjtimex", "alarm", "clock_adjtime", "clock_getres", "clock_gettime", "clock_nanosleep", "getitimer",
        "gettimeofday", "nanosleep", "setitimer", "time", "timer_create", "timer_delete", "timer_getoverrun",
        "timer_gettime", "timer_settime", "times",
    ),
    # Lowering one's own priority is free; raising it needs CAP_SYS_NICE, which box drops.
    "scheduling": (
        "getcpu", "getpriority", "setpriority", "ioprio_get", "ioprio_set", "sched_get_priority_max",
        "sched_get_priority_min", "sched_getaffinity", "sched_getattr", "sched_getparam", "sched_getscheduler",
        "sched_rr_get_interval", "sched_setaffinity", "sched_setattr", "sched_setparam", "sched_setscheduler",
        "sched_yield",
    ),
    # Changing identity needs CAP_SETUID/CAP_SETGID; capset can only shrink what the bounding set allows.
    "users, groups and capabilities": (
        "getuid", "geteuid", "getgid", "getegid", "getgroups", "getresuid", "getresgid", "setuid", "setgid",
        "setreuid", "setregid", "setresuid", "setresgid", "setfsuid", "setfsgid", "setgroups", "capget", "capset",
    ),
    # Sockets live in the container's network namespace (socket itself: see ARG_RULES).
    "sockets": (
        "accept", "accept4", "bind", "connect", "getpeername", "getsockname", "getsockopt", "listen", "recvfrom",
        "recvmmsg", "recvmsg", "sendmmsg", "sendmsg", "sendto", "setsockopt", "shutdown", "socketpair",
    ),
    # Message queues, semaphores, shared memory: the IPC namespace gives the container its own.
    "System V and POSIX IPC": (
        "msgctl", "msgget", "msgrcv", "msgsnd", "semctl", "semget", "semop", "semtimedop", "shmat", "shmctl", "shmdt",
        "shmget", "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive", "mq_timedsend", "mq_unlink",
    ),
    # A process may always confine itself further (a browser's sandbox inside a container).
    "confining oneself further": ("seccomp", "landlock_add_rule", "landlock_create_ruleset", "landlock_restrict_self"),
    "about the system": ("uname", "sysinfo", "getrandom"),
    # x86-64's own: thread-local storage, the LDT, shadow stacks, the uprobes return trampoline.
    "x86-64": ("arch_prctl", "modify_ldt", "get_thread_area", "set_thread_area", "map_shadow_stack", "uretprobe"),
    # Docker allows these only when the container keeps the capability they need; box keeps it.
    "for CAP_SYS_CHROOT": ("chroot",),
}

# The namespace flags of clone(2): CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC,
# NEWUSER, NEWPID, NEWNET. A user namespace gives its creator every
# capability inside it, and with them the kernel code (netfilter, mount of
# more file systems…) where most container escapes of the last years were
# found; Docker allows namespace flags only with CAP_SYS_ADMIN.
CLONE_NAMESPACE_FLAGS = (linux.CLONE_NEWNS | linux.CLONE_NEWCGROUP | linux.CLONE_NEWUTS | linux.CLONE_NEWIPC
                         | linux.CLONE_NEWUSER | linux.CLONE_NEWPID | linux.CLONE_NEWNET)
AF_ALG, AF_VSOCK = 38, 40  # linux/socket.h: the kernel's crypto API, and sockets to the hypervisor
PERSONAS = (0x0, 0x8, 0x20000, 0x20008, 0xFFFFFFFF)  # PER_LINUX, PER_LINUX32, UNAME26 of each, and "query"


@dataclasses.dataclass(frozen=True)
class ArgRule:
    """Allow ``syscall`` when its argument ``index`` satisfies ``op`` (libseccomp's and the OCI spec's names).

    SCMP_CMP_MASKED_EQ means ``arg & mask == value``.
    """

    syscall: str
    index: int
    op: str          # "SCMP_CMP_EQ", "SCMP_CMP_LT", "SCMP_CMP_GT" or "SCMP_CMP_MASKED_EQ"
    value: int
    mask: int = 0


ARG_RULES = (
    ArgRule("clone", 0, "SCMP_CMP_MASKED_EQ", 0, mask=CLONE_NAMESPACE_FLAGS),
    ArgRule("socket", 0, "SCMP_CMP_LT", AF_ALG),
    ArgRule("socket", 0, "SCMP_CMP_EQ", AF_ALG + 1),   # AF_NFC, between the two refused families
    ArgRule("socket", 0, "SCMP_CMP_GT", AF_VSOCK),
    # personality(2) could otherwise turn address-space randomisation off (ADDR_NO_RANDOMIZE)
    *(ArgRule("personality", 0, "SCMP_CMP_EQ", persona) for persona in PERSONAS),
)

# Calls answered with an errno of their own instead of the default EPERM.
ERRNO_RULES = (("clone3", errno.ENOSYS),)  # so that libc falls back to clone, which the filter can read


@dataclasses.dataclass(frozen=True)
class Profile:
    """A filter as data: what is allowed, on which conditions, and the answer to everything else."""

    allowed: frozenset[str]
    arg_rules: tuple[ArgRule, ...] = ARG_RULES
    errno_rules: tuple[tuple[str, int], ...] = ERRNO_RULES
    default_errno: int = errno.EPERM

    def allowing(self, names: Iterable[str]) -> Profile:
        """This profile with ``names`` allowed too (vz's system containers add a few)."""
        return dataclasses.replace(self, allowed=self.allowed | frozenset(names))


BOX_PROFILE = Profile(allowed=frozenset(name for group in ALLOWED.values() for name in group))

# x86-64 numbers (arch/x86/entry/syscalls/syscall_64.tbl) of allowed calls
# newer than Debian 12's libseccomp (2.5.4), which cannot resolve their names.
NEWER_THAN_LIBSECCOMP = {
    "uretprobe": 335, "statmount": 457, "listmount": 458, "mseal": 462,
    "setxattrat": 463, "getxattrat": 464, "listxattrat": 465, "removexattrat": 466,
}


class SeccompUnavailable(SetupError):
    """libseccomp's Python binding cannot be imported, so no filter can be compiled."""


def setting(security_opts: Sequence[str]) -> str:
    """CONFINED or UNCONFINED from Docker-style ``--security-opt`` values; one clear line for anything else."""
    result = CONFINED
    for opt in security_opts:
        if opt in ("seccomp=unconfined", "seccomp:unconfined"):  # Docker accepts both separators
            result = UNCONFINED
        else:
            raise SetupError(f"unsupported --security-opt {opt!r}: box knows only seccomp=unconfined "
                           "(its seccomp profile is built in; see runtimes/kernel/seccomp.py)")
    return result


@functools.cache
def _binding() -> ModuleType | None:
    try:
        import seccomp  # Debian's python3-seccomp; absolute import: this module's own name does not shadow it
    except ImportError:
        return None
    return seccomp


def available() -> bool:
    return _binding() is not None


def missing_message() -> str:
    return f"libseccomp's Python binding is missing; fix: {FIX}"


def program(profile: Profile = BOX_PROFILE) -> bytes:
    """``profile`` compiled to classic BPF, once per process; SeccompUnavailable without the binding."""
    binding = _binding()
    if binding is None:
        raise SeccompUnavailable(f"cannot confine the container: {missing_message()}; "
                                 "or run it without a filter: --security-opt seccomp=unconfined")
    return _compile(binding, profile)


def program_for(seccomp_setting: str) -> bytes | None:
    """The filter a container with this setting gets: None when unconfined."""
    return None if seccomp_setting == UNCONFINED else program()


@functools.cache
def _compile(binding: ModuleType, profile: Profile) -> bytes:
    """``profile`` as BPF: from the on-disk cache when the same profile was compiled by the same libseccomp.

    libseccomp takes ~2 ms to build a filter of ~300 rules, in every `box run`;
    reading the bytes it produced last time takes a few microseconds. The file
    starts with the whole key (compared in full, so a CRC collision in its name
    only costs a compile), then a NUL, then the program. Like box-init's cached
    binary, it lives in root's cache directory (runtimes/kernel/build.py).
    """
    key = _cache_key(binding, profile)
    path = cache_dir() / "seccomp" / f"{zlib.crc32(key):08x}.bpf"
    stored = _read_trusted(path)
    if stored is not None:
        stored_key, nul, program = stored.partition(b"\0")
        if nul and stored_key == key and program and len(program) % 8 == 0:  # 8 bytes per BPF instruction
            return program
    compiled = _build(binding, profile)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
        with os.fdopen(fd, "wb") as out:
            out.write(key + b"\0" + compiled)
        os.replace(tmp, path)  # atomic: a reader sees the old file or the whole new one
    except OSError:
        pass  # a read-only cache only means compiling next time too
    return compiled


def _read_trusted(path: os.PathLike[str]) -> bytes | None:
    """The cached file's bytes, only if this process's user owns it and nobody else may write it.

    The key in a cached file is public (it is the profile), so anyone who could
    write the file could plant a filter that allows everything: with a cache
    directory another user can write to (``$ISOBENCH_CACHE`` pointed at /tmp),
    such a file is ignored and the filter compiled. Checked on the open file
    (fstat), so it cannot be swapped between the check and the read.
    """
    try:
        with open(path, "rb") as cached:
            st = os.fstat(cached.fileno())
            if st.st_uid != os.geteuid() or st.st_mode & 0o022:
                return None
            return cached.read()
    except OSError:  # not cached yet (or unreadable): compile it
        return None


def _cache_key(binding: ModuleType, profile: Profile) -> bytes:
    """Everything the compiled program depends on, as text: the profile, the extra numbers, and libseccomp.

    The binding links libseccomp in (Debian's python3-seccomp): its file's
    path, size and mtime change with any upgrade of either.
    """
    library = os.path.realpath(binding.__file__)
    st = os.stat(library)
    lines = [f"{library} {st.st_size} {st.st_mtime_ns}", f"default errno {profile.default_errno}",
             *(repr(rule) for rule in profile.arg_rules), *(repr(rule) for rule in profile.errno_rules),
             *(f"{name} {number}" for name, number in sorted(NEWER_THAN_LIBSECCOMP.items())),
             *sorted(profile.allowed)]
    return "\n".join(lines).encode()


def _build(binding: ModuleType, profile: Profile) -> bytes:
    """libseccomp's compilation of ``profile``: rules in, classic BPF out."""
    flt = binding.SyscallFilter(defaction=binding.ERRNO(profile.default_errno))
    # The filter is made for the native architecture (x86-64) only; i386 and
    # x32 calls fail its architecture check and kill the whole process.
    flt.set_attr(binding.Attr.ACT_BADARCH, binding.KILL_PROCESS)
    for name in sorted(profile.allowed):
        flt.add_rule(binding.ALLOW, _number(binding, name))
    for rule in profile.arg_rules:
        op = getattr(binding, rule.op.removeprefix("SCMP_CMP_"))
        arg = (binding.Arg(rule.index, op, rule.mask, rule.value) if rule.op == "SCMP_CMP_MASKED_EQ"
               else binding.Arg(rule.index, op, rule.value))
        flt.add_rule(binding.ALLOW, _number(binding, rule.syscall), arg)
    for name, err in profile.errno_rules:
        flt.add_rule(binding.ERRNO(err), _number(binding, name))
    read_fd, write_fd = os.pipe()  # export_bpf writes to a file; a pipe keeps it off the disk
    with os.fdopen(write_fd, "wb") as out:
        flt.export_bpf(out)
    with os.fdopen(read_fd, "rb") as compiled:
        return compiled.read()


def _number(binding: ModuleType, name: str) -> int:
    """The x86-64 number of ``name``: from libseccomp, else from NEWER_THAN_LIBSECCOMP."""
    number = binding.resolve_syscall(binding.Arch.X86_64, name)
    if number < 0:
        number = NEWER_THAN_LIBSECCOMP.get(name, -1)
    if number < 0:
        raise ValueError(f"seccomp profile: {name!r} is no x86-64 system call known to libseccomp or to "
                         "NEWER_THAN_LIBSECCOMP; add its number from syscall_64.tbl")
    return number


class _SockFprog(ctypes.Structure):
    """struct sock_fprog (linux/filter.h): a BPF program's length and instructions."""

    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2  # prctl(2)


def load(compiled: bytes | None) -> None:
    """Install a compiled filter on the calling thread; None (an unconfined container) installs nothing.

    Needs no_new_privs first when the caller lacks CAP_SYS_ADMIN (seccomp(2)).
    """
    if compiled is None:
        return
    instructions = ctypes.create_string_buffer(compiled, len(compiled))
    fprog = _SockFprog(len(compiled) // 8, ctypes.cast(instructions, ctypes.c_void_p))  # 8 bytes per instruction
    linux.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(fprog))
