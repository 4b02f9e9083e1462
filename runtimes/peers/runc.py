"""runc as a runtime of the suite: the reference OCI runtime in Go, the one Docker and containerd run.

It runs the same OCI bundle as crun (``runtimes.peers.oci``: box's container,
in the specification's words).
"""

from __future__ import annotations

from runtimes.peers.oci import OciRuntime


class Runc(OciRuntime):
    name = "runc"
    tool = "runc"
    package = "runc"
    summary = "runc, the reference OCI runtime in Go (under Docker and containerd), running box's container"
    launch = ("a config.json written for the instance, then `runc run`: runc re-executes itself as `runc init` "
              "inside the new namespaces, sets the container up and execs the probe as PID 1; `runc run` stays "
              "in the foreground until it exits")
