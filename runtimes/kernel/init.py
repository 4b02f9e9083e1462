"""box-init, the tiny PID 1 of every box container and of every `vz exec`, and what its command starts with.

box-init (init.c, beside this file) is a static C program: it starts the
container's command, reaps orphans, forwards signals, and records the exit
status. Runtimes never exec it from the host's file system: a container's
root can open /proc/PID/exe of a process running it, and were that the
host's file, it could rewrite box-init for every container that starts after
it (CVE-2019-5736, runc's /proc/self/exe). ``sealed_init`` hands out a memfd
sealed against writing, growing and shrinking (memfd_create(2), F_ADD_SEALS
in fcntl(2)) that has nothing of the host's to rewrite: one copy of ~0.8 MB
per process, about 0.2 ms.
"""

from __future__ import annotations

import fcntl
import functools
import os
from pathlib import Path

from runtimes.kernel.build import compile_static

INIT_SOURCE = Path(__file__).resolve().parent / "init.c"
# The PATH a container's command gets unless its image sets one (the OCI runtime spec's example, Docker's default).
DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


@functools.cache
def sealed_init() -> int:
    """box-init in a sealed, close-on-exec memfd, made once per process; run it with os.execve(fd, …) (fexecve(3))."""
    fd = os.memfd_create("box-init", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    with open(compile_static(INIT_SOURCE, "box-init"), "rb") as binary:
        size = os.fstat(binary.fileno()).st_size
        copied = 0
        while copied < size:
            copied += os.sendfile(fd, binary.fileno(), copied, size - copied)
    fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SEAL | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE)
    return fd
