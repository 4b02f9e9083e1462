"""Compiling the project's small static C programs (probe, box-init), cached.

A binary is rebuilt only when its source, the flags or the compiler change:
the cache key is made of all three. Static linking means the same file runs
on the host, in a chroot, in a container and in a VM with no library to find.
"""

from __future__ import annotations

import functools
import os
import shutil
import zlib
from collections.abc import Sequence
from pathlib import Path

from runtimes.kernel.errors import ImageError
from runtimes.kernel.messages import say
from runtimes.kernel.paths import cache_dir

CFLAGS = ("-O2", "-static", "-Wall", "-Wextra", "-Werror")


@functools.cache
def compiler_version() -> str:
    """gcc's first line of ``--version``, as the image's inputs record it."""
    import subprocess  # here and in compile_static, not at the top: `box run` only finds the cached binary

    try:
        out = subprocess.run(["gcc", "--version"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as err:
        raise ImageError(say("build.gcc-unusable", said=str(err))) from None
    return out.splitlines()[0]


@functools.cache
def compiler_identity() -> str:
    """Which gcc would compile: its resolved path, size and mtime.

    A stat, not ``gcc --version``: every `box run` looks up box-init here, and
    running gcc would add ~4 ms to each. An upgraded gcc is a new file, so
    the identity (and with it the cache key) changes all the same.
    """
    gcc = shutil.which("gcc")
    if gcc is None:
        raise ImageError(say("build.no-gcc"))
    real = os.path.realpath(gcc)
    st = os.stat(real)
    return f"{real} {st.st_size} {st.st_mtime_ns}"


def compile_static(sources: Path | Sequence[Path], name: str, cache: Path | None = None) -> Path:
    """Return the path of ``sources`` compiled as one static binary called ``name``.

    ``sources`` is one C file, or several with the headers they include:
    every file goes into the cache key; only the .c files go on gcc's command
    line (it finds the headers by #include). A cached binary is found with
    stats and one small read, no hashing.
    """
    files = (sources,) if isinstance(sources, Path) else tuple(sources)
    identity = build_identity(files)
    # The directory is named by a CRC of the identity, and the identity file in it
    # is compared in full, so a CRC collision rebuilds instead of reusing a binary.
    # (Not hashlib: loading OpenSSL for it costs ~3 ms of every `box run`.)
    directory = (cache or cache_dir()) / "bin" / f"{zlib.crc32(identity.encode()):08x}"
    target, stamp = directory / name, directory / f".{name}.identity"
    try:
        if stamp.read_text() == identity and target.is_file():
            return target
    except OSError:  # FileNotFoundError (not built yet) or unreadable: build it
        pass
    import subprocess
    import tempfile

    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{name}-", dir=directory)
    os.close(fd)
    try:
        c_files = [str(f) for f in files if f.suffix == ".c"]
        cc = subprocess.run(["gcc", *CFLAGS, "-o", tmp, *c_files], capture_output=True, text=True)
        if cc.returncode != 0:
            first = (cc.stderr.strip().splitlines() or ["no output"])[0]
            raise ImageError(say("build.compile-failed", name=name, said=first))
        os.chmod(tmp, 0o755)
        os.replace(tmp, target)  # atomic: a concurrent build of the same key is as good
        _write_atomically(stamp, identity)  # after the binary: a stamp never names a missing or partial one
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def build_identity(files: Sequence[Path]) -> str:
    """What a cached binary was built from: each source's name, size and mtime, the flags and the compiler.

    A stat-based key is honest here: editing, copying or reinstalling a source
    changes its size or mtime (to the nanosecond), so the binary is rebuilt;
    the worst a touched but unchanged file costs is one needless compile.
    """
    parts = []
    for f in files:
        st = os.stat(f)
        parts.append(f"{f.resolve()} {st.st_size} {st.st_mtime_ns}")
    return "\n".join([*parts, " ".join(CFLAGS), compiler_identity()]) + "\n"


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f"{path.name}.{os.getpid()}")
    tmp.write_text(text)
    os.replace(tmp, path)
