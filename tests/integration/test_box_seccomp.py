"""box's seccomp allow-list (runtimes/kernel/seccomp.py), tried from inside a container.

Every call is made raw by ``rawsys`` (rawsys.c, compiled static and bound
read-only at /t), with arguments chosen so that *without* the filter the
kernel answers something else — success, EFAULT for a NULL pointer, EINVAL,
EBADF, ENOSYS. EPERM (or ENOSYS for clone3, or death by SIGSYS) can then only
come from the filter, so each test fails when box runs without it
(``--security-opt seccomp=unconfined``, which ``test_unconfined_…`` shows).
"""

from __future__ import annotations

import errno
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from runtimes import Image
from runtimes.box import Engine
from runtimes.kernel import linux
from runtimes.box.contain import Volume
from runtimes.box.runtime import SUITE_IMAGE, BoxRuntime
from runtimes.box.state import load_config
from runtimes.kernel.build import compile_static
from tests.conftest import REPO
from tests.envcheck import require_runtime
from tests.integration.test_box_isolation import sh

RAWSYS = Path(__file__).with_name("rawsys.c")
SIGSYS_EXIT = 128 + signal.SIGSYS  # how the shell reports a child the filter killed
# x86-64 system call numbers (arch/x86/entry/syscalls/syscall_64.tbl)
NR = {"clone": 56, "unshare": 272, "setns": 308, "clone3": 435, "io_uring_setup": 425, "keyctl": 250, "bpf": 321,
      "perf_event_open": 298, "userfaultfd": 323, "open_by_handle_at": 304, "process_madvise": 440, "socket": 41,
      "personality": 135}
I386_GETPID, X32_GETPID = 20, 39
SIGCHLD = 17


@pytest.fixture(scope="module")
def engine(image: Image) -> Engine:
    require_runtime("box")
    with BoxRuntime(image) as runtime:  # imports the suite's image under its fixed name
        return runtime.engine


@pytest.fixture(scope="module")
def rawsys(tmp_path_factory: pytest.TempPathFactory) -> Volume:
    """rawsys, compiled static, as a read-only volume at /t."""
    binary = compile_static(RAWSYS, "rawsys", cache=tmp_path_factory.mktemp("rawsys"))
    return Volume(binary.parent, "/t", readonly=True)


def call(engine: Engine, rawsys: Volume, *args: str | int, **options) -> tuple[int, str]:
    """Run ``rawsys ARGS`` in a box container; its exit code and what it printed."""
    return sh(engine, "/t/rawsys " + " ".join(str(a) for a in args), volumes=[rawsys], **options)


def answer(out: str) -> tuple[int, int]:
    """rawsys's "ret=R errno=E" as (R, E)."""
    found = re.search(r"ret=(-?\d+) errno=(\d+)", out)
    assert found, out
    return int(found.group(1)), int(found.group(2))


# (what it tries, the call and its arguments): each refused with EPERM.
REFUSED = {
    # a user namespace, with the whole capability set inside it, and a network namespace of its own
    "clone(CLONE_NEWUSER|CLONE_NEWNET)": ("clone", linux.CLONE_NEWUSER | linux.CLONE_NEWNET | SIGCHLD),
    "unshare(CLONE_NEWUSER)": ("unshare", linux.CLONE_NEWUSER),
    "setns": ("setns", -1, 0),                         # EBADF without the filter
    "io_uring_setup": ("io_uring_setup", 0, 0),        # EFAULT without: its operations bypass seccomp
    "keyctl": ("keyctl", 0, -3),                       # the session key ring's ID: the key ring is not namespaced
    "bpf": ("bpf", 0, 0, 0),                           # EINVAL without
    "perf_event_open": ("perf_event_open", 0, 0, 0, -1, 0),  # EFAULT without
    "userfaultfd": ("userfaultfd", 1),                 # UFFD_USER_MODE_ONLY: allowed to anyone without the filter
    "open_by_handle_at (Shocker)": ("open_by_handle_at", -100, 0, 0),  # EFAULT without
    "process_madvise (not in the profile)": ("process_madvise", -1, 0, 0, 0, 0),  # EBADF without
    "socket(AF_ALG)": ("socket", 38, 5, 0),            # EAFNOSUPPORT without, on this kernel
    "personality(ADDR_NO_RANDOMIZE)": ("personality", 0x0040000),  # succeeds without
}


@pytest.mark.parametrize("attempt", REFUSED)
def test_what_docker_refuses_is_refused_with_eperm(engine: Engine, rawsys: Volume, attempt: str) -> None:
    name, *args = REFUSED[attempt]
    code, out = call(engine, rawsys, NR[name], *args)
    assert code == 0 and answer(out) == (-1, errno.EPERM), f"{attempt}: {out}"


def test_a_system_call_newer_than_the_profile_is_refused(engine: Engine, rawsys: Volume) -> None:
    code, out = call(engine, rawsys, 1000)  # no kernel has it yet: ENOSYS without the filter
    assert code == 0 and answer(out) == (-1, errno.EPERM), out


def test_clone3_answers_enosys_so_libc_falls_back_to_clone(engine: Engine, rawsys: Volume) -> None:
    code, out = call(engine, rawsys, NR["clone3"], 0, 0)  # EINVAL without the filter
    assert code == 0 and answer(out) == (-1, errno.ENOSYS), out


@pytest.mark.parametrize("convention,number", [("int80", I386_GETPID), ("x32", X32_GETPID)])
def test_a_non_native_calling_convention_kills_the_process(engine: Engine, rawsys: Volume, convention: str,
                                                            number: int) -> None:
    code, out = sh(engine, f"/t/rawsys {convention} {number}; echo rc=$?", volumes=[rawsys])
    assert f"rc={SIGSYS_EXIT}" in out and "ret=" not in out, out


def test_clone_without_namespace_flags_and_ordinary_sockets_still_work(engine: Engine, rawsys: Volume) -> None:
    code, out = sh(engine, f"/t/rawsys {NR['clone']} {SIGCHLD}; /t/rawsys {NR['socket']} 1 1 0; "
                           f"/t/rawsys {NR['personality']} 0xffffffff", volumes=[rawsys])
    forked, unix_socket, persona = (answer(line) for line in out.splitlines())
    assert forked[0] > 0 and unix_socket[0] >= 0 and persona[1] == 0, out


def test_ordinary_work_runs_under_the_filter(engine: Engine) -> None:
    # mem and idle hold until SIGTERM, which they answer with event=stopped
    script = ("set -e; ls / >/dev/null; echo a | sort | wc -l; "
              "probe ready; probe cpu --iterations 1000; "
              "probe io --dir /tmp --size-mib 4 --rand-ops 16 --fsync-ops 4; "
              "for mode in 'mem --mib 8' idle; do probe $mode & sleep 0.5; kill $!; wait $!; done; "
              "grep Seccomp: /proc/self/status")
    code, out = sh(engine, script)
    assert code == 0, out
    assert re.search(r"Seccomp:\s+2", out), out  # SECCOMP_MODE_FILTER
    for event, mode in (("ready", "ready"), ("result", "cpu"), ("result", "io"), ("stopped", "mem"), ("stopped", "idle")):
        assert re.search(rf"BENCH event={event} mode={mode}\b", out), f"probe {mode}: {out}"


def test_box_exec_gets_the_containers_filter(engine: Engine, rawsys: Volume) -> None:
    container = engine.create(SUITE_IMAGE, ["sleep", "30"], volumes=[rawsys])
    devnull = os.open(os.devnull, os.O_RDWR)
    read_fd, write_fd = os.pipe()
    started = engine.start(container, (devnull, devnull, devnull), die_with_parent=True)
    try:
        joined = engine.exec_in(container, ["/t/rawsys", str(NR["unshare"]), str(linux.CLONE_NEWUSER)],
                                (devnull, write_fd, write_fd))
        os.close(write_fd)
        with os.fdopen(read_fd) as out:
            printed = out.read()
        os.waitpid(joined.pid, 0)
        os.close(joined.error_fd)
    finally:
        os.close(devnull)
        os.close(started.error_fd)
        engine.remove(container, force=True)
        os.waitpid(started.pid, 0)  # box-init is our child: reap it
    assert answer(printed) == (-1, errno.EPERM), printed


def test_unconfined_runs_with_no_filter_and_says_so_in_its_config(engine: Engine, rawsys: Volume) -> None:
    """The escape hatch, Docker's ``--security-opt seccomp=unconfined``: what the tests above guard against."""
    code, out = call(engine, rawsys, NR["unshare"], linux.CLONE_NEWUSER, security_opt=["seccomp=unconfined"])
    assert code == 0 and answer(out) == (0, 0), out
    container = engine.create(SUITE_IMAGE, ["true"], security_opt=["seccomp=unconfined"])
    try:
        assert load_config(container.dir).seccomp == "unconfined"
    finally:
        engine.remove(container)


def test_a_config_written_before_the_option_existed_is_confined(engine: Engine, tmp_path: Path) -> None:
    container = engine.create(SUITE_IMAGE, ["true"])
    try:
        text = (container.dir / "config.json").read_text()
        (tmp_path / "config.json").write_text(re.sub(r',\s*"seccomp": "default"', "", text))
        assert '"seccomp"' not in (tmp_path / "config.json").read_text()
        assert load_config(tmp_path).seccomp == "default"
    finally:
        engine.remove(container)


@pytest.fixture
def no_binding(tmp_path: Path) -> dict[str, str]:
    """An environment in which ``import seccomp`` fails, as on a host without python3-seccomp."""
    (tmp_path / "seccomp.py").write_text('raise ImportError("No module named \'seccomp\' (hidden by the test)")\n')
    return {**os.environ, "PYTHONPATH": f"{tmp_path}:{REPO}"}


def _box(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "runtimes.box", *args], capture_output=True, text=True,
                          timeout=60, env=env)


def test_without_the_binding_box_refuses_to_start_a_container(engine: Engine, no_binding: dict[str, str]) -> None:
    before = set(engine.containers_dir.iterdir())
    refused = _box(no_binding, "run", "--rm", SUITE_IMAGE, "true")
    lines = refused.stderr.strip().splitlines()
    assert refused.returncode == 125 and len(lines) == 1, refused.stderr
    assert "python3-seccomp" in lines[0] and "seccomp=unconfined" in lines[0] and "Traceback" not in refused.stderr
    assert set(engine.containers_dir.iterdir()) == before, "nothing is made for a container that cannot start"
    unconfined = _box(no_binding, "run", "--rm", "--security-opt", "seccomp=unconfined", SUITE_IMAGE,
                      "grep", "Seccomp:", "/proc/self/status")
    assert unconfined.returncode == 0 and re.search(r"Seccomp:\s+0", unconfined.stdout), unconfined.stderr


def test_without_the_binding_the_runtime_says_it_is_not_available(no_binding: dict[str, str]) -> None:
    script = "from runtimes.box.runtime import BoxRuntime; a = BoxRuntime.available(); print(a.ok, a.reason, a.fix, sep='|')"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, env=no_binding)
    assert done.stdout.strip() == ("False|libseccomp's Python binding is missing|"
                                   "sudo apt-get install python3-seccomp (or sudo scripts/provision)"), done.stderr


def test_an_unknown_security_opt_is_one_clear_line(engine: Engine) -> None:
    refused = _box(dict(os.environ, PYTHONPATH=str(REPO)), "run", "--rm", "--security-opt", "apparmor=foo",
                   SUITE_IMAGE, "true")
    lines = refused.stderr.strip().splitlines()
    assert refused.returncode == 125 and len(lines) == 1 and "seccomp=unconfined" in lines[0], refused.stderr
