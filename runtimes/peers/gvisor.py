"""gVisor as a runtime of the suite: ``runsc``, a kernel in user space between the container and the host's.

runc and crun set up namespaces and cgroups and then let the workload talk
to the host's kernel directly. gVisor's ``runsc`` runs the same OCI bundle
(``runtimes.peers.oci``) but puts a kernel of its own, the *Sentry* (written
in Go), under it: every system call the workload makes is caught by the
*platform* and served by the Sentry, which itself may use only a short list
of host system calls (its own seccomp filter); files reach it through a
separate process, the *Gofer*. https://gvisor.dev/docs/architecture_guide/

Platforms (``runsc --platform``): how the Sentry catches the calls.

- ``ptrace``: each workload address space is a stub process the Sentry
  traces (PTRACE_SYSEMU, ptrace(2)): every system call is a stop of the stub,
  a switch to the Sentry and back; it works anywhere, and is the slowest.
- ``kvm``: the Sentry runs the workload in a guest mode of its own through
  /dev/kvm; it needs working hardware virtualisation. (``systrap``, the
  newer default, came after Debian 12's runsc.)

The platform is ``ptrace`` unless ``ISOBENCH_GVISOR_PLATFORM`` names another;
it is recorded in the run's versions. Network ``none``: loopback only, as the
other containers here (``--network=none``; the default is gVisor's own
network stack in the Sentry).

Host quirks, handled here and recorded in ``versions()``:

- runsc ignores the bundle's ``linux.seccomp`` unless asked (``--oci-seccomp``):
  it is asked, so the workload gets box's filter, applied by the Sentry.
- the sandbox's cgroup holds the Sentry's and the Gofer's threads (about 27
  at rest) and the ptrace stubs, and the Go runtime aborts when a thread
  cannot be made (google/gvisor#2490): a ``pids`` limit would crash the
  sandbox rather than refuse the workload's fork, so it is not passed on.
- a memory limit is the sandbox's cgroup's, Sentry included: runsc tells the
  Sentry the limit (the workload's /proc/meminfo shows it as MemTotal), but
  going over it is met by the host's OOM killer, which kills the Sentry, so
  the whole sandbox ends with status 137 rather than one process inside it.
- the workload's processes are not host processes (the Sentry's tasks), so
  ``workload_pid`` is None and the memory figures take the probe's own RSS.
- O_DIRECT does not reach the host: the Sentry keeps file data in a cache of
  its own, so the io scenario measures that cache, not the disk.
"""

from __future__ import annotations

import dataclasses
import os
from typing import ClassVar

from runtimes.base import Availability, Instance, InstanceSpec
from runtimes.kernel.messages import Message, say
from runtimes.peers._common import first_line
from runtimes.peers.oci import OCI_VERSION, OciRuntime

PLATFORMS = ("ptrace", "kvm")  # what Debian 12's runsc (release 20221219) knows, `runsc flags`
PLATFORM_VARIABLE = "ISOBENCH_GVISOR_PLATFORM"
DEFAULT_PLATFORM = "ptrace"  # the one that needs nothing of the host; kvm hangs on this host (DESIGN.md, kvm-pvm)


def platform() -> str:
    """The platform this run asks runsc for."""
    return os.environ.get(PLATFORM_VARIABLE, DEFAULT_PLATFORM)


class Gvisor(OciRuntime):
    name = "gvisor"
    tool = "runsc"
    package = "runsc"
    summary = ("gVisor (runsc): the OCI bundle runc runs, under a kernel in user space that serves every "
               "system call of the workload")
    launch = ("a config.json written for the instance, then `runsc run`: runsc starts the Gofer (file access) and "
              "the sandbox, whose Sentry kernel boots, mounts the root through the Gofer and starts the probe as "
              "its PID 1 on the chosen platform; `runsc run` stays in the foreground until it exits. Limits: memory "
              "and cpus apply to the whole sandbox (the Sentry included); pids are not enforced")
    # The Sentry's own threads fill the sandbox's pids cgroup, so the limit is left out (see the module's docstring).
    unenforced: ClassVar[Message] = say("gvisor.pids")

    @classmethod
    def available(cls) -> Availability:
        found = super().available()  # root, runsc installed and answering
        chosen = platform()
        if not found.ok:
            return found
        if chosen not in PLATFORMS:
            return Availability.no(say("gvisor.unknown-platform", variable=PLATFORM_VARIABLE, chosen=chosen),
                                   say("fix.gvisor-platform", platforms=", ".join(PLATFORMS), default=DEFAULT_PLATFORM))
        if chosen == "kvm" and not os.access("/dev/kvm", os.R_OK | os.W_OK):
            return Availability.no(say("gvisor.no-kvm"), say("fix.gvisor-kvm", variable=PLATFORM_VARIABLE))
        return found

    def global_flags(self) -> list[str]:
        return [f"--platform={platform()}", "--network=none", "--oci-seccomp"]

    def versions(self) -> dict[str, str | Message]:
        return {
            "runsc": first_line(["runsc", "--version"]),
            "platform": platform(),
            "network": say("gvisor.network"),
            "seccomp": say("gvisor.seccomp"),
            "limits not enforced": self.unenforced,
            "memory limit": say("gvisor.memory-limit"),
            "file I/O": say("gvisor.file-io"),
            "bundle": say("oci.bundle", version=OCI_VERSION, path="runtimes/peers/oci.py"),
        }

    def start(self, spec: InstanceSpec) -> Instance:
        spec = dataclasses.replace(spec, limits=dataclasses.replace(spec.limits, pids=None))
        return super().start(spec)
