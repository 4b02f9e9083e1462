"""`box pull` against a real registry on 127.0.0.1 (distribution's, Debian docker-registry), images pushed by skopeo.

Every image is built here, as an OCI layout of small tar layers, and pushed
by skopeo; the registry is the real one, with real token authentication for
the private repository (tests/registry.py). Refusals are checked from the
outside: exit code, one line on stderr, and a store left exactly as it was.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import stat
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from runtimes import Image
from runtimes.box import pull
from runtimes.box.images import ImageStore, tar_directory
from runtimes.box.registry import DigestMismatch
from tests.conftest import REPO
from tests.envcheck import require_root, require_tool
from tests.registry import PASSWORD, USER, LocalRegistry, OciLayout, entry, tar_layer


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> LocalRegistry:
    require_root()
    require_tool("docker-registry", "docker-registry")
    require_tool("skopeo", "skopeo")
    with LocalRegistry(tmp_path_factory.mktemp("registry")) as started:
        yield started


@pytest.fixture(scope="module")
def token_registry(tmp_path_factory: pytest.TempPathFactory) -> LocalRegistry:
    require_root()
    require_tool("docker-registry", "docker-registry")
    require_tool("skopeo", "skopeo")
    with LocalRegistry(tmp_path_factory.mktemp("token-registry"), token=True) as started:
        yield started


@pytest.fixture(scope="module")
def busybox_layer(image: Image) -> bytes:
    """The suite's image as one layer: a shell and coreutils for the images built here."""
    return tar_directory(image.rootfs)


def box(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "runtimes.box", *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})})


def store_root() -> Path:
    return Path(os.environ["BOX_ROOT"])


def snapshot() -> dict[str, object]:
    """What a failed pull must not change: the tags, the blobs, the unpacked layers, the downloads."""
    root = store_root()
    ImageStore(root)  # makes the layout if no test made it yet
    index = root / "index.json"
    return {"index": index.read_text() if index.exists() else "",
            **{d: sorted(p.name for p in (root / d).iterdir()) if (root / d).is_dir() else []
               for d in ("blobs/sha256", "layers", "downloads")}}


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


# -- the class sequence ----------------------------------------------------------
def test_pull_images_run_rmi_as_the_class_does(registry: LocalRegistry, image: Image) -> None:
    registry.push_busybox(image.rootfs)
    env = registry.mirror_env()  # `busybox` is Docker Hub's: sent to the local registry as to a mirror
    pulled = box("pull", "busybox", env=env)
    assert pulled.returncode == 0, pulled.stderr
    lines = pulled.stdout.splitlines()
    assert lines[:2] == ["Using default tag: latest", "latest: Pulling from library/busybox"]
    assert lines[-2:] == ["Status: Downloaded newer image for busybox:latest", "docker.io/library/busybox:latest"]
    assert lines[-3].startswith("Digest: sha256:") and "Pull complete" in pulled.stdout
    rows = [r.split() for r in box("images").stdout.splitlines()]
    assert rows[0] == ["REPOSITORY", "TAG", "IMAGE", "ID", "CREATED", "SIZE"]
    row = next(r for r in rows if r[:2] == ["busybox", "latest"])
    assert len(row[2]) == 12 and row[-1].endswith("MB")
    hello = box("run", "--rm", "busybox", "echo", "hello from a pulled image")
    assert (hello.returncode, hello.stdout) == (0, "hello from a pulled image\n"), hello.stderr
    again = box("pull", "busybox", env=env)
    assert "Already exists" in again.stdout and "Status: Image is up to date for busybox:latest" in again.stdout
    image_id = "sha256:" + row[2]
    removed = box("rmi", "busybox")
    assert removed.returncode == 0 and "Untagged: busybox:latest" in removed.stdout
    assert f"Deleted: {image_id}" in removed.stdout
    assert not any(name.startswith(row[2]) for name in snapshot()["blobs/sha256"])  # type: ignore[union-attr]
    assert "busybox" not in box("images").stdout


def test_run_pulls_an_image_it_does_not_have(registry: LocalRegistry, busybox_layer: bytes) -> None:
    name = f"{registry.host}/class/hello"
    registry.push_layers("class/hello:latest", [busybox_layer, tar_layer([entry("greeting", data=b"hi\n")])])
    try:
        result = box("run", "--rm", name, "cat", "/greeting")
        assert (result.returncode, result.stdout) == (0, "hi\n"), result.stderr
        assert f"Unable to find image '{name}:latest' locally" in result.stderr
        assert "Pull complete" in result.stderr  # progress goes to stderr: stdout is the container's
    finally:
        box("rmi", name)


# -- manifests: OCI, Docker schema 2, multi-arch, digests ------------------------------
@pytest.mark.parametrize("docker_format, media_type", [
    (False, "application/vnd.oci.image.manifest.v1+json"),
    (True, "application/vnd.docker.distribution.manifest.v2+json"),
])
def test_pulls_oci_and_docker_schema2_manifests(registry: LocalRegistry, docker_format: bool, media_type: str) -> None:
    name = f"{registry.host}/formats/{'docker' if docker_format else 'oci'}"
    registry.push_layers(f"formats/{'docker' if docker_format else 'oci'}:1",
                         [tar_layer([entry("etc", tarfile.DIRTYPE, mode=0o755), entry("etc/motd", data=b"motd\n")])],
                         docker_format=docker_format)
    try:
        assert box("pull", "-q", f"{name}:1").stdout == f"{name}:1\n"
        index = json.loads((store_root() / "index.json").read_text())
        entry_ = next(m for m in index["manifests"] if m["annotations"]["org.opencontainers.image.ref.name"] == f"{name}:1")
        assert entry_["mediaType"] == media_type
        layer = ImageStore(store_root()).resolve(f"{name}:1").layer_dirs[0]
        assert (layer / "etc/motd").read_text() == "motd\n"
    finally:
        box("rmi", f"{name}:1")


def test_multi_arch_index_resolves_to_linux_amd64(registry: LocalRegistry, tmp_path: Path, busybox_layer: bytes) -> None:
    layout = OciLayout(tmp_path / "layout")
    per_arch = {arch: layout.image([busybox_layer, tar_layer([entry("arch", data=arch.encode())])], arch=arch)
                for arch in ("amd64", "arm64")}
    index = layout.index(list(per_arch.values()))
    layout.tag(index, "multi")
    registry.push(layout, "multi", "multi/arch:latest", multi_arch=True)
    name = f"{registry.host}/multi/arch"
    arm_layers = json.loads((layout.root / "blobs/sha256" / per_arch["arm64"]["digest"][7:]).read_bytes())["layers"]
    try:
        pulled = box("pull", name)
        assert pulled.returncode == 0, pulled.stderr
        assert f"Digest: {index['digest']}" in pulled.stdout  # the index's digest, as Docker prints it
        assert box("run", "--rm", name, "cat", "/arch").stdout == "amd64"
        assert (store_root() / "blobs/sha256" / arm_layers[1]["digest"][7:]).exists() is False
        by_digest = box("run", "--rm", f"{name}@{index['digest']}", "cat", "/arch")
        assert by_digest.stdout == "amd64", by_digest.stderr
    finally:
        box("rmi", name)


def test_pull_by_digest_is_listed_without_a_tag(registry: LocalRegistry, busybox_layer: bytes) -> None:
    registry.push_layers("pinned/app:1", [busybox_layer, tar_layer([entry("pinned", data=b"yes")])])
    name = f"{registry.host}/pinned/app"
    assert box("pull", "-q", f"{name}:1").returncode == 0
    ref = f"{name}@{ImageStore(store_root()).resolve(f'{name}:1').manifest}"
    box("rmi", f"{name}:1")
    try:
        assert box("pull", "-q", ref).stdout == f"{ref}\n"
        assert [name, "<none>"] in [r.split()[:2] for r in box("images").stdout.splitlines()]
        assert box("run", "--rm", ref, "cat", "/pinned").stdout == "yes"
    finally:
        assert "Untagged: " + ref in box("rmi", ref).stdout


# -- layers: whiteouts, opaque directories, links --------------------------------------
def test_whiteouts_and_opaque_dirs_become_overlay_semantics(registry: LocalRegistry, busybox_layer: bytes) -> None:
    base = tar_layer([entry("a", tarfile.DIRTYPE, mode=0o755), entry("a/gone", data=b"1"), entry("a/kept", data=b"2"),
                      entry("b", tarfile.DIRTYPE, mode=0o755), entry("b/old", data=b"3"),
                      entry("a/hard", tarfile.LNKTYPE, linkname="a/kept"), entry("a/soft", tarfile.SYMTYPE, linkname="kept")])
    top = tar_layer([entry("a/.wh.gone"), entry("b/.wh..wh..opq"), entry("b/new", data=b"4")])
    registry.push_layers("layers/whiteouts:latest", [busybox_layer, base, top])
    name = f"{registry.host}/layers/whiteouts"
    try:
        assert box("pull", name).returncode == 0
        image = ImageStore(store_root()).resolve(name)
        top_dir, base_dir = image.layer_dirs[2], image.layer_dirs[1]
        whiteout = os.lstat(top_dir / "a/gone")
        assert stat.S_ISCHR(whiteout.st_mode) and whiteout.st_rdev == os.makedev(0, 0)
        assert os.getxattr(top_dir / "b", "trusted.overlay.opaque") == b"y"
        assert os.stat(base_dir / "a/hard").st_ino == os.stat(base_dir / "a/kept").st_ino
        assert os.readlink(base_dir / "a/soft") == "kept"
        seen = box("run", "--rm", name, "sh", "-c", "ls /a; echo --; ls /b; echo --; cat /a/hard /a/soft")
        assert seen.stdout.split() == ["hard", "kept", "soft", "--", "new", "--", "22"], seen.stderr
    finally:
        box("rmi", name)


def test_directory_metadata_never_goes_through_a_later_symlink(registry: LocalRegistry, tmp_path: Path) -> None:
    """tar applies a directory's mode last; if the archive has replaced it by a symlink meanwhile, nothing follows it."""
    outside = tmp_path / "outside"
    outside.mkdir(mode=0o755)
    registry.push_layers("layers/replaced:latest", [tar_layer([
        entry("d", tarfile.DIRTYPE, mode=0o777), entry("d", tarfile.SYMTYPE, linkname=str(outside))])])
    name = f"{registry.host}/layers/replaced"
    try:
        assert box("pull", name).returncode == 0
        assert stat.S_IMODE(outside.stat().st_mode) == 0o755
        assert os.readlink(ImageStore(store_root()).resolve(name).layer_dirs[0] / "d") == str(outside)
    finally:
        box("rmi", name)


# -- authentication ---------------------------------------------------------------
def test_private_repository_needs_a_token(token_registry: LocalRegistry, tmp_path: Path, busybox_layer: bytes) -> None:
    token_registry.push_layers("private/app:latest", [busybox_layer])
    token_registry.push_layers("public/app:latest", [tar_layer([entry("public", data=b"")])])
    private, public = f"{token_registry.host}/private/app", f"{token_registry.host}/public/app"
    before = snapshot()
    denied = box("pull", private)
    assert denied.returncode == 1 and "pull access denied for private/app on " + token_registry.host in one_line(denied)
    wrong = box("pull", private, env={"BOX_REGISTRY_USER": USER, "BOX_REGISTRY_PASSWORD": "wrong",
                                      "BOX_REGISTRY_HOST": token_registry.host})
    assert wrong.returncode == 1 and f"login refused for user '{USER}'" in one_line(wrong)
    assert snapshot() == before
    anonymous = box("pull", public)  # a token all the same, for an anonymous user
    assert anonymous.returncode == 0, anonymous.stderr
    box("rmi", public)
    with_env = box("pull", private, env={"BOX_REGISTRY_USER": USER, "BOX_REGISTRY_PASSWORD": PASSWORD,
                                         "BOX_REGISTRY_HOST": token_registry.host})
    assert with_env.returncode == 0, with_env.stderr
    box("rmi", private)
    config = tmp_path / "docker"
    config.mkdir()
    auth = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    (config / "config.json").write_text(json.dumps({"auths": {token_registry.host: {"auth": auth}}}))
    with_file = box("pull", private, env={"DOCKER_CONFIG": str(config)})
    assert with_file.returncode == 0, with_file.stderr
    assert box("run", "--rm", private, "true").returncode == 0
    box("rmi", private)


# -- refusals: the store stays as it was ------------------------------------------------
def test_unreachable_registry_is_one_line_and_changes_nothing(registry: LocalRegistry) -> None:
    before = snapshot()
    failed = box("pull", "127.0.0.1:1/nothing/here")
    assert failed.returncode == 1
    assert one_line(failed) == "box: cannot reach registry 127.0.0.1:1: Connection refused (is it running and reachable from here?)"
    ran = box("run", "127.0.0.1:1/nothing/here")
    assert ran.returncode == 125
    assert ran.stderr.splitlines() == ["Unable to find image '127.0.0.1:1/nothing/here:latest' locally",
                                       one_line(failed)]
    assert snapshot() == before


def test_blob_whose_digest_does_not_match_is_refused(registry: LocalRegistry) -> None:
    layer = tar_layer([entry("file", data=b"the genuine content\n")])
    registry.push_layers("tampered/app:latest", [layer])
    name = f"{registry.host}/tampered/app"
    layer_digest = "sha256:" + hashlib.sha256(gzip.compress(layer, mtime=0)).hexdigest()  # as OciLayout stores it
    data = registry.blob_data_path(layer_digest)
    corrupted = bytearray(data.read_bytes())
    corrupted[len(corrupted) // 2] ^= 0xFF  # same size, other bytes: what a broken or hostile registry serves
    data.write_bytes(bytes(corrupted))
    before = snapshot()
    refused = box("pull", name)
    assert refused.returncode == 1
    line = one_line(refused)
    assert f"blob {layer_digest} of tampered/app arrived as" in line and "refused" in line
    assert snapshot() == before


def _layer_hostile(case: str, outside: Path) -> bytes:
    xattr = tarfile.TarInfo("evil")
    xattr.pax_headers = {"SCHILY.xattr.trusted.overlay.redirect": "/etc"}
    return tar_layer({
        "dotdot": [entry("../escaped", data=b"x")],
        "absolute": [entry(f"{outside}/escaped", data=b"x")],
        "symlink-escape": [entry("link", tarfile.SYMTYPE, linkname=str(outside)), entry("link/escaped", data=b"x")],
        "relative-symlink-escape": [entry("up", tarfile.SYMTYPE, linkname="../../../../../../.."),
                                    entry(f"up{outside}/escaped", data=b"x")],
        "absolute-hardlink": [entry("passwd", tarfile.LNKTYPE, linkname="/etc/passwd")],
        "dotdot-hardlink": [entry("passwd", tarfile.LNKTYPE, linkname="../../../../etc/passwd")],
        "block-device": [entry("dev/sda", tarfile.BLKTYPE, devmajor=8, devminor=0)],
        "char-device": [entry("dev/mem", tarfile.CHRTYPE, devmajor=1, devminor=1)],
        "overlay-xattr": [(xattr, b"")],
    }[case])


@pytest.mark.parametrize("case, message", [
    ("dotdot", "contains '..'"),
    ("absolute", "is an absolute path"),
    ("symlink-escape", "goes through the symlink 'link'"),
    ("relative-symlink-escape", "goes through the symlink 'up'"),
    ("absolute-hardlink", "is an absolute path"),
    ("dotdot-hardlink", "contains '..'"),
    ("block-device", "is a device node"),
    ("char-device", "is a device node"),
    ("overlay-xattr", "trusted.overlay.redirect"),
])
def test_hostile_layer_is_refused_and_the_store_is_untouched(registry: LocalRegistry, tmp_path: Path,
                                                             case: str, message: str) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    registry.push_layers(f"hostile/{case}:latest", [tar_layer([entry("ok", data=b"fine")]), _layer_hostile(case, outside)])
    before = snapshot()
    refused = box("pull", f"{registry.host}/hostile/{case}")
    assert refused.returncode == 1
    line = one_line(refused)
    assert line.startswith("box: layer ") and " refused: " in line and message in line, line
    assert snapshot() == before
    assert list(outside.iterdir()) == [] and not (store_root() / "escaped").exists()


@pytest.mark.parametrize("diff_id, message", [
    ("sha256:../../../../escaped", "names the digest 'sha256:../../../../escaped'"),
    ("sha256:" + "0" * 64, "not the diff_id sha256:" + "0" * 64),
])
def test_config_that_lies_about_its_layers_is_refused(registry: LocalRegistry, diff_id: str, message: str) -> None:
    """diff_ids name the layers' directories: one that is not a sha256, or not the layer's, is refused."""
    registry.push_layers("lying/config:latest", [tar_layer([entry("file", data=b"x")])], diff_ids=[diff_id])
    before = snapshot()
    refused = box("pull", f"{registry.host}/lying/config")
    assert refused.returncode == 1 and message in one_line(refused)
    assert snapshot() == before and not (store_root().parent / "escaped").exists()


# -- downloads ----------------------------------------------------------------
def test_partial_download_resumes_with_a_range_request(registry: LocalRegistry, tmp_path: Path) -> None:
    payload = hashlib.sha512(b"seed").digest() * 8192  # 512 KiB that gzip cannot shrink much
    payload = bytes(b ^ i % 251 for i, b in enumerate(payload))
    registry.push_layers("resume/app:latest", [tar_layer([entry("big", data=payload)])])
    store = ImageStore(tmp_path / "store")
    name = f"{registry.host}/resume/app"
    first = pull.pull(store, name)
    layer = first.layers[0]
    blob = store.blob_path(layer.digest).read_bytes()
    fresh = ImageStore(tmp_path / "again")
    (fresh.root / "downloads").mkdir()
    half = len(blob) // 2
    (fresh.root / "downloads" / f"{layer.digest[7:]}.partial").write_bytes(blob[:half])
    resumed = pull.pull(fresh, name).layers[0].download
    assert resumed is not None and (resumed.resumed_from, resumed.downloaded_bytes) == (half, len(blob) - half)
    assert list((fresh.root / "downloads").iterdir()) == []
    spoiled = ImageStore(tmp_path / "spoiled")
    (spoiled.root / "downloads").mkdir()
    (spoiled.root / "downloads" / f"{layer.digest[7:]}.partial").write_bytes(bytes(half))
    with pytest.raises(DigestMismatch):
        pull.pull(spoiled, name)
    assert list((spoiled.root / "downloads").iterdir()) == [], "a partial that proved wrong is not kept"
    assert pull.pull(spoiled, name).layers[0].download.resumed_from == 0  # type: ignore[union-attr]
