"""Compiling the project's small static C programs (probe, box-init), cached.

A binary is rebuilt only when its source, the flags or the compiler change:
the cache key is a hash of all three. Static linking means the same file runs
on the host, in a chroot, in a container and in a VM with no library to find.
"""

from __future__ import annotations

import functools
import hashlib
import os
import subprocess
import tempfile
from pathlib import Path

from bench.errors import ImageError
from runtimes.paths import cache_dir

CFLAGS = ("-O2", "-static", "-Wall", "-Wextra", "-Werror")


@functools.cache
def compiler_version() -> str:
    try:
        out = subprocess.run(["gcc", "--version"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as err:
        raise ImageError(f"build: gcc not usable ({err}); run: sudo scripts/provision") from None
    return out.splitlines()[0]


def compile_static(source: Path, name: str, cache: Path | None = None) -> Path:
    """Return the path of ``source`` compiled as a static binary called ``name``.

    The compiler's version is asked once per process (functools.cache), so
    a cached binary is found with one hash of the source and one stat.
    """
    key = hashlib.sha256(source.read_bytes() + " ".join(CFLAGS).encode() + compiler_version().encode()).hexdigest()
    target = (cache or cache_dir()) / "bin" / key[:16] / name
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{name}-", dir=target.parent)
    os.close(fd)
    try:
        cc = subprocess.run(["gcc", *CFLAGS, "-o", tmp, str(source)], capture_output=True, text=True)
        if cc.returncode != 0:
            first = (cc.stderr.strip().splitlines() or ["no output"])[0]
            raise ImageError(f"build: compiling {source.name} failed: {first} "
                             "(is libc6-dev installed? run: sudo scripts/provision)")
        os.chmod(tmp, 0o755)
        os.replace(tmp, target)  # atomic: a concurrent build of the same key is as good
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target
