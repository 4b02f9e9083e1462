"""`bench doctor`: what this host lacks for the suite, and the command that fixes each.

Every check is cheap and read-only; none of them changes the host.
"""

from __future__ import annotations

import dataclasses
import importlib
import os
import shutil
import subprocess

from bench.errors import ImageError
from bench.metadata import init_system
from runtimes import RUNTIMES
from runtimes.image import build_inputs
from runtimes.vm.accel import describe, kvm_device_problem
from runtimes.vm.guest_kernel import FETCH_HINT, cached_kernel, candidate_version

PROVISION = "sudo scripts/provision"


@dataclasses.dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str = ""
    fix: str = ""


def _check_root() -> Check:
    if os.geteuid() == 0:
        return Check("root", True, "running as root")
    return Check("root", False, "namespaces, chroot and mounts need root", "run as root: sudo bench ...")


def _check_image_inputs() -> Check:
    try:
        inputs = build_inputs()
    except ImageError as err:
        return Check("image inputs", False, str(err), PROVISION)
    return Check("image inputs", True, f"busybox-static and {inputs['compiler']}")


def _check_static_libc() -> Check:
    probe = subprocess.run(["gcc", "-print-file-name=libc.a"], capture_output=True, text=True)
    path = probe.stdout.strip()
    if probe.returncode == 0 and os.path.isabs(path) and os.path.exists(path):
        return Check("static libc", True, path)
    return Check("static libc", False, "libc.a not found: the probe cannot be linked statically", "sudo apt-get install libc6-dev")


def _check_python_deps() -> list[Check]:
    out = []
    for module, package in (("pandas", "pandas"), ("plotly", "plotly"), ("psutil", "psutil"), ("libvirt", "libvirt-python"),
                            ("pytest_benchmark", "pytest-benchmark"), ("rich", "rich"), ("click", "click")):
        try:
            importlib.import_module(module)
            out.append(Check(f"python: {package}", True))
        except ImportError as err:
            out.append(Check(f"python: {package}", False, str(err), PROVISION))
    return out


def _check_libvirtd() -> Check:
    if shutil.which("virsh") is None:
        return Check("libvirtd", False, "virsh not found (needed by the VM runtime)", PROVISION)
    result = subprocess.run(["virsh", "-c", "qemu:///system", "version"], capture_output=True, text=True, timeout=20)
    if result.returncode == 0:
        return Check("libvirtd", True, "answers on qemu:///system")
    return Check("libvirtd", False, "not answering on qemu:///system (needed by the VM runtime)", PROVISION)


def _check_guest_kernel() -> Check:
    """Is the VM's kernel cached, or can apt fetch it? Reads apt's local lists only."""
    try:
        kernel = cached_kernel()
        if kernel is not None:
            return Check("VM guest kernel", True, f"cached: {kernel.label}")
        return Check("VM guest kernel", True, f"not cached yet: {FETCH_HINT} at the first VM run "
                                              f"(version {candidate_version()})")
    except ImageError as err:
        return Check("VM guest kernel", False, f"cannot be fetched: {err}", "sudo apt-get update, then " + PROVISION)


def _check_accelerator() -> list[Check]:
    """KVM or emulation, as far as known without booting; and /dev/kvm as libvirt needs it."""
    checks = [Check("VM accelerator", True, describe())]
    problem = kvm_device_problem()
    if problem:
        checks.append(Check("/dev/kvm for libvirt", False, f"{problem}; libvirt then probes QEMU again at every "
                            "domain start (tens of seconds each)", f"{PROVISION} (gives /dev/kvm to group kvm, as udev does)"))
    return checks


def _check_docker_engine() -> Check:
    """Whether a Docker engine answers now, and if not, whether a `bench run` can start one."""
    from runtimes.peers import docker_engine

    why = docker_engine.engine_answers()
    if not why:
        return Check("docker engine", True, f"an engine answers on {docker_engine.SOCKET}: runs use it as it is")
    if shutil.which("dockerd") is None:
        return Check("docker engine", True, f"optional, not run here: {why}, and dockerd is not installed", PROVISION)
    starts = "systemctl start docker" if init_system() == "systemd" else "dockerd"
    return Check("docker engine", True, f"none answers now; a `bench run` with docker starts one ({starts}) "
                 "and stops it at the end")


def _check_tool(name: str, purpose: str, package: str) -> Check:
    if shutil.which(name):
        return Check(name, True, purpose)
    return Check(name, False, f"not found ({purpose})", f"sudo apt-get install {package}")


def diagnose() -> list[Check]:
    """Every check, in the order a newcomer should fix them."""
    checks = [_check_root(), _check_static_libc(), _check_image_inputs(), *_check_python_deps()]
    for runtime in RUNTIMES:
        a = runtime.available()
        if not a.ok and runtime.optional:  # skipped, said, not counted as missing
            checks.append(Check(f"runtime: {runtime.name}", True, f"optional, not run here: {a.reason}; to run it: {a.fix}"))
            continue
        checks.append(Check(f"runtime: {runtime.name}", a.ok, a.reason or runtime.summary, a.fix))
    checks += [
        _check_libvirtd(),
        _check_docker_engine(),
        _check_guest_kernel(),
        *_check_accelerator(),
        _check_seccomp(),
        _check_tool("hyperfine", "tests/perf compares the harness with it", "hyperfine"),
        _check_tool("crun", "tests/perf compares box's start-up with it", "crun"),
        _check_tool("runc", "tests/perf compares box's start-up with it", "runc"),
        _check_virtiofsd(),
        _check_tool("chromium", "the report test opens the report in it", "chromium"),
        _check_tool("docker-registry", "box pull's tests pull from a local registry", "docker-registry"),
        _check_tool("skopeo", "box pull's tests push images to that registry with it", "skopeo"),
    ]
    return checks


def _check_seccomp() -> Check:
    from runtimes.kernel import seccomp

    if seccomp.available():
        return Check("box seccomp", True, "libseccomp's Python binding compiles box's allow-list filter")
    return Check("box seccomp", False, "python3-seccomp not usable: box and vz refuse to start containers "
                 "(unless run with --security-opt seccomp=unconfined)", PROVISION)


def _check_virtiofsd() -> Check:
    path = "/usr/lib/qemu/virtiofsd"
    if os.path.exists(path):
        return Check("virtiofsd", True, "the cgroup v2 test guest shares the host's files with it")
    return Check("virtiofsd", False, f"{path} not found (box's cgroup v2 test boots a guest with it)",
                 "sudo apt-get install qemu-system-common")
