"""Boot a throwaway copy of the classroom image under QEMU and run one job in it.

The guest writes nothing to the cached image: it boots a qcow2 overlay made
for this run and deleted after it. The host hands the job over a 9p share
(``-virtfs``, mounted by the image's fstab at /mnt/job): ``job.sh``, the
repository as a tar file, and an ``out/`` directory the guest fills. The
image's ``isobench-job.service`` runs the job once systemd has booted,
echoes it to the serial console (streamed here, line by line) and powers
the guest off. QEMU runs with ``-no-reboot`` and a time limit; whatever
happens, it is killed and the overlay removed before this returns.
"""

from __future__ import annotations

import dataclasses
import signal
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from runtimes.kernel import linux
from runtimes.kernel.errors import InstanceError
from runtimes.kernel.paths import cache_dir
from runtimes.vm import accel
from runtimes.vm.guest_kernel import fetch_kernel
from tests.classroom_vm.image import ClassroomImage

QEMU = "qemu-system-x86_64"


@dataclasses.dataclass(frozen=True)
class GuestRun:
    exit_code: int | None  # the job's; None when it never wrote one (crash, time limit)
    seconds: float
    timed_out: bool


def choose_accelerator() -> accel.Accelerator:
    """KVM if a kernel boots under KVM within seconds, else software emulation, with the reason.

    /dev/kvm opening is not enough (on this project's build machines QEMU aborts at the first
    MSR write), so this asks the VM runtime's rule: a probe boot, remembered per host boot. The
    probe boots the VM runtime's kernel (scripts/provision fetched it), so the answer comes
    before the image is built.
    """
    kernel = fetch_kernel().vmlinuz
    # A decision file of its own: the VM runtime's would be overwritten by this other context, and probe again.
    return accel.choose_accelerator({"guest": f"classroom probe {kernel}"}, lambda t: _probe_boot(kernel, t),
                                    cache=cache_dir() / "classroom-probe")


def _probe_boot(vmlinuz: Path, timeout_s: float) -> None:
    """Boot a kernel under KVM to its first userspace step (no root disk needed), or raise InstanceError."""
    argv = [QEMU, "-machine", "q35", "-accel", "kvm", "-cpu", "host", "-m", "512", "-nodefaults", "-no-user-config",
            "-display", "none", "-no-reboot", "-serial", "stdio", "-kernel", str(vmlinuz),
            "-append", "console=ttyS0 panic=-1 root=/dev/null rdinit=/bin/false"]
    probe = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace")
    try:
        out, _ = probe.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        probe.kill()
        probe.communicate()
        raise InstanceError(f"the kernel did not reach its first panic within {timeout_s:g} s under KVM") from None
    if "Kernel panic" not in out:  # no initramfs, no root: the kernel's last word, reached only if it ran
        last = (out.strip().splitlines() or ["no output"])[-1]
        raise InstanceError(f"QEMU under KVM stopped before the kernel ran ({last})")


def qemu_argv(image: ClassroomImage, overlay: Path, job: Path, accelerator: str, memory_mib: int,
              cpus: int) -> list[str]:
    """QEMU's command line; ``accelerator`` is ``kvm`` or ``tcg`` (choose_accelerator's name)."""
    accelerators = (["-accel", "kvm", "-cpu", "host"] if accelerator == "kvm" else
                    # thread=multi: one host thread per vCPU (MTTCG); max: SSE4.2/AVX the guest's wheels expect
                    ["-accel", "tcg,thread=multi", "-cpu", "max"])
    return [QEMU, "-machine", "q35", *accelerators,
            "-smp", str(cpus), "-m", str(memory_mib), "-nodefaults", "-no-user-config", "-display", "none",
            "-no-reboot", "-serial", "stdio",
            "-drive", f"file={overlay},if=virtio,format=qcow2,discard=unmap,cache=unsafe",
            "-netdev", "user,id=net0", "-device", "virtio-net-pci,netdev=net0",
            "-virtfs", f"local,path={job},mount_tag=job,security_model=none,id=job",
            "-device", "virtio-rng-pci",
            "-kernel", str(image.vmlinuz), "-initrd", str(image.initrd),
            # cgroup v2 alone is systemd 252's default; said here too, as the Vagrant box's kernel line may not
            "-append", "root=/dev/vda rw console=ttyS0 systemd.unified_cgroup_hierarchy=1 panic=-1"]


def run_job(image: ClassroomImage, job: Path, accelerator: str, timeout_s: float, echo: Callable[[str], None],
            memory_mib: int = 6144, cpus: int = 2) -> GuestRun:
    """Boot the image, let its job service run ``job/job.sh``, wait for the power-off."""
    work = Path(tempfile.mkdtemp(prefix="classroom-"))
    qemu: subprocess.Popen | None = None
    start = time.monotonic()
    try:
        overlay = work / "overlay.qcow2"
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw", "-b", str(image.disk), str(overlay)],
                       check=True)
        console = (job / "console.log").open("w")
        qemu = subprocess.Popen(qemu_argv(image, overlay, job, accelerator, memory_mib, cpus), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace",
                                preexec_fn=_die_with_parent)
        reader = threading.Thread(target=_stream, args=(qemu, console, echo), daemon=True)
        reader.start()
        try:
            qemu.wait(timeout=timeout_s)
            timed_out = False
        except subprocess.TimeoutExpired:
            timed_out = True
        reader.join(timeout=5)
        console.close()
        code_file = job / "exit-code"
        code = int(code_file.read_text()) if code_file.is_file() and code_file.read_text().strip() else None
        return GuestRun(code, time.monotonic() - start, timed_out)
    finally:
        if qemu is not None and qemu.poll() is None:
            qemu.kill()
            qemu.wait()
        shutil.rmtree(work, ignore_errors=True)


def _die_with_parent() -> None:
    """In the child before exec: the kernel kills QEMU if this process dies, even by SIGKILL (prctl(2))."""
    linux.prctl(linux.PR_SET_PDEATHSIG, signal.SIGKILL)


def _stream(qemu: subprocess.Popen, console, echo: Callable[[str], None]) -> None:
    assert qemu.stdout is not None
    for line in qemu.stdout:
        line = line.rstrip("\r\n")
        console.write(line + "\n")
        console.flush()
        echo(line)
