"""KVM or software emulation? Decided by a short probe boot, remembered per host boot.

``/dev/kvm`` existing is not enough: on some hosts (nested virtualisation
that is not usable, as on the machine this suite was written on) a KVM guest
starts and then hangs without a word. So the runtime boots the real guest
once under KVM with a short timeout: READY in time means KVM works;
anything else means software emulation (QEMU's TCG, which translates every
guest instruction and is many times slower).

The answer is kept in the cache, keyed by the host's boot id, the QEMU and
libvirt versions and the guest, so the probe boot runs once per host boot,
not once per scenario. Every session records which accelerator ran and why.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import grp
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from runtimes.kernel.errors import InstanceError
from runtimes.kernel.messages import Message, message_of, say
from runtimes.kernel.paths import cache_dir

KVM_DEVICE = Path("/dev/kvm")
PROBE_TIMEOUT_S = 10.0  # a KVM guest of this size prints READY in about a second


@dataclasses.dataclass(frozen=True)
class Accelerator:
    name: str       # "kvm" or "tcg"
    reason: Message  # how it was decided, for the report (its "accelerator check")

    @property
    def is_emulated(self) -> bool:
        return self.name == "tcg"


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return "unknown"


def _decision_file(cache: Path | None) -> Path:
    return (cache or cache_dir()) / "vm" / "accelerator.json"


def cached_decision(context: dict[str, str], cache: Path | None = None) -> Accelerator | None:
    """The decision already made for this host boot and ``context``, if any."""
    try:
        data = json.loads(_decision_file(cache).read_text())
    except (OSError, ValueError):
        return None
    if data.get("context") != {**context, "boot_id": _boot_id()} or not isinstance(data.get("reason"), dict):
        return None  # another boot, another QEMU or guest; or decided by a version that kept the reason as text
    return Accelerator(data["name"], Message.from_data(data["reason"]))


def _remember(decision: Accelerator, context: dict[str, str], cache: Path | None) -> None:
    path = _decision_file(cache)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {"name": decision.name, "reason": decision.reason.to_data(), "context": {**context, "boot_id": _boot_id()},
            "decided_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
    fd, tmp = tempfile.mkstemp(prefix=".accel-", dir=path.parent)
    with os.fdopen(fd, "w") as f:
        json.dump(body, f, indent=2)
    os.replace(tmp, path)


def choose_accelerator(context: dict[str, str], probe_boot: Callable[[float], None],
                       cache: Path | None = None) -> Accelerator:
    """KVM if a probe boot under KVM gets READY within PROBE_TIMEOUT_S, else TCG.

    ``probe_boot(timeout_s)`` boots the guest under KVM and raises
    ``InstanceError`` if it is not ready in time. ``context`` names what the
    answer depends on besides the host boot (QEMU, libvirt, the guest).
    """
    if not KVM_DEVICE.exists():
        return Accelerator("tcg", say("accel.no-device", device=str(KVM_DEVICE)))
    known = cached_decision(context, cache)
    if known is not None:
        return known
    try:
        probe_boot(PROBE_TIMEOUT_S)
        decision = Accelerator("kvm", say("accel.kvm-works", seconds=PROBE_TIMEOUT_S))
    except InstanceError as err:
        decision = Accelerator("tcg", say("accel.kvm-fails", device=str(KVM_DEVICE), reason=message_of(err)))
    _remember(decision, context, cache)
    return decision


def describe(context: dict[str, str] | None = None, cache: Path | None = None) -> str:
    """What is known about the accelerator without booting anything, for `bench doctor`."""
    if not KVM_DEVICE.exists():
        return f"software emulation (TCG): {KVM_DEVICE} does not exist"
    try:
        data = json.loads(_decision_file(cache).read_text())
    except (OSError, ValueError):
        return "not decided yet: the first VM run boots a probe guest under KVM (up to 10 s)"
    if data.get("context", {}).get("boot_id") != _boot_id():
        return "not decided since the host booted: the first VM run boots a probe guest under KVM (up to 10 s)"
    reason = data["reason"]
    return f"{data['name']}: {Message.from_data(reason) if isinstance(reason, dict) else reason}"


def kvm_device_problem() -> Message | None:
    """Why libvirt's unprivileged QEMU user cannot open /dev/kvm, or None when it can.

    udev gives /dev/kvm to group kvm, mode 0660. Without udev (containers,
    some minimal hosts) it stays root-only, and libvirt then believes the
    QEMU capabilities it cached are stale and probes QEMU again, several
    times per domain start: tens of seconds each time.
    """
    if not KVM_DEVICE.exists():
        return None
    st = KVM_DEVICE.stat()
    try:
        kvm_gid = grp.getgrnam("kvm").gr_gid
    except KeyError:
        return say("kvm.no-group")
    if st.st_mode & 0o006 == 0o006 or (st.st_gid == kvm_gid and st.st_mode & 0o060 == 0o060):
        return None
    return say("kvm.device-mode", device=str(KVM_DEVICE), mode=f"{st.st_mode & 0o777:o}", gid=st.st_gid)
