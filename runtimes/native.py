"""The baseline: the probe as a plain host process, no isolation at all.

Every ratio in a report is against this runtime, measured in the same run.
It runs the very binary from the image (the same bytes as everywhere else);
its working directory is a scratch directory on the host disk, next to the
other runtimes' trees, so ``io`` figures compare like with like. The
directory, the probe's host path and the /dev/null its stdin reads are made
once at setup, so a launch is nothing but vfork + exec: every ratio in a
report divides by this, so the harness's own work here is kept to the least
(tests/perf/test_harness.py holds it to hyperfine's figure).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from runtimes._process import SpawnedInstance
from runtimes.base import Availability, Instance, InstanceSpec, Runtime
from runtimes.kernel.paths import scratch_root

if TYPE_CHECKING:
    from runtimes.image import Image


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
        self._stdin = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
        self._cleanup.callback(os.close, self._stdin)
        self._host_paths: dict[tuple[str, str], str] = {}  # (image digest, program inside it) → host path

    def _host_path(self, image: Image, program: str) -> str:
        # Joined once per program: pathlib's join costs tens of microseconds
        # right after a launch, when the caches are cold, and it is on the clock.
        key = (image.digest, program)
        path = self._host_paths.get(key)
        if path is None:
            path = self._host_paths[key] = str(image.rootfs / program.lstrip("/"))
        return path

    def start(self, spec: InstanceSpec) -> Instance:
        self.ensure_set_up()
        host_argv = [self._host_path(spec.image, spec.argv[0]), *spec.argv[1:]]
        return SpawnedInstance(self.name, host_argv, cwd=self.workdir, pass_fds=spec.inherited_fds, stdin=self._stdin)
