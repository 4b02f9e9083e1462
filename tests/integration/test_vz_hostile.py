"""vz against a leaky caller, a hostile template and a hostile CT: each attack made for real.

Every test here makes the attack from where an attacker would stand (a
shell that left a directory open, a template in $VZ_ROOT/template, root
inside a CT) and fails if the protection it names is switched off; docs/vz.md
("What a CT cannot do, and what it may") lists them. CTIDs 7301-7399, so
test_vz.py's 7101 and a teacher's CT 101 are never touched.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from runtimes import Image
from runtimes.kernel import linux, loop
from runtimes.kernel.build import compile_static
from runtimes.openvz import net
from runtimes.openvz.config import HOST_ADDRESS as _HOST
from runtimes.openvz.ct import Engine
from runtimes.openvz.errors import VzError
from runtimes.openvz.security import VZ_CAPS
from tests.envcheck import require_runtime

REPO = Path(__file__).resolve().parents[2]
VZPKT = Path(__file__).resolve().parent / "vzpkt.c"
SECRET = "host-secret-7f3a"
HOST_ADDRESS = str(_HOST)  # the host end of every CT's veth


@pytest.fixture
def engine(image: Image) -> Engine:
    require_runtime("openvz")
    return Engine()


@contextlib.contextmanager
def a_ct(engine: Engine, ctid: int, ostemplate: str = "isobench", ip: str | None = None) -> Iterator[int]:
    """CT ``ctid`` created (hostname web1), stopped and destroyed afterwards whatever happened."""
    if net.exists(net.host_device(ctid)):
        pytest.skip(f"{net.host_device(ctid)} exists on this host: another CT {ctid} is running")
    engine.create(ctid, ostemplate=ostemplate, diskspace=64 * 2**20, hostname="web1",
                  ips=[ip or f"10.213.73.{ctid - 7300}"])
    try:
        yield ctid
    finally:
        engine.stop(ctid, fast=True)
        engine.destroy(ctid)


def run(engine: Engine, ctid: int, script: str, stdin: int | None = None) -> tuple[int, str]:
    """`vz exec` through the library: the exit code and everything the command printed."""
    read_fd, write_fd = os.pipe()
    source = os.open(os.devnull, os.O_RDONLY) if stdin is None else stdin
    try:
        started = engine.exec_in(ctid, ["/bin/sh", "-c", script], (source, write_fd, write_fd))
    finally:
        os.close(write_fd)
        if stdin is None:
            os.close(source)
    with os.fdopen(read_fd, "rb") as out:
        output = out.read().decode()
    _, status = os.waitpid(started.pid, 0)
    assert not started.setup_error(), output
    os.close(started.error_fd)
    return os.waitstatus_to_exitcode(status), output


def vz(*args: str, **kwargs) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    return subprocess.run([sys.executable, "-m", "runtimes.openvz", *args], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "PYTHONPATH": str(REPO)}, **kwargs)


@contextlib.contextmanager
def host_root_left_open() -> Iterator[int]:
    """What a shell's `exec 9</` leaves: the host's "/" open and inheritable (at whatever number is free here)."""
    fd = os.open("/", os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.set_inheritable(fd, True)
        yield fd
    finally:
        os.close(fd)


def fds(listing: str) -> set[int]:
    return {int(n) for n in listing.split() if n.isdigit()}


# -- 1. file descriptors ------------------------------------------------------

def test_a_directory_the_caller_left_open_reaches_neither_init_nor_vz_exec(engine: Engine, tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text(SECRET)
    with a_ct(engine, 7301) as ct, host_root_left_open() as fd:
        engine.start(ct)  # the harness's way: the library, in a process holding the fd
        _, init_fds = run(engine, ct, "ls /proc/1/fd")
        _, exec_fds = run(engine, ct, "sleep 5 & ls /proc/$!/fd; kill $!")
        _, through = run(engine, ct, f"cat /proc/1/fd/{fd}{secret} /proc/$$/fd/{fd}{secret} 2>&1")
        # and a shell's way: `exec 9</; vz exec CT ...`, the fd handed to the vz command
        cli = vz("exec", str(ct), f"sleep 5 & ls /proc/$!/fd; kill $!; cat /proc/$$/fd/{fd}{secret}", pass_fds=(fd,))
    assert fds(init_fds) == {0, 1, 2}, f"init holds {init_fds!r}"
    assert fds(exec_fds) == {0, 1, 2}, f"vz exec's shell holds {exec_fds!r}"
    assert SECRET not in through and SECRET not in cli.stdout, "the host's / was reachable from inside the CT"
    assert fds(cli.stdout) == {0, 1, 2}, cli.stdout


def test_init_holds_no_host_file_but_its_console(engine: Engine) -> None:
    """What the host keeps open for a CT (lock, state) is close-on-exec; only the console log is init's, by design."""
    with a_ct(engine, 7302) as ct:
        engine.start(ct)
        _, links = run(engine, ct, "for f in /proc/[0-9]*/fd/*; do readlink $f; done")
    host_paths = {line for line in links.split() if line.startswith(str(engine.root))}
    assert host_paths <= {str(engine.log_path(ct))}, host_paths


# -- 2. the network: no spoofed source, no router advertisement ---------------

def _copy_in(engine: Engine, ct: int, program: Path, target: str) -> None:
    with open(program, "rb") as binary:
        code, out = run(engine, ct, f"cat > {target} && chmod 755 {target}", stdin=binary.fileno())
    assert code == 0, out


def test_a_ct_cannot_send_from_an_address_that_is_not_its_own(engine: Engine) -> None:
    helper = compile_static(VZPKT, "vzpkt")
    own = "10.213.73.3"
    with a_ct(engine, 7303, ip=own) as ct:
        engine.start(ct)
        _copy_in(engine, ct, helper, "/vzpkt")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as listener:
            listener.bind((HOST_ADDRESS, 0))
            port = listener.getsockname()[1]
            sources = {"own": own, "other-ct": "10.213.73.99", "internet": "192.0.2.1", "host": HOST_ADDRESS}
            for name, source in sources.items():
                code, out = run(engine, ct, f"/vzpkt udp {source} {HOST_ADDRESS} {port} {name}")
                assert code == 0, f"raw socket refused inside the CT ({out.strip()}): the test proves nothing"
            received = _drain(listener, timeout_s=1.0)
    assert "own" in received, "the CT's own packet did not arrive: the test proves nothing"
    assert received == {"own"}, f"spoofed packets reached the host: {received - {'own'}}"


def _drain(listener: socket.socket, timeout_s: float) -> set[str]:
    listener.settimeout(timeout_s)
    got = set()
    with contextlib.suppress(TimeoutError):
        while True:
            got.add(listener.recv(2048).decode(errors="replace"))
    return got


def test_a_router_advertisement_from_a_ct_changes_nothing_on_the_host(engine: Engine) -> None:
    helper = compile_static(VZPKT, "vzpkt")
    with a_ct(engine, 7304) as ct:
        engine.start(ct)
        device = net.host_device(ct)
        _copy_in(engine, ct, helper, "/vzpkt")
        # eth0's link-local address, the only source an advertisement may have, is usable once DAD is done
        code, out = run(engine, ct, "for i in $(seq 50); do /vzpkt ra eth0 2>/dev/null && exit; sleep 0.1; done; "
                                    "/vzpkt ra eth0")
        assert code == 0, f"the CT could not send its advertisement ({out.strip()}): the test proves nothing"
        time.sleep(1.0)
        routes = subprocess.run(["ip", "-6", "route", "show", "dev", device], capture_output=True, text=True).stdout
        addresses = subprocess.run(["ip", "-6", "addr", "show", "dev", device], capture_output=True, text=True).stdout
    assert "default" not in routes and "2001:db8:bad" not in routes, f"the host took a route from the CT: {routes}"
    assert "2001:db8:bad" not in addresses, f"the host took an address from the CT: {addresses}"


# -- 3. capabilities: set explicitly, whatever the caller had -----------------

def _leaky_caller() -> None:
    """A caller with every capability it has also in its inheritable set (as `capsh --inh=...` makes one)."""
    status = Path("/proc/self/status").read_text()
    permitted = int(re.search(r"CapPrm:\s+([0-9a-f]+)", status).group(1), 16)
    linux.capset(effective=permitted, permitted=permitted, inheritable=permitted)


def test_capability_sets_are_vz_caps_even_from_a_caller_with_inheritable_ones(engine: Engine) -> None:
    """CVE-2022-24769: inheritable capabilities of the caller would come back in the CT's permitted set at exec."""
    with a_ct(engine, 7305) as ct:
        started = vz("start", str(ct), preexec_fn=_leaky_caller)
        assert started.returncode == 0, started.stderr
        out = vz("exec", str(ct), "grep ^Cap /proc/1/status; echo --; grep ^Cap /proc/self/status",
                 preexec_fn=_leaky_caller).stdout
    wanted = sum(1 << bit for bit in VZ_CAPS.values())
    for who, part in zip(("init", "vz exec"), out.split("--")):
        caps = {name: int(value, 16) for name, value in re.findall(r"(Cap\w+):\s+([0-9a-f]+)", part)}
        assert caps == {"CapInh": 0, "CapPrm": wanted, "CapEff": wanted, "CapBnd": wanted, "CapAmb": 0}, (who, out)


# -- 4. a hostile template ----------------------------------------------------

@contextlib.contextmanager
def hostile_template(engine: Engine, image: Image, name: str) -> Iterator[Path]:
    template = engine.root / "template" / name
    shutil.copytree(image.rootfs, template, symlinks=True)
    try:
        yield template
    finally:
        shutil.rmtree(template)


@contextlib.contextmanager
def a_small_disk_of_the_host(tmp_path: Path) -> Iterator[os.stat_result]:
    """A loop device holding SECRET: stands in for the host's disk (a template's node for it copies it)."""
    backing = tmp_path / "hostdisk.img"
    backing.write_bytes(SECRET.encode() * 4096)
    fd, device = loop.attach(backing)
    try:
        yield os.stat(device)
    finally:
        os.close(fd)  # AUTOCLEAR: the kernel unbinds it now


def test_a_template_s_device_nodes_and_links_bring_nothing_of_the_host(engine: Engine, image: Image,
                                                                     tmp_path: Path) -> None:
    secret = tmp_path / "shadow"
    secret.write_text(SECRET)
    with hostile_template(engine, image, "hostile") as template, a_small_disk_of_the_host(tmp_path) as host_disk:
        os.mknod(template / "hostdisk", stat.S_IFBLK | 0o600, host_disk.st_rdev)
        os.mknod(template / "null", stat.S_IFCHR | 0o666, os.makedev(1, 3))
        (template / "etc/shadow").unlink(missing_ok=True)
        (template / "etc/shadow").symlink_to(secret)  # as `etc/shadow -> /etc/shadow`, to a file of ours
        (template / "hostroot").symlink_to(tmp_path)  # a linked directory
        created = vz("create", "7306", "--ostemplate", "hostile", "--diskspace", "64M")
        try:
            assert created.returncode == 0, created.stderr
            assert vz("start", "7306").returncode == 0
            _, inside = run(engine, 7306, "ls -l /hostdisk /null 2>&1; cat /etc/shadow /hostroot/shadow 2>&1; "
                                          "readlink /etc/shadow; readlink /hostroot")
        finally:
            vz("stop", "--fast", "7306")
            vz("destroy", "7306")
    assert SECRET not in inside, "a host file or the host's disk was copied into the CT"
    assert "/hostdisk: No such file" in inside and "/null: No such file" in inside, inside
    assert f"{secret}\n{tmp_path}\n" in inside, "links must stay links"
    note = created.stderr.strip().splitlines()
    assert len(note) == 1 and "left out 2 device node(s)" in note[0] and "hostdisk" in note[0], created.stderr


def test_a_template_whose_etc_is_a_link_to_the_host_does_not_make_vz_write_there(engine: Engine, image: Image,
                                                                                tmp_path: Path) -> None:
    host_etc = tmp_path / "host-etc"
    host_etc.mkdir()
    with hostile_template(engine, image, "etclink") as template:
        shutil.rmtree(template / "etc")
        (template / "etc").symlink_to(host_etc)  # as `etc -> /etc`, to a directory of ours
        with a_ct(engine, 7307, ostemplate="etclink") as ct:
            engine.start(ct)  # its inittab landed inside its own root, where the link leads there
            _, hostname = run(engine, ct, "cat /etc/hostname")
    assert list(host_etc.iterdir()) == [], "vz wrote the CT's inittab into the host's directory"
    assert hostname == "web1\n"


# -- 5. files vz writes into a CT's root, after the CT had its say ------------

def test_links_a_ct_planted_do_not_lead_vz_s_writes_off_its_disk(engine: Engine) -> None:
    """A CT makes /etc/hostname and /etc/hosts links to the host's log file it can see in /proc, then is
    restarted and renamed: vz, writing them with the host's privileges, must not follow them there."""
    with a_ct(engine, 7308) as ct:
        engine.start(ct)
        run(engine, ct, "ln -sf /proc/1/fd/1 /etc/hostname; ln -sf /proc/self/fd/1 /etc/hosts; "
                        "ln -sf /sys/kernel/uevent_helper /etc/hostname-also")
        engine.stop(ct)
        engine.start(ct)  # vz writes /etc/hostname and /etc/hosts at boot
        with pytest.raises(VzError, match="leads off the CT's disk"):
            engine.set(ct, hostname="web2")  # and /etc/hostname live, from a process with the host's privileges
        log = engine.log_path(ct).read_text()
        _, inside = run(engine, ct, "hostname; readlink /etc/hostname; readlink /etc/hosts")
    assert "vz: not writing /etc/hostname" in log and "vz: not writing /etc/hosts" in log, log
    assert not any(line.strip() in ("web1", "web2") for line in log.splitlines()), f"vz wrote into the log: {log}"
    assert "127.0.0.1\tlocalhost" not in log, "vz wrote /etc/hosts into the host's log file"
    assert inside.split() == ["web2", "/proc/1/fd/1", "/proc/self/fd/1"], inside
