"""The baseline: the probe as a plain host process, no isolation at all.

Every ratio in a report is against this runtime, measured in the same run.
It runs the very binary from the image (the same bytes as everywhere else);
its working directory is a scratch directory on the host disk, next to the
other runtimes' trees, so ``io`` figures compare like with like. The
directory is made once at setup, so a launch is nothing but fork + exec.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from runtimes._process import SpawnedInstance
from runtimes.base import Availability, Instance, InstanceSpec, Runtime
from runtimes.kernel.paths import scratch_root


class Native(Runtime):
    name = "native"
    summary = "plain host process: the baseline every figure is compared with"
    launch = "fork and exec of the probe by the harness (Python's subprocess), nothing else"

    @classmethod
    def available(cls) -> Availability:
        return Availability.yes()

    def setup(self) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix="native-", dir=scratch_root()))
        self._cleanup.callback(shutil.rmtree, self.workdir, ignore_errors=True)

    def start(self, spec: InstanceSpec) -> Instance:
        self.ensure_set_up()
        host_argv = [str(spec.image.rootfs / spec.argv[0].lstrip("/")), *spec.argv[1:]]
        return SpawnedInstance(self.name, host_argv, cwd=self.workdir, pass_fds=spec.inherited_fds)
