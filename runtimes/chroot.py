"""chroot (1979): only the root directory changes; nothing else is isolated.

Runs ``chroot ROOT /usr/bin/probe ...`` with the host's chroot(8), the way an
administrator would. chroot(2) changes what "/" means for path lookups and
nothing more: the process still sees host PIDs, the host network, the host's
mounts through /proc (if mounted) and can escape with the classic
"chroot again and cd .." trick when it is root — which is what the isolation
scorecard shows. See chroot(2), NOTES.

ROOT is one writable copy of the image made at setup (a real chroot is a
directory you own, and the probe writes its files there); it is removed at
cleanup. The working directory is "/" of that root, as chroot(8) leaves it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from runtimes._process import SpawnedInstance
from runtimes.base import Availability, Instance, InstanceSpec, Runtime
from runtimes.kernel.messages import Message, say
from runtimes.kernel.paths import scratch_root


class Chroot(Runtime):
    name = "chroot"
    summary = "chroot(2): a different root directory, nothing else isolated"
    launch = ("exec of chroot(8), a dynamically linked program, which calls chroot(2) and execs the probe: "
              "most of its extra start-up time is loading chroot(8) itself, the system call takes microseconds")

    @classmethod
    def available(cls) -> Availability:
        if os.geteuid() != 0:
            return Availability.no(say("chroot.needs-root"), say("fix.run-as-root"))
        if shutil.which("chroot") is None:
            return Availability.no(say("tool.not-found", tool="chroot(8)"), say("fix.install", package="coreutils"))
        return Availability.yes()

    def versions(self) -> dict[str, str | Message]:
        out = subprocess.run(["chroot", "--version"], capture_output=True, text=True).stdout
        return {"chroot": (out.splitlines() or [say("version.unknown")])[0]}

    def setup(self) -> None:
        parent = Path(tempfile.mkdtemp(prefix="chroot-", dir=scratch_root()))
        self._cleanup.callback(shutil.rmtree, parent, ignore_errors=True)
        shutil.copytree(self.image.rootfs, parent / "root", symlinks=True)
        self.root = parent / "root"

    def start(self, spec: InstanceSpec) -> Instance:
        self.ensure_set_up()
        return SpawnedInstance(self.name, ["chroot", str(self.root), *spec.argv], pass_fds=spec.inherited_fds)
