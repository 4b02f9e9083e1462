"""The baseline: the probe as a plain host process, no isolation at all.

Every ratio in a report is against this runtime, measured in the same run.
It runs the very binary from the image (the same bytes as everywhere else);
its working directory is a fresh scratch directory on the host disk, next to
the other runtimes' trees, so ``io`` figures compare like with like.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from runtimes._process import ProcessInstance
from runtimes.base import Availability, Instance, InstanceSpec, Runtime
from runtimes.paths import scratch_root


class Native(Runtime):
    name = "native"
    summary = "plain host process: the baseline every figure is compared with"

    @classmethod
    def available(cls) -> Availability:
        return Availability.yes()

    def start(self, spec: InstanceSpec) -> Instance:
        workdir = Path(tempfile.mkdtemp(prefix="native-", dir=scratch_root()))
        try:
            host_argv = [str(spec.image.rootfs / spec.argv[0].lstrip("/")), *spec.argv[1:]]
            instance = ProcessInstance(self.name, host_argv, cwd=workdir)
        except BaseException:
            shutil.rmtree(workdir, ignore_errors=True)
            raise
        instance._cleanup.callback(shutil.rmtree, workdir, ignore_errors=True)
        return instance
