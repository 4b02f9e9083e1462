"""crun as a runtime of the suite: the OCI runtime written in C, podman's default.

It runs the same OCI bundle as runc (``runtimes.peers.oci``: box's container,
in the specification's words). crun refuses hybrid cgroup hosts, so there it
is started inside a mount namespace without the cgroup2 mount
(``runtimes.peers.hybrid``); the run records that it was.
"""

from __future__ import annotations

from runtimes.peers.oci import OciRuntime


class Crun(OciRuntime):
    name = "crun"
    tool = "crun"
    package = "crun"
    refuses_hybrid_cgroups = True
    summary = "crun, the OCI runtime in C (podman's default), running the container box makes from an OCI bundle"
    launch = ("a config.json written for the instance, then `crun run`: crun creates the cgroup and namespaces, "
              "mounts, pivot_root, capabilities and seccomp, and execs the probe as the container's PID 1, staying "
              "in the foreground until it exits; on a hybrid cgroup host crun is started through nsenter(1)")
