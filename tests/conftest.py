"""Shared fixtures: a private state directory per test session, and leak checks.

Every integration test runs between two snapshots of what the suite could
leak (mounts, scratch trees, child processes, libvirt domains, vz's loop
devices, veths and cgroups, the production peers' containers); any
difference fails the test,
as bocker's and crun's test harnesses do.
"""

from __future__ import annotations

import os
from pathlib import Path

import psutil
import pytest

from runtimes import Image, build_image
from tests.envcheck import require_root

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session", autouse=True)
def private_state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Point ISOBENCH_STATE at a fresh directory so leak checks see only our trees.

    The image cache stays shared (ISOBENCH_CACHE unset → /var/cache/isobench):
    it is a cache, and rebuilding it per test would only cost time.
    """
    state = tmp_path_factory.mktemp("state")
    os.environ["ISOBENCH_STATE"] = str(state)
    os.environ["BOX_ROOT"] = str(state / "box")
    os.environ["VZ_ROOT"] = str(state / "vz")
    return state


def _mounts() -> set[str]:
    with open("/proc/self/mountinfo") as f:
        return {" ".join(line.split()[3:5]) for line in f}  # root and mount point


def _entries(directory: Path) -> set[str]:
    return {str(p) for p in directory.iterdir()} if directory.is_dir() else set()


def _cgroups(name: str) -> set[str]:
    """Every group box ("box") or vz ("vz") made, in any hierarchy (v1: one per controller; v2: one tree)."""
    found: set[str] = set()
    for parent in [*Path("/sys/fs/cgroup").glob(f"*/{name}"), Path("/sys/fs/cgroup", name)]:
        found |= {str(p) for p in parent.iterdir() if p.is_dir()} if parent.is_dir() else set()
    return found


def _loop_devices_under(directory: Path) -> set[str]:
    """Loop devices bound to a file under ``directory``, as `losetup -a` lists them."""
    found = set()
    for entry in Path("/sys/block").glob("loop*"):
        try:
            backing = (entry / "loop/backing_file").read_text().strip()
        except OSError:
            continue
        if backing.startswith(f"{directory}/"):
            found.add(f"/dev/{entry.name} {backing}")
    return found


def _vz_links() -> set[str]:
    """Host ends of vz's veth pairs ("vz" + CTID)."""
    return {p.name for p in Path("/sys/class/net").iterdir() if p.name.startswith("vz")}


def _libvirt_domains() -> set[str]:
    """This test session's libvirt domains, running or not, as `virsh list --all` shows them.

    Only names with this session's prefix count: another suite run on the same
    host (another state directory) may be starting VMs at the same time.
    """
    try:
        import libvirt
    except ImportError:
        return set()
    from runtimes.vm.libvirt import connect, domain_prefix

    try:
        conn = connect()
    except libvirt.libvirtError:
        return set()  # libvirtd unreachable: no test can have started a domain either
    try:
        return {d.name() for d in conn.listAllDomains() if d.name().startswith(domain_prefix())}
    finally:
        conn.close()


def _peer_leftovers(state: Path) -> dict[str, set[str]]:
    """What the production peers (runtimes/peers/) could leave: containers, their state and monitors, cgroups."""
    from runtimes.peers import docker, podman
    from runtimes.peers._common import session_tag

    monitors = set()
    for proc in psutil.process_iter(["name", "cmdline"]):  # podman's conmon outlives a killed client
        if proc.info["name"] == "conmon" and f"isobench-{session_tag()}-" in " ".join(proc.info["cmdline"] or ()):
            monitors.add(f"{proc.pid} conmon")
    return {
        "OCI runtime state and bundles": {str(p) for kind in ("state", "bundles")
                                          for p in (state / "scratch").glob(f"*/{kind}/*")},
        "podman containers": podman.leftover_containers(),
        "podman monitors": monitors,
        "docker containers": docker.leftover_containers(),
        # Only this session's: another suite run on the host may be running the peers meanwhile.
        "peer cgroups": {g for g in _cgroups("isobench-crun") | _cgroups("isobench-runc") | _cgroups("isobench-lxc")
                          | _cgroups("isobench-gvisor") | _cgroups("isobench-nspawn")
                         if f"/isobench-{session_tag()}-" in g},
    }


def _state_processes(state: Path) -> set[str]:
    """Processes running from the state directory (cwd or executable in it), children or not: `bench clean` kills them."""
    root = str(state.resolve())
    found = set()
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and any(os.readlink(proc / link).startswith(root + "/") for link in ("cwd", "exe")):
                found.add(f"{proc.name} {os.readlink(proc / 'exe')}")
        except OSError:
            continue
    return found




def _leftovers(state: Path) -> dict[str, set[str]]:
    return {
        "mounts": _mounts(),
        "scratch trees": _entries(state / "scratch"),
        "box containers": _entries(state / "box" / "containers"),
        "box pull leftovers": {str(p) for p in (state / "box" / "layers").glob(".unpack-*")}
        | _entries(state / "box" / "downloads"),
        "cgroups": _cgroups("box"),
        "vz containers": _entries(state / "vz" / "conf") | _entries(state / "vz" / "private"),
        "vz running containers": {str(p) for p in (state / "vz" / "run").glob("*.json")},
        "vz loop devices": _loop_devices_under(state / "vz"),
        "vz veth links": _vz_links(),
        "vz cgroups": _cgroups("vz"),
        "network namespaces": _entries(Path("/run/netns")),
        "libvirt domains": _libvirt_domains(),
        "child processes": {f"{p.pid} {p.name()}" for p in psutil.Process().children(recursive=True)},
        "processes in the state dir": _state_processes(state),
        "loop devices of the state dir": _loop_devices_under(state.resolve()),
        **_peer_leftovers(state),
    }


@pytest.fixture
def no_leaks(private_state: Path):
    """Fail the test if it leaves a mount, a scratch tree, a process or a libvirt domain behind."""
    before = _leftovers(private_state)
    yield
    after = _leftovers(private_state)
    leaked = {kind: after[kind] - before[kind] for kind in after if after[kind] - before[kind]}
    assert not leaked, f"leaked: {leaked}"


@pytest.fixture(scope="module")
def docker_engine():
    """Docker's engine for a module's docker tests, held as `bench run` holds it (``Docker.service``).

    Module-scoped, so it is up before each test's leak snapshot (dockerd
    mounts its data-root) and stopped, with all it made, after the module.
    When it cannot start, ``Docker.available`` gives the reason and the
    docker tests skip with it.
    """
    from runtimes.peers.docker import Docker

    with Docker.service() as facts:
        yield facts


@pytest.fixture(scope="session")
def image() -> Image:
    """The one image, built (or taken from the cache) once per test session."""
    require_root()
    return build_image()
