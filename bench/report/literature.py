"""Published reference figures, shown beside this host's as clearly marked references.

Each entry records what its source says, where (section or table), and how
it was checked, so a class can see whether its own numbers agree and why they
may not (other hardware, KVM rather than emulation, another workload). These
figures are never mixed with measured data: charts draw them as grey dotted
lines labelled "ref. [n]", and each section lists the full citations.

``value`` is in the metric's stored unit (seconds, bytes) for ``kind =
"absolute"``, or a ratio to the source's own bare-metal/native figure for
``kind = "ratio"``.
"""

from __future__ import annotations

import dataclasses
from typing import Literal

FELTER_2015 = ("W. Felter, A. Ferreira, R. Rajamony, J. Rubio. An Updated Performance Comparison of Virtual "
               "Machines and Linux Containers. IEEE ISPASS 2015, pp. 171–172, doi:10.1109/ISPASS.2015.7095802; "
               "full text: IBM Research Report RC25482 (AUS1407-001), July 21, 2014")
AGACHE_2020 = ("A. Agache, M. Brooker, A. Iordache, A. Liguori, R. Neugebauer, P. Piwonka, D.-M. Popa. "
               "Firecracker: Lightweight Virtualization for Serverless Applications. 17th USENIX NSDI, 2020, pp. 419–434")
FIRECRACKER_SPEC = ("Firecracker project, SPECIFICATION.md (github.com/firecracker-microvm/firecracker), "
                    "the version of commit e7bc0a1; measured on an AWS i3.metal instance, hyperthreading disabled. "
                    "Later versions state the same limits for a 1-CPU, 128 MiB microVM and add that the "
                    "VMM's memory overhead depends on the workload and the configuration")
CRUN_README = "containers/crun, README.md, section “Performance” (github.com/containers/crun)"


@dataclasses.dataclass(frozen=True)
class Reference:
    """One published figure, and exactly what it is."""

    key: str
    metric: str                       # the isobench metric it is drawn beside
    kind: Literal["absolute", "ratio"]
    value: float
    label: str                        # short, on the chart: "Firecracker spec: ≤ 125 ms to guest init"
    claim: str                        # what the source says, in our words, with its conditions
    citation: str
    where: str                        # section, table or page
    checked: str                      # how the figure was checked against the source


REFERENCES: tuple[Reference, ...] = (
    Reference(
        "firecracker-boot", "ready_s", "absolute", 0.125,
        "Firecracker spec: ≤ 125 ms to guest init (KVM)",
        "From the InstanceStart API call to the start of the guest's /sbin/init takes at most 125 ms, for a "
        "microVM with 2 vCPUs and 256 MiB and Firecracker's tuned guest kernel, under KVM.",
        FIRECRACKER_SPEC, "item “Overhead”", "read in the specification's text"),
    Reference(
        "crun-true", "exit_s", "absolute", 0.0570,
        "crun README: 57 ms per /bin/true container (runc: 110 ms)",
        "Running 100 containers one after another, each running /bin/true, took 5.70 s with crun and 10.95 s "
        "with runc (no network namespace; 6.16 s and 11.17 s with a new network namespace) on the author's "
        "machine: about 57 ms and 110 ms per container, start to exit. An older version of the README gave "
        "1.69 s and 3.34 s for the same test.",
        CRUN_README, "table “100 /bin/true”", "read in the README's text; per-container times are our division by 100"),
    Reference(
        "firecracker-vmm-memory", "overhead_bytes", "absolute", 5 * 2**20,
        "Firecracker spec: VMM overhead ≤ 5 MiB",
        "Firecracker's own threads (the virtual machine monitor, not the guest's RAM) use at most 5 MiB for a "
        "microVM with 2 vCPUs and 256 MiB.",
        FIRECRACKER_SPEC, "item “Overhead”", "read in the specification's text"),
    Reference(
        "agache-memory", "overhead_bytes", "absolute", 3 * 2**20,
        "Agache et al. 2020: ≈ 3 MB per microVM",
        "Firecracker's memory overhead is about 3 MB per microVM, far below QEMU's; a general-purpose VMM "
        "carries far more device emulation.",
        AGACHE_2020, "§6 (evaluation: memory overhead)",
        "taken from a summary of the paper, not its text: check the figure in §6 before quoting it"),
    Reference(
        "firecracker-cpu", "cpu_elapsed_s", "ratio", 1 / 0.95,
        "Firecracker spec: guest CPU > 95 % of bare metal (time ≤ 1.05×)",
        "Compute-only guest CPU performance is above 95 % of the equivalent bare-metal performance under KVM "
        "(marked “integration test pending” in the specification). As a time ratio: at most about 1.05×.",
        FIRECRACKER_SPEC, "item “Overhead”", "read in the specification's text; the time ratio is our 1 / 0.95"),
    Reference(
        "felter-iops", "io_rand_read_iops", "ratio", 0.5,
        "Felter et al. 2015: KVM ≈ ½ native random IOPS; Docker ≈ native",
        "Under KVM, each I/O operation goes through QEMU, and the VM reached only about half as many random-I/O "
        "operations per second as native, while Docker's overhead was negligible. The paper's overall finding: "
        "containers perform equal to or better than VMs in almost all cases; both need tuning for I/O-heavy work.",
        FELTER_2015, "abstract; §IV (block I/O, fio random I/O)",
        "the conclusion is in the abstract's text; ‘KVM delivers only half as many IOPS because each I/O operation "
        "must go through QEMU’ is the paper's sentence as several readers quote it word for word (the paper itself "
        "was not read here); the authors' own fio logs (github.com/thewmf/kvm-docker-comparison, fio/results) agree: "
        "4 KiB random reads, 8 jobs × queue depth 16, 84,044 IOPS native, 84,092 Docker, 42,543 KVM (0.51×)"),
)


def references_for(metric_name: str) -> list[Reference]:
    """The references drawn beside one metric's chart, in a stable order."""
    return [r for r in REFERENCES if r.metric == metric_name]


def number_of(ref: Reference) -> int:
    """The reference's number in the report's list: [1], [2], …"""
    return REFERENCES.index(ref) + 1
