"""box against a hostile image and a careless caller: each test makes the attack from inside.

The images are built here and served by a real local registry (tests/registry.py),
pulled with `box pull` as a class would pull any image. Each attack is one
runc or Docker closes by default:

- an image whose /proc, /sys or /dev is a symbolic link (runc: securejoin, and
  procfs only on a real directory) — box used to mount procfs where the link
  pointed and read a fake cap_last_cap from the image, keeping every capability;
- a volume target that leads out of the root through the image's own links;
- a directory descriptor the caller left open (CVE-2024-21626);
- box-init's own descriptors and binary (the status file in box's store;
  CVE-2019-5736's /proc/self/exe);
- the capability sets, the image's USER and the caller's supplementary groups
  (CVE-2022-24769: a non-empty inheritable set);
- set-user-ID files and device nodes on a volume's submounts.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from runtimes import Image
from runtimes.box.images import tar_directory
from runtimes.box.runtime import SUITE_IMAGE, BoxRuntime
from runtimes.kernel import linux
from runtimes.kernel.security import DOCKER_DEFAULT_CAPS
from tests.envcheck import require_runtime
from tests.registry import LocalRegistry, entry, serve, tar_layer

REPO = Path(__file__).resolve().parents[2]
DOCKER_MASK = sum(1 << cap for cap in DOCKER_DEFAULT_CAPS.values())


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalRegistry]:
    yield from serve(tmp_path_factory.mktemp("hostile-registry"))


@pytest.fixture(scope="module")
def busybox_layer(image: Image) -> bytes:
    return tar_directory(image.rootfs)


@pytest.fixture(scope="module")
def suite_image(image: Image) -> str:
    """The suite's image in box's store, as isobench:latest."""
    require_runtime("box")
    with BoxRuntime(image):  # imports it under its fixed name
        return SUITE_IMAGE


def box(*args: str, pass_fds: tuple[int, ...] = (), timeout: float = 60,
        preexec_fn=None) -> subprocess.CompletedProcess[str]:  # noqa: ANN001
    return subprocess.run([sys.executable, "-m", "runtimes.box", *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "PYTHONPATH": str(REPO)}, pass_fds=pass_fds,
                          preexec_fn=preexec_fn)


def without(layer: bytes, *names: str) -> list[tuple[tarfile.TarInfo, bytes | None]]:
    """The members of ``layer`` except ``names`` and what lies below them."""
    kept = []
    with tarfile.open(fileobj=io.BytesIO(layer)) as archive:
        for member in archive:
            top = member.name.split("/")[0]
            if top in names:
                continue
            data = archive.extractfile(member).read() if member.isreg() else None  # type: ignore[union-attr]
            kept.append((member, data))
    return kept


@pytest.fixture(scope="module")
def hostile(registry: LocalRegistry, busybox_layer: bytes):  # noqa: ANN201
    """push(name, layer_entries, settings=None) -> the image reference to pull; every image removed at the end."""
    pushed = []

    def push(name: str, entries: list[tuple[tarfile.TarInfo, bytes | None]], settings: dict | None = None) -> str:
        registry.push_layers(f"hostile/{name}:latest", [tar_layer(entries)], settings=settings)
        reference = f"{registry.host}/hostile/{name}"
        pulled = box("pull", reference)
        assert pulled.returncode == 0, pulled.stderr
        pushed.append(reference)
        return reference

    yield push
    for reference in pushed:
        box("rmi", "-f", reference)


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def status_masks(text: str) -> dict[str, int]:
    """CapInh, CapPrm, CapEff, CapBnd, CapAmb of a /proc/PID/status text, as numbers."""
    return {key: int(value, 16) for key, _, value in (line.partition(":\t") for line in text.splitlines())
            if key.startswith("Cap")}


# -- the root filesystem ---------------------------------------------------------------
@pytest.mark.parametrize("top", ["proc", "sys", "dev"])
def test_an_image_whose_kernel_directory_is_a_link_is_refused(hostile, busybox_layer: bytes, top: str) -> None:
    """/proc -> /tmp with a fake tmp/sys/kernel/cap_last_cap of 0 kept every capability before."""
    entries = [*without(busybox_layer, top), entry(top, tarfile.SYMTYPE, linkname="/tmp"),
               entry("tmp/sys", tarfile.DIRTYPE, mode=0o755), entry("tmp/sys/kernel", tarfile.DIRTYPE, mode=0o755),
               entry("tmp/sys/kernel/cap_last_cap", data=b"0\n")]
    reference = hostile(f"{top}-link", entries)
    result = box("run", "--rm", reference, "cat", "/proc/self/status")
    assert result.returncode == 125, result.stdout
    line = one_line(result)
    assert f"/{top} is not a plain directory" in line and "rebuild the image" in line


def test_a_volume_target_through_the_images_link_stays_inside_the_root(hostile, busybox_layer: bytes,
                                                                        tmp_path: Path) -> None:
    outside = tmp_path / "host-side"   # what the image's link names, as a host path
    outside.mkdir()
    volume = tmp_path / "volume"
    volume.mkdir()
    (volume / "mark").write_text("volume\n")
    reference = hostile("volume-link", [*busybox_layer_entries(busybox_layer),
                                        entry("data", tarfile.SYMTYPE, linkname=str(outside))])
    result = box("run", "--rm", "-v", f"{volume}:/data/sub", reference, "cat", "/data/sub/mark")
    assert (result.returncode, result.stdout) == (0, "volume\n"), result.stderr
    assert list(outside.iterdir()) == []  # nothing made on the host through the image's link


def busybox_layer_entries(layer: bytes) -> list[tuple[tarfile.TarInfo, bytes | None]]:
    return without(layer)


# -- descriptors ------------------------------------------------------------------------
def test_a_directory_the_caller_left_open_does_not_reach_the_container(suite_image: str) -> None:
    """`exec 9</; box run … cat /proc/self/fd/9/…` printed a host file before (CVE-2024-21626's class)."""
    host_root = os.open("/", os.O_RDONLY | os.O_DIRECTORY)  # inheritable by box, as `exec N</` leaves it
    try:
        script = f"ls /proc/self/fd/{host_root}/ >/dev/null 2>&1 && echo reached || echo closed; ls /proc/self/fd"
        result = box("run", "--rm", "isobench:latest", "sh", "-c", script, pass_fds=(host_root,))
    finally:
        os.close(host_root)
    assert result.returncode == 0, result.stderr
    first, *fds = result.stdout.split()
    assert first == "closed"
    assert set(fds) <= {"0", "1", "2", "3"}  # 3: the directory ls itself opened to list


def test_box_init_keeps_its_status_file_and_binary_out_of_reach(suite_image: str) -> None:
    """The status fd leads to box's store on the host: the command must reach it neither as its own fd
    nor through box-init's /proc/1/fd (box-init is not dumpable); nor may it open box-init's binary."""
    script = ("for fd in /proc/1/fd/*; do echo exit=0 > $fd 2>/dev/null && echo wrote $fd; done; "
              "cat /proc/1/exe > /dev/null 2>&1 && echo read-exe; "
              "for fd in 3 4 5 6 7 8 9; do [ -e /proc/self/fd/$fd ] && echo has $fd; done; echo done")
    result = box("run", "--rm", "isobench:latest", "sh", "-c", script)
    assert (result.returncode, result.stdout.split()) == (0, ["done"]), result.stdout + result.stderr


def test_box_init_runs_from_a_sealed_memfd(suite_image: str) -> None:
    """CVE-2019-5736: a container's root rewriting the runtime's binary on the host through /proc/PID/exe."""
    import fcntl

    started = box("run", "-d", "--name", "sealed", "isobench:latest", "sleep", "30")
    assert started.returncode == 0, started.stderr
    try:
        pid = json.loads(box("inspect", "sealed").stdout)[0]["State"]["Pid"]
        assert os.readlink(f"/proc/{pid}/exe").startswith("/memfd:box-init")
        fd = os.open(f"/proc/{pid}/exe", os.O_RDONLY)
        try:
            seals = fcntl.fcntl(fd, fcntl.F_GET_SEALS)
        finally:
            os.close(fd)
        assert seals & fcntl.F_SEAL_WRITE and seals & fcntl.F_SEAL_SEAL
    finally:
        box("rm", "-f", "sealed")


# -- privileges ---------------------------------------------------------------------------
def _inherit_sys_admin() -> None:
    """A caller whose inheritable set holds CAP_SYS_ADMIN (as `capsh --inh=cap_sys_admin` leaves one)."""
    with open("/proc/self/status") as f:
        held = status_masks(f.read())["CapPrm"]  # all this root has (no CAP_SYS_RESOURCE on some hosts)
    linux.capset(effective=held, permitted=held, inheritable=1 << 21)


def test_every_capability_set_is_set_explicitly(suite_image: str) -> None:
    """Root exec'ing box-init gains its inheritable set (capabilities(7)): one left as the caller had it
    would hand CAP_SYS_ADMIN back past the bounding set (CVE-2022-24769's class)."""
    result = box("run", "--rm", "isobench:latest", "cat", "/proc/self/status", preexec_fn=_inherit_sys_admin)
    caps = status_masks(result.stdout)
    assert caps == {"CapInh": 0, "CapPrm": DOCKER_MASK, "CapEff": DOCKER_MASK, "CapBnd": DOCKER_MASK, "CapAmb": 0}


def test_the_callers_supplementary_groups_do_not_reach_the_container(suite_image: str) -> None:
    result = box("run", "--rm", "isobench:latest", "grep", "^Groups:", "/proc/self/status",
                 preexec_fn=lambda: os.setgroups([4, 24, 27]))  # adm, cdrom, sudo: a teacher's login
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["Groups:"]


@pytest.mark.parametrize("user, uid, gid", [("nobody", 65534, 65534), ("1000:1000", 1000, 1000), ("nobody:0", 65534, 0)])
def test_the_images_user_is_honoured_and_keeps_no_capability(hostile, busybox_layer: bytes, user: str,
                                                            uid: int, gid: int) -> None:
    reference = hostile(f"user-{uid}-{gid}", busybox_layer_entries(busybox_layer), settings={"User": user})
    result = box("run", "--rm", reference, "cat", "/proc/self/status")
    assert result.returncode == 0, result.stderr
    fields = dict(line.partition(":\t")[::2] for line in result.stdout.splitlines())
    assert fields["Uid"].split()[0] == str(uid) and fields["Gid"].split()[0] == str(gid)
    caps = status_masks(result.stdout)
    assert caps["CapEff"] == caps["CapPrm"] == caps["CapInh"] == caps["CapAmb"] == 0
    assert caps["CapBnd"] == DOCKER_MASK


def test_a_user_the_image_does_not_have_is_one_line_and_exit_125(hostile, busybox_layer: bytes) -> None:
    reference = hostile("user-ghost", busybox_layer_entries(busybox_layer), settings={"User": "ghost"})
    result = box("run", "--rm", reference, "true")
    assert result.returncode == 125
    assert "unable to find user ghost" in one_line(result)


# -- volumes ---------------------------------------------------------------------------------
def test_every_mount_of_a_volume_is_nosuid_and_nodev(suite_image: str, tmp_path: Path) -> None:
    volume = tmp_path / "volume"
    (volume / "sub").mkdir(parents=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "isobench-sub", str(volume / "sub")], check=True)
    try:
        script = "awk '$5 == \"/data\" || $5 == \"/data/sub\" {print $5, $6}' /proc/self/mountinfo"
        result = box("run", "--rm", "-v", f"{volume}:/data", "isobench:latest", "sh", "-c", script)
    finally:
        subprocess.run(["umount", str(volume / "sub")], check=True)
    mounts = dict(line.split() for line in result.stdout.splitlines())
    assert set(mounts) == {"/data", "/data/sub"}, result.stdout + result.stderr
    for target, options in mounts.items():
        assert {"nosuid", "nodev"} <= set(options.split(",")), (target, options)
