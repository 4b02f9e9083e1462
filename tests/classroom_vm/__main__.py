"""`make classroom`: the suite, as a class runs it, in a Debian 12 VM with systemd and cgroup v2.

    python -m tests.classroom_vm [--no-walkthrough] [--timeout-min N]

Says the accelerator first, builds the image if it is not cached (image.py),
boots a throwaway copy (guest.py), runs job.sh there (provision, `bench run
all --quick` with every container runtime, the walkthrough's test), copies
the report, the store, `bench doctor`'s output and the console log to
reports/classroom/, and exits 0 only if every step in the guest passed.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

from tests.classroom_vm.guest import choose_accelerator, run_job
from tests.classroom_vm.image import REPO, archive_repo, build_image

HERE = Path(__file__).resolve().parent
DESTINATION = REPO / "reports" / "classroom"
# Every container runtime of the suite. The VM runtimes (libvirt, qemu, microvm) are left out:
# in a guest that is itself under software emulation they would boot under emulation twice over,
# tens of seconds a boot, far past the check's 30 minutes.
CONTAINER_RUNTIMES = ("chroot", "unshare", "bwrap", "openvz", "lxc", "nspawn", "box", "crun", "runc", "podman",
                      "docker", "gvisor")
VM_RUNTIMES = ("libvirt", "qemu", "microvm")
LEFT_OUT = (f"{', '.join(VM_RUNTIMES)} are left out: nested inside an emulated guest, each boot takes tens of "
            "seconds")
COPIED_BACK = ("latest.html", "isobench.sqlite", "doctor.txt", "console.log")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make classroom", description=__doc__.splitlines()[0])
    parser.add_argument("--no-walkthrough", action="store_true", help="skip the walkthrough's test in the guest")
    parser.add_argument("--timeout-min", type=float, default=45, help="stop the guest after this long (default 45)")
    parser.add_argument("-r", "--runtime", action="append", choices=CONTAINER_RUNTIMES,
                        help="only these runtimes (repeatable; default: every container runtime)")
    args = parser.parse_args(argv)
    # `kill` as well as Ctrl-C: unwind, so the guest is stopped and its temporary files go.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    start = time.monotonic()
    accel = choose_accelerator()
    print(f"classroom: accelerator {accel.name}: {accel.reason}", flush=True)
    image = build_image(log=lambda line: print(line, flush=True))
    print(f"classroom: image {image.disk.parent.name} (kernel {image.kernel})"
          + (f", built in {image.build_s / 60:.1f} min" if image.build_s else ", cached"), flush=True)
    print(f"classroom: {LEFT_OUT}", flush=True)
    job = Path(tempfile.mkdtemp(prefix="classroom-job-"))
    try:
        shutil.copy(HERE / "job.sh", job / "job.sh")
        (job / "runtime-options").write_text(" ".join(f"-r {name}" for name in args.runtime or CONTAINER_RUNTIMES))
        (job / "walkthrough").write_text("no" if args.no_walkthrough else "yes")
        archive_repo(job / "repo.tar")
        run = run_job(image, job, accel.name, timeout_s=args.timeout_min * 60, echo=_echo)
        DESTINATION.mkdir(parents=True, exist_ok=True)
        for name in COPIED_BACK:
            for found in (job / "out" / name, job / name):
                if found.is_file():
                    shutil.copy(found, DESTINATION / name)
    finally:
        shutil.rmtree(job, ignore_errors=True)
    total = time.monotonic() - start
    verdict = ("timed out" if run.timed_out else "no exit code (the guest stopped before the job ended)"
               if run.exit_code is None else f"job exit {run.exit_code}")
    print(f"classroom: {verdict}; guest {run.seconds / 60:.1f} min, all {total / 60:.1f} min; "
          f"results in {DESTINATION.relative_to(REPO)}/", flush=True)
    return 0 if run.exit_code == 0 else 1


def _echo(line: str) -> None:
    print(f"guest | {line}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
