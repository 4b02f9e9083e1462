"""The devices cgroup: a container opens the devices it was given and no other.

box mounts everything a container can write ``nodev``; these tests take that
lock away on purpose (a node made on the host's own disk, or a tmpfs without
nodev mounted into the container from outside) so that what stops the node
is the devices cgroup alone (runtimes/kernel/devices.py): devices.deny and
devices.allow on cgroup v1, a BPF device program on cgroup v2. Each attack
here succeeds when the rules are switched off (``allowed_devices=None``).

The engine tests take the engine as their argument, so tests/v2guest/box_checks.py
runs them on a pure cgroup v2 kernel too.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import pty
import select
import signal
import stat
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from runtimes import Image, Limits
from runtimes.box import Engine
from runtimes.kernel import cgroups, linux
from runtimes.box.runtime import SUITE_IMAGE, BoxRuntime
from tests.conftest import REPO
from tests.envcheck import require_runtime

UNIFIED = Path("/sys/fs/cgroup/unified")   # a hybrid v1 host's cgroup2 mount: no controllers, but BPF programs attach
KMSG = (1, 11)                             # /dev/kmsg: the host's kernel log, never given to a container


@pytest.fixture(scope="module")
def engine(image: Image) -> Engine:
    require_runtime("box")
    with BoxRuntime(image) as runtime:  # imports the suite's image under its fixed name
        return runtime.engine


def host_disk() -> tuple[int, int]:
    """Major and minor of a block device the host itself can open: the root's disk, else another (a loop device).

    Some hosts refuse even their own root to open the disk under "/" (this
    development VM does): such a device would prove nothing about the cgroup.
    """
    root = os.stat("/").st_dev
    found = sorted(Path("/sys/dev/block").iterdir()) if Path("/sys/dev/block").is_dir() else []
    for entry in [Path(f"/sys/dev/block/{os.major(root)}:{os.minor(root)}"), *found]:
        name = dict(line.partition("=")[::2] for line in _read_lines(entry / "uevent")).get("DEVNAME")
        try:
            os.close(os.open(f"/dev/{name}", os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC))
        except (OSError, TypeError):
            continue
        major, minor = entry.name.split(":")
        return int(major), int(minor)
    pytest.skip("no block device the host itself can open")


def _read_lines(path: Path) -> list[str]:
    try:
        return path.read_text().splitlines()
    except OSError:
        return []


# -- the rules themselves, on a group of their own ---------------------------------

def _group(version: str, name: str) -> cgroups.Cgroup:
    """A box group for this test, in the v1 hierarchies or in a cgroup2 tree (the host's, or the hybrid's)."""
    if version == "v1":
        if cgroups.host_version() != "v1":
            pytest.skip("no cgroup v1 hierarchies on this host")
        return cgroups.CgroupV1(name)
    if cgroups.host_version() == "v2":
        return cgroups.CgroupV2(name)
    if not (UNIFIED / "cgroup.procs").exists():
        pytest.skip(f"no cgroup2 mount at {UNIFIED}")
    return cgroups.CgroupV2(name, root=UNIFIED)


def _nodes(directory: Path) -> dict[str, Path]:
    """Nodes made on the host's disk (no nodev there): one allowed device, two never given."""
    made = {"null": (stat.S_IFCHR, (1, 3)), "kmsg": (stat.S_IFCHR, KMSG), "disk": (stat.S_IFBLK, host_disk())}
    for name, (kind, (major, minor)) in made.items():
        os.mknod(directory / name, kind | 0o600, os.makedev(major, minor))
    return {name: directory / name for name in made}


def _try_from_inside(group: cgroups.Cgroup, nodes: dict[str, Path], scratch: Path) -> dict[str, str]:
    """From a child process that joined ``group``: open each node, and make a new one; "ok" or the errno's name."""
    disk = os.stat(nodes["disk"]).st_rdev
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read_fd)
            for path in group.self_join_files:
                path.write_text("0")
            seen = {}
            for name, node in nodes.items():
                seen[name] = _outcome(lambda: os.close(os.open(node, os.O_RDONLY | os.O_NONBLOCK)))
            seen["mknod"] = _outcome(lambda: os.mknod(scratch / "made", stat.S_IFBLK | 0o600, disk))
            os.write(write_fd, json.dumps(seen).encode())
        finally:
            os._exit(0)
    os.close(write_fd)
    with os.fdopen(read_fd) as answer:
        text = answer.read()
    os.waitpid(pid, 0)
    return json.loads(text)


def _outcome(attempt) -> str:  # type: ignore[no-untyped-def]
    try:
        attempt()
        return "ok"
    except OSError as err:
        return errno.errorcode.get(err.errno or 0, str(err.errno))


@pytest.fixture
def group_name() -> Iterator[str]:
    yield f"devices-test-{os.getpid()}"
    try:
        (UNIFIED / cgroups.PARENT).rmdir()  # only these tests make box/ in a hybrid host's cgroup2 tree
    except OSError:
        pass


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_the_group_opens_its_devices_and_refuses_the_rest(version: str, group_name: str, tmp_path: Path) -> None:
    nodes = _nodes(tmp_path)
    group = _group(version, group_name)
    try:
        group.create(Limits())
        seen = _try_from_inside(group, nodes, tmp_path)
    finally:
        group.destroy()
    # mknod itself is allowed ("b *:* m", as Docker): opening is what is refused.
    assert seen == {"null": "ok", "kmsg": "EPERM", "disk": "EPERM", "mknod": "ok"}


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_without_device_rules_the_same_nodes_open(version: str, group_name: str, tmp_path: Path) -> None:
    """The control: the nodes above are real and their filesystem allows devices, so the EPERM is the cgroup's."""
    nodes = _nodes(tmp_path)
    group = _group(version, group_name)
    try:
        group.create(Limits(), allowed_devices=None)
        seen = _try_from_inside(group, nodes, tmp_path)
    finally:
        group.destroy()
    assert seen == {"null": "ok", "kmsg": "ok", "disk": "ok", "mknod": "ok"}


# -- from inside a box container ---------------------------------------------------
# (`true`, not `:`, before a redirection that may fail: a failed redirection of
# the special built-in `:` ends a POSIX shell, and the checks after it with it.)

def _mount_tmpfs_allowing_devices(pid: int, target: str) -> None:
    """Mount a tmpfs *without* nodev at ``target`` inside the mount namespace of container process ``pid``.

    Done from the host (setns(2) into /proc/PID/ns/mnt), since the container
    itself may not mount: it stands for any mount a container could get that
    lacks nodev, so that nodev is not what stops the nodes made there.
    """
    child = os.fork()
    if child == 0:
        code = 1
        try:
            namespace = os.open(f"/proc/{pid}/ns/mnt", os.O_RDONLY | os.O_CLOEXEC)
            root = os.open(f"/proc/{pid}/root", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
            linux.setns(namespace, linux.CLONE_NEWNS)
            # setns leaves us at the namespace's first root mount, which is not the
            # container's "/" when box itself runs in a chroot: go where the container is.
            os.fchdir(root)
            os.chroot(".")
            os.mkdir(target)
            linux.mount("devtest", target, "tmpfs", 0, "size=64k")
            Path(target, "ready").touch()
            code = 0
        except BaseException as err:  # noqa: BLE001 — said on stderr, which pytest shows with the failure
            os.write(2, f"mounting a tmpfs on {target} in the mount namespace of {pid}: {err}\n".encode())
        finally:
            os._exit(code)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0, "could not mount the tmpfs inside the container"


def _run_with_devices_mount(engine: Engine, script: str, timeout_s: float = 120) -> str:
    """Run ``script`` in a container that first waits for a devices-allowing tmpfs on /devtest; its output."""
    container = engine.create(SUITE_IMAGE, ["/bin/sh", "-c", "echo started; "
                                            "while [ ! -e /devtest/ready ]; do usleep 10000; done; " + script])
    read_fd, write_fd = os.pipe()
    devnull = os.open(os.devnull, os.O_RDONLY)
    try:
        started = engine.start(container, (devnull, write_fd, write_fd), die_with_parent=True)
    finally:
        os.close(write_fd)
        os.close(devnull)
    output, mounted, finished = b"", False, False
    try:
        deadline = time.monotonic() + timeout_s
        while chunk := _read_before(read_fd, deadline, output):
            output += chunk
            if not mounted and b"started\n" in output:
                _mount_tmpfs_allowing_devices(started.pid, "/devtest")
                mounted = True
        finished = True
    finally:
        os.close(read_fd)
        if not finished:  # a failed step here must not leave the container waiting for ever
            with contextlib.suppress(ProcessLookupError):
                os.kill(started.pid, signal.SIGKILL)
        _, status = os.waitpid(started.pid, 0)
        setup = started.setup_error()
        os.close(started.error_fd)
        engine.finish(container, status)
        engine.remove(container)
    assert not setup, setup
    return output.decode()


def _read_before(fd: int, deadline: float, so_far: bytes) -> bytes:
    """The next bytes the container prints (b"" at its end); fails once ``deadline`` passes."""
    if not select.select([fd], [], [], max(0.0, deadline - time.monotonic()))[0]:
        raise AssertionError(f"the container said nothing more in time; so far: {so_far.decode(errors='replace')!r}")
    return os.read(fd, 4096)


def test_a_node_made_where_nodev_does_not_apply_cannot_be_opened(engine: Engine) -> None:
    major, minor = host_disk()
    out = _run_with_devices_mount(engine, (
        f"mknod /devtest/null c 1 3 && mknod /devtest/kmsg c {KMSG[0]} {KMSG[1]} "
        f"&& mknod /devtest/disk b {major} {minor} && echo made; "
        "echo x > /devtest/null && echo null-opened; "    # the control: this mount lets a device open
        "true > /devtest/kmsg && echo kmsg-opened; "      # open for writing, write nothing (as probe iso does)
        "true < /devtest/disk && echo disk-opened"))      # a block device of the host's
    assert "made" in out and "null-opened" in out, out
    assert "kmsg-opened" not in out and "can't create /devtest/kmsg: Operation not permitted" in out, out
    assert "disk-opened" not in out and "can't open /devtest/disk: Operation not permitted" in out, out


def test_the_devices_a_container_is_given_work(engine: Engine) -> None:
    out = _run_with_devices_mount(engine, (
        "echo x > /dev/null && echo null-ok; "
        "head -c 4 /dev/zero | wc -c; head -c 4 /dev/urandom | wc -c; head -c 4 /dev/random | wc -c; "
        "echo x > /dev/full; "        # ENOSPC: /dev/full opened, and said what it always says
        "true > /dev/tty; "           # ENXIO: no controlling terminal, the tty driver's answer, not the cgroup's
        "true <> /dev/ptmx && echo ptmx-ok"))   # a new pty of the container's own devpts
    assert "null-ok" in out and out.splitlines().count("4") == 3, out
    assert "No space left on device" in out and "No such device or address" in out and "ptmx-ok" in out, out
    assert "Operation not permitted" not in out, out


def test_box_run_t_gives_a_terminal_that_works(engine: Engine) -> None:
    """`box run -t`: the pty box hands over (/dev/console, char 136:N), /dev/tty and /dev/ptmx all open."""
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["PYTHONPATH"] = str(REPO)
        os.execv(sys.executable, [sys.executable, "-m", "runtimes.box", "run", "-t", "--rm", SUITE_IMAGE, "sh", "-c",
                                  "tty; true > /dev/tty && echo tty-ok; true > /dev/console && echo console-ok; "
                                  "true <> /dev/ptmx && echo ptmx-ok"])
    out = b""
    try:
        while True:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # EIO: every slave side closed, the run is over
                break
            if not chunk:
                break
            out += chunk
        _, status = os.waitpid(pid, 0)
    finally:
        os.close(fd)
    text = out.decode(errors="replace")
    assert os.waitstatus_to_exitcode(status) == 0, text
    assert "tty-ok" in text and "console-ok" in text and "ptmx-ok" in text, text
