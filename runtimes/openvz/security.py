"""What root inside a vz container may do: capabilities and a seccomp filter.

A *system* container is a whole OS whose root administers it, so OpenVZ let
root in a CT do much more than Docker lets an application container do:
trace its processes, lock memory, mark files immutable, halt its CT. OpenVZ's
patched kernel could virtualise even "admin" powers; a stock kernel cannot
(vz uses no user namespace, so root in the CT is uid 0 of the host, and
CAP_SYS_ADMIN there would be root on the host). The choice here:

- **kept** (Docker's default set, CAP_NET_RAW included — ping, traceroute;
  the host end of the CT's veth drops packets from any source but the
  CT's own, net.py — plus what a system's root expects):
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
- **seccomp**: box's allow-list (runtimes/kernel/seccomp.py, modelled on
  Docker's default profile) plus the calls Docker's profile allows for the
  capabilities a CT keeps beyond Docker's: CAP_SYS_PTRACE (ptrace, kcmp,
  process_vm_readv/writev, pidfd_getfd, process_madvise) and CAP_SYS_BOOT
  (reboot). Everything else is refused as in box: kexec_load (CAP_SYS_BOOT
  would otherwise load a kernel into the host), mount, unshare, setns and
  clone with namespace flags, keyctl (the key ring is not namespaced),
  io_uring, bpf…; a CT without a filter is not started.

no_new_privs is *not* set: a system has set-user-ID programs (su, passwd)
that must work; whatever they gain is still capped by the bounding set.
"""

from __future__ import annotations

from runtimes.kernel import seccomp
from runtimes.kernel import security as box_security

VZ_CAPS = {
    **box_security.DOCKER_DEFAULT_CAPS,
    "CAP_LINUX_IMMUTABLE": 9, "CAP_NET_BROADCAST": 11, "CAP_IPC_LOCK": 14, "CAP_IPC_OWNER": 15,
    "CAP_SYS_PTRACE": 19, "CAP_SYS_BOOT": 22, "CAP_LEASE": 28,
}
del VZ_CAPS["CAP_MKNOD"]

# Docker's profile allows these for CAP_SYS_PTRACE and CAP_SYS_BOOT, which a CT keeps (moby profiles/seccomp).
ALLOWED_IN_A_SYSTEM_CONTAINER = frozenset({
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd", "process_madvise",  # CAP_SYS_PTRACE
    "reboot",  # CAP_SYS_BOOT: `halt` in a CT ends the CT's PID namespace, nothing more
})
VZ_PROFILE = seccomp.BOX_PROFILE.allowing(ALLOWED_IN_A_SYSTEM_CONTAINER)


def seccomp_program() -> bytes:
    """vz's filter, compiled once (libseccomp); SeccompUnavailable (one line, exit 125) without the binding."""
    return seccomp.program(VZ_PROFILE)


def confine(program: bytes) -> None:
    """Load the filter, then set every capability set to VZ_CAPS (inheritable and ambient empty).

    Inheritable is cleared, not left as the caller had it: at execve root
    gains its inheritable set in permitted *past* the bounding set
    (capabilities(7), "Transformation of capabilities during execve()";
    CVE-2022-24769). docs/vz.md compares VZ_CAPS with OpenVZ's and Docker's.

    Called just before exec: the capabilities root keeps across execve are
    then exactly VZ_CAPS. The filter goes first, while CAP_SYS_ADMIN is still
    effective, which is what lets it go on without no_new_privs (seccomp(2));
    the calls that drop the capabilities afterwards are ones it allows.
    """
    seccomp.load(program)
    box_security.drop_capabilities(set(VZ_CAPS.values()))
