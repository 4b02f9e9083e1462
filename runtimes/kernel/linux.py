"""Thin wrappers over the Linux system calls a container runtime needs.

Python's ``os`` module lacks most of them (3.11 has no unshare, setns,
mount, pivot_root), so they are called through ctypes here, one function per
call, each raising ``OSError`` that names the call and its object, e.g.
``OSError: mount overlay on /var/lib/box/…/merged: Invalid argument``.
Man page sections are given for every call; read them alongside.
"""

from __future__ import annotations

import ctypes
import os

# The C library Python itself is linked against (dlopen(NULL), dlopen(3)):
# ctypes.util.find_library would run `ldconfig -p`, several ms on every start.
_libc = ctypes.CDLL(None, use_errno=True)

# namespaces(7): one flag per kind of namespace
CLONE_NEWNS = 0x00020000      # mount
CLONE_NEWCGROUP = 0x02000000  # cgroup
CLONE_NEWUTS = 0x04000000     # hostname and domain name
CLONE_NEWIPC = 0x08000000     # System V IPC, POSIX message queues
CLONE_NEWUSER = 0x10000000    # user and group IDs (not used: box runs as real root)
CLONE_NEWPID = 0x20000000     # process IDs
CLONE_NEWNET = 0x40000000     # network devices, addresses, routes, ports

# mount(2) flags
MS_RDONLY = 0x1
MS_NOSUID = 0x2
MS_NODEV = 0x4
MS_NOEXEC = 0x8
MS_REMOUNT = 0x20
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 1 << 18
MS_SLAVE = 1 << 19
MS_STRICTATIME = 1 << 24

# umount2(2)
MNT_DETACH = 0x2

# prctl(2)
PR_SET_PDEATHSIG = 1
PR_CAPBSET_READ = 23
PR_CAPBSET_DROP = 24
PR_SET_NO_NEW_PRIVS = 38
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_CLEAR_ALL = 4

# x86_64 system call numbers of calls glibc 2.36 has no wrapper for
_SYS_PIVOT_ROOT = 155
_SYS_CAPSET = 126
_SYS_CLOSE_RANGE = 436
_SYS_OPENAT2 = 437
_SYS_MOUNT_SETATTR = 442

# openat2(2): how a path is resolved
RESOLVE_NO_MAGICLINKS = 0x02  # no /proc/PID/fd/N-style jumps
RESOLVE_NO_SYMLINKS = 0x04    # no symbolic link at all
RESOLVE_IN_ROOT = 0x10        # as if dirfd were "/": "..", absolute links stay inside it

# close_range(2)
CLOSE_RANGE_CLOEXEC = 1 << 2  # mark close-on-exec instead of closing now

# mount_setattr(2)
AT_EMPTY_PATH = 0x1000
AT_RECURSIVE = 0x8000
MOUNT_ATTR_RDONLY = 0x1
MOUNT_ATTR_NOSUID = 0x2
MOUNT_ATTR_NODEV = 0x4

# capget(2)/capset(2): version 3 describes 64 capabilities in two 32-bit halves
_LINUX_CAPABILITY_VERSION_3 = 0x20080522


def _check(result: int, what: str) -> int:
    if result == -1:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")
    return result


def _b(text: str | None) -> bytes | None:
    return None if text is None else os.fsencode(text)


def unshare(flags: int) -> None:
    """Move the caller into new namespaces of the given kinds. unshare(2)

    For CLONE_NEWPID only the caller's *future children* are in the new PID
    namespace; the caller itself stays where it is (pid_namespaces(7)).
    """
    _check(_libc.unshare(flags), f"unshare {flags:#x}")


def setns(fd: int, nstype: int = 0) -> None:
    """Join the namespace that ``fd`` (from /proc/PID/ns/KIND) refers to. setns(2)"""
    _check(_libc.setns(fd, nstype), f"setns fd {fd}")


def mount(source: str | None, target: str, fstype: str | None = None, flags: int = 0, data: str | None = None) -> None:
    """mount(2); ``fstype`` None for bind mounts and propagation changes."""
    what = f"mount {fstype or source or ''} on {target}".replace("  ", " ")
    _check(_libc.mount(_b(source), _b(target), _b(fstype), ctypes.c_ulong(flags), _b(data)), what)


def umount2(target: str, flags: int = 0) -> None:
    """umount2(2); MNT_DETACH detaches now and frees once no longer busy."""
    _check(_libc.umount2(_b(target), flags), f"umount {target}")


def pivot_root(new_root: str, put_old: str) -> None:
    """Make ``new_root`` the root mount and move the old root to ``put_old``. pivot_root(2)"""
    _check(_libc.syscall(_SYS_PIVOT_ROOT, _b(new_root), _b(put_old)), f"pivot_root {new_root}")


def sethostname(name: str) -> None:
    """Set the hostname of the caller's UTS namespace. sethostname(2)"""
    raw = name.encode()
    _check(_libc.sethostname(raw, len(raw)), f"sethostname {name}")


def prctl(option: int, arg2: int = 0, arg3: int = 0, arg4: int = 0, arg5: int = 0) -> int:
    """prctl(2), for capabilities, no_new_privs and the parent-death signal."""
    args = [ctypes.c_ulong(a) for a in (arg2, arg3, arg4, arg5)]
    return _check(_libc.prctl(option, *args), f"prctl {option}")


def open_root(pid: int) -> int:
    """A file descriptor on process ``pid``'s root directory (/proc/PID/root, proc(5))."""
    return os.open(f"/proc/{pid}/root", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)


def enter_root(root_fd: int) -> None:
    """Make the directory ``root_fd`` our root, as `nsenter --root` does.

    After setns(CLONE_NEWNS) the caller's root is its new mount namespace's
    root mount (setns(2)). That is the container's root only when the engine
    itself was not chroot'ed (a chroot inside an initramfs, say, keeps the
    initramfs as the namespace's root), so the container's init's own root,
    opened before joining, is entered explicitly.
    """
    os.fchdir(root_fd)
    os.chroot(".")
    os.chdir("/")


class _OpenHow(ctypes.Structure):
    """struct open_how (openat2(2))."""

    _fields_ = [("flags", ctypes.c_uint64), ("mode", ctypes.c_uint64), ("resolve", ctypes.c_uint64)]


def openat2(dirfd: int, path: str, flags: int, resolve: int, mode: int = 0) -> int:
    """open ``path`` relative to ``dirfd`` under the ``resolve`` rules (RESOLVE_*). openat2(2)"""
    how = _OpenHow(flags | os.O_CLOEXEC, mode, resolve)
    return _check(_libc.syscall(_SYS_OPENAT2, dirfd, _b(path), ctypes.byref(how), ctypes.sizeof(how)),
                  f"open {path}")


def close_range_on_exec(first: int) -> None:
    """Mark every descriptor from ``first`` up close-on-exec, in one call. close_range(2)

    Marking rather than closing lets the descriptors still needed up to the
    execve (the program to run, the error pipe) work until then.
    """
    _check(_libc.syscall(_SYS_CLOSE_RANGE, ctypes.c_uint(first), ctypes.c_uint(0xFFFFFFFF),
                         ctypes.c_uint(CLOSE_RANGE_CLOEXEC)), "close_range")


class _MountAttr(ctypes.Structure):
    """struct mount_attr (mount_setattr(2))."""

    _fields_ = [("attr_set", ctypes.c_uint64), ("attr_clr", ctypes.c_uint64),
                ("propagation", ctypes.c_uint64), ("userns_fd", ctypes.c_uint64)]


def mount_setattr(fd: int, attr_set: int, recursive: bool = True) -> None:
    """Set MOUNT_ATTR_* flags on the mount ``fd`` refers to, and every mount below it. mount_setattr(2)

    ``mount -o remount,bind,nodev`` changes one mount only; a bind of a host
    directory brings its submounts along, and each must be changed too.
    """
    attr = _MountAttr(attr_set, 0, 0, 0)
    flags = AT_EMPTY_PATH | (AT_RECURSIVE if recursive else 0)
    _check(_libc.syscall(_SYS_MOUNT_SETATTR, fd, b"", flags, ctypes.byref(attr), ctypes.sizeof(attr)),
           f"mount_setattr fd {fd}")


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def capset(effective: int, permitted: int, inheritable: int) -> None:
    """Set the calling thread's three capability sets, as 64-bit masks. capset(2)"""
    header = _CapHeader(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)(*[_CapData((effective >> s) & 0xFFFFFFFF, (permitted >> s) & 0xFFFFFFFF,
                                     (inheritable >> s) & 0xFFFFFFFF) for s in (0, 32)])
    _check(_libc.syscall(_SYS_CAPSET, ctypes.byref(header), data), "capset")
