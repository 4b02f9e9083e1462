"""What root inside a vz container may do: capabilities and a seccomp filter.

A *system* container is a whole OS whose root administers it, so OpenVZ let
root in a CT do much more than Docker lets an application container do:
trace its processes, lock memory, mark files immutable, halt its CT. OpenVZ's
patched kernel could virtualise even "admin" powers; a stock kernel cannot
(vz uses no user namespace, so root in the CT is uid 0 of the host, and
CAP_SYS_ADMIN there would be root on the host). The choice here:

- **kept** (Docker's default set, plus what a system's root expects):
  CAP_SYS_PTRACE (strace, gdb: only the CT's own processes are visible),
  CAP_IPC_LOCK, CAP_IPC_OWNER, CAP_LINUX_IMMUTABLE, CAP_LEASE,
  CAP_NET_BROADCAST, and CAP_SYS_BOOT: reboot(2) in a PID namespace other
  than the host's ends only that namespace's init (pid_namespaces(7),
  "reboot"), which is how `halt` inside the CT stops it;
- **dropped**: CAP_SYS_ADMIN (mount, most admin calls), CAP_SYS_MODULE
  (kernel modules), CAP_SYS_RAWIO, CAP_MKNOD (no device nodes: with it the CT
  could make /dev/vda and read the host's disk), CAP_NET_ADMIN (the host sets
  the CT's address, as with venet; the CT cannot take another one),
  CAP_SYS_TIME, CAP_SYS_NICE, CAP_SYS_RESOURCE, CAP_SYS_PACCT, CAP_AUDIT_CONTROL,
  CAP_MAC_*, CAP_SYSLOG, CAP_WAKE_ALARM, CAP_BLOCK_SUSPEND, CAP_BPF, CAP_PERFMON, CAP_DAC_READ_SEARCH
  (open_by_handle_at(2), the "shocker" escape);
- **seccomp**: box's filter (Docker's blocked system calls) minus ptrace and
  reboot, which the kept capabilities are for. It still refuses
  kexec_load (CAP_SYS_BOOT would otherwise allow loading a kernel into the
  host), unshare/setns/mount, keyctl (the key ring is not namespaced) and friends.

no_new_privs is *not* set: a system has set-user-ID programs (su, passwd)
that must work; whatever they gain is still capped by the bounding set.
"""

from __future__ import annotations

from runtimes.box import security as box_security

VZ_CAPS = {
    **box_security.DOCKER_DEFAULT_CAPS,
    "CAP_LINUX_IMMUTABLE": 9, "CAP_NET_BROADCAST": 11, "CAP_IPC_LOCK": 14, "CAP_IPC_OWNER": 15,
    "CAP_SYS_PTRACE": 19, "CAP_SYS_BOOT": 22, "CAP_LEASE": 28,
}
del VZ_CAPS["CAP_MKNOD"]

ALLOWED_IN_A_SYSTEM_CONTAINER = frozenset({"ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "reboot"})
BLOCKED_SYSCALLS = tuple(s for s in box_security.BLOCKED_SYSCALLS if s not in ALLOWED_IN_A_SYSTEM_CONTAINER)


def seccomp_program() -> bytes | None:
    """box's filter without the calls a system container may make, compiled once (libseccomp)."""
    return box_security.compile_seccomp(BLOCKED_SYSCALLS)


def confine(program: bytes | None) -> None:
    """Load the filter, then set every capability set to VZ_CAPS (inheritable and ambient empty).

    Called just before exec: the capabilities root keeps across execve are
    then exactly VZ_CAPS. The filter goes first, while CAP_SYS_ADMIN is still
    effective, which is what lets it go on without no_new_privs (seccomp(2));
    the calls that drop the capabilities afterwards are ones it allows.
    """
    box_security.load_seccomp(program)
    box_security.drop_capabilities(set(VZ_CAPS.values()))
