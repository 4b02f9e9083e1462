"""`bench clean`: find and remove what killed runs left behind, and the lock that makes that safe.

A `bench run` killed with SIGKILL cannot clean up after itself. What it may
leave, and who knows how to find it:

- each runtime, through ``Runtime.orphans()`` (runtimes/*): box's containers
  and cgroups, vz's dead or stopped CTs (cgroup, veth, loop device), libvirt
  domains;
- the harness, here: workload processes still running from the state
  directory, mounts below it (a chroot'ed probe may mount) or of the probe's
  isolation checks (``probe-iso`` in the path), loop devices backed by files
  in it, and the per-run working trees in ``$ISOBENCH_STATE/scratch``
  (chroot's root copies, VM overlays and consoles, the isolation check's disk);
  and half-built images in the cache (``$ISOBENCH_CACHE``), once old enough
  that no build still in progress can own them.

All of that belongs to *a* run of this state directory, so it is only an
orphan when no run is in progress: ``run_lock`` (fcntl(2) F_SETLK on
``$ISOBENCH_STATE/bench.lock``) is held by `bench run` for its whole life,
and `bench clean` takes it too. The kernel drops the lock when its holder
dies, however it dies, so a killed run never leaves it behind.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import fcntl
import os
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path

from bench.errors import UsageError
from runtimes import RUNTIMES
from runtimes.base import Orphan
from runtimes.kernel.paths import cache_dir, scratch_root, state_dir

LOCK_NAME = "bench.lock"
ISO_MARK = "probe-iso"   # bench/workload/iso.c names every directory its isolation checks mount on so


class RunInProgress(UsageError):
    """Another `bench run` holds the lock on this state directory."""


@dataclasses.dataclass(frozen=True)
class Removed:
    """One orphan `bench clean` removed, or failed to remove (``error``)."""

    runtime: str
    kind: str
    name: str
    error: str = ""

    def line(self) -> str:
        text = f"{self.runtime}: {self.kind} {self.name}"
        return f"{text}: could not remove: {self.error}" if self.error else f"removed {text}"


@contextlib.contextmanager
def run_lock(directory: Path | None = None) -> Iterator[Path]:
    """Hold the state directory's run lock, or raise RunInProgress naming the holder."""
    directory = directory or state_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "?"
            raise RunInProgress(f"another bench run (pid {holder}) is using {directory}; wait for it to finish, "
                                f"or give this one its own state directory: ISOBENCH_STATE=/some/dir bench run ...") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield path
    finally:
        os.close(fd)  # closing the file releases the lock (fcntl(2), "Advisory record locking")


# -- what the harness itself may leave -------------------------------------------

def _is_ours(path: str, state: str) -> bool:
    return path == state or path.startswith(state + "/") or ISO_MARK in path


def _stray_processes(state: str) -> list[Orphan]:
    """Processes running from the state directory: a native or chroot'ed probe of a killed run, still holding."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cwd, exe = os.readlink(entry / "cwd"), os.readlink(entry / "exe")
        except OSError:
            continue  # gone, or a kernel thread
        if cwd.startswith(state + "/") or exe.startswith(state + "/"):
            found.append(Orphan("harness", "process", f"{entry.name} ({Path(exe).name})",
                                lambda pid=int(entry.name): _kill(pid)))
    return found


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.01)  # init reaps it; its mounts and files are free once it is gone


def _mounts(state: str) -> list[Orphan]:
    """Mounts below the state directory or on the probe's isolation-check directories, deepest first."""
    points = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            point = line.split()[4].replace("\\040", " ")
            if _is_ours(point, state) and point != state:
                points.append(point)
    return [Orphan("harness", "mount", p, lambda p=p: _umount(p)) for p in sorted(set(points), key=len, reverse=True)]


def _umount(point: str) -> None:
    from runtimes.kernel import linux

    try:
        linux.umount2(point, linux.MNT_DETACH)
    except OSError as err:
        if err.errno not in (errno.EINVAL, errno.ENOENT):  # not a mount point any more, or gone: done
            raise


def _loop_devices(state: str) -> list[Orphan]:
    """Loop devices bound to a file in the state directory (losetup -a shows the same)."""
    found = []
    for entry in sorted(Path("/sys/block").glob("loop*")):
        with contextlib.suppress(OSError):
            backing = (entry / "loop/backing_file").read_text().strip().removesuffix(" (deleted)")
            if backing.startswith(state + "/"):
                found.append(Orphan("harness", "loop device", f"/dev/{entry.name} ({backing})",
                                    lambda d=f"/dev/{entry.name}": _detach(d)))
    return found


def _detach(device: str) -> None:
    from runtimes.kernel import loop

    loop.detach(device)


def _stale_builds(min_age_s: float = 300) -> list[Orphan]:
    """Half-built images and binaries in the cache (a build killed midway), once older than any real build takes.

    The cache is shared by every state directory, so a young one may be another run's build in progress.
    """
    cache = cache_dir()
    found = []
    for path in sorted([*cache.glob("images/.build-*"), *cache.glob("bin/*/.*-*")]):
        with contextlib.suppress(OSError):
            if time.time() - path.lstat().st_mtime > min_age_s:
                found.append(Orphan("harness", "half-built image", str(path), lambda p=path: _remove_tree(p)))
    return found


def _scratch_trees() -> list[Orphan]:
    root = scratch_root()
    return [Orphan("harness", "working tree", str(p), lambda p=p: _remove_tree(p)) for p in sorted(root.iterdir())]


def _remove_tree(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


# -- finding and removing --------------------------------------------------------

def find_orphans() -> list[Orphan]:
    """Everything a killed run left, in the order it must go: processes, runtimes' objects, mounts, loops, trees.

    Call it holding ``run_lock``: otherwise a running `bench run`'s live
    objects would be taken for orphans.
    """
    state = str(state_dir().resolve())
    found = _stray_processes(state)
    for runtime in RUNTIMES:
        found += runtime.orphans()
    return found


def clean() -> list[Removed]:
    """Remove every orphan; return one ``Removed`` per orphan (with the error for one that could not go).

    Mounts, loop devices and trees are looked for only after the processes and
    the runtimes' objects are gone, since those are what held them.
    """
    removed = _remove_all(find_orphans())
    state = str(state_dir().resolve())
    for finder in (_mounts, _loop_devices):
        removed += _remove_all(finder(state))
    return removed + _remove_all(_scratch_trees() + _stale_builds())


def _remove_all(orphans: list[Orphan]) -> list[Removed]:
    out = []
    for orphan in orphans:
        try:
            orphan.remove()
            out.append(Removed(orphan.runtime, orphan.kind, orphan.name))
        except Exception as err:  # noqa: BLE001 — one stubborn orphan must not stop the others; it is reported
            out.append(Removed(orphan.runtime, orphan.kind, orphan.name, error=str(err) or type(err).__name__))
    return out


__all__ = ["Removed", "RunInProgress", "clean", "find_orphans", "run_lock"]
