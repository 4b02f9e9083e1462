"""What host a figure came from: collected once per session, stored with it.

One registry (``METADATA``) names every key with a label and a formatter, so
the report and ``bench doctor`` show the same words. ``CHECKED`` keys must be
equal for two sessions to be compared without a warning.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import platform
import subprocess
from collections.abc import Callable
from importlib import metadata as importlib_metadata
from pathlib import Path

import psutil

from bench.metrics import localize
from runtimes.kernel.messages import Message


@dataclasses.dataclass(frozen=True)
class Key:
    label: str
    format: Callable[[str], str] = str
    number: bool = False  # a figure ("0.42", "23.5 GiB"): the report writes it with its language's decimal mark
    message: bool = False  # a Message, stored as its JSON (sessions stored before messages were data: English text)


def _mib(value: str) -> str:
    return f"{int(value) / 2**30:.1f} GiB"


METADATA: dict[str, Key] = {
    "hostname": Key("host"),
    "cpu_model": Key("CPU"),
    "cpu_count": Key("logical CPUs"),
    "cpu_governor": Key("CPU frequency governor",
                        lambda v: "none: no cpufreq driver (a VM, or the firmware sets the clock)" if v == "n/a" else v),
    "mem_total_bytes": Key("memory", _mib, number=True),
    "os": Key("operating system"),
    "kernel": Key("kernel"),
    "cgroup_version": Key("cgroup hierarchy"),
    "init": Key("init system (PID 1)"),
    "in_vm": Key("host is itself a VM"),
    "kvm_device": Key("/dev/kvm"),
    "python": Key("Python"),
    "isobench": Key("isobench"),
    "image_digest": Key("image digest", lambda v: v[:12]),
    # Host noise around the session (bench.noise).
    "load_avg_1m": Key("load average (1 min) at the start", number=True),
    "load_avg_1m_end": Key("load average (1 min) at the end", number=True),
    "other_load_percent": Key("CPU busy with other work before the first run", lambda v: f"{v} %", number=True),
    "cpu_steal_percent": Key("CPU time stolen by the hypervisor during the session", lambda v: f"{v} %", number=True),
    # Docker's engine, held for the run (runtimes/peers/docker_engine.py EngineFacts, via Runtime.service).
    "service.docker.answering": Key("Docker engine answered", lambda v: "yes" if v == "True" else "no"),
    "service.docker.how": Key("Docker engine"),
    "service.docker.reason": Key("why the Docker engine did not start", message=True),
    "service.docker.options": Key("dockerd options"),
}
CHECKED = ("hostname", "cpu_model", "kernel", "cgroup_version")


def cgroup_version(root: Path = Path("/sys/fs/cgroup")) -> str:
    """``v2`` (unified), ``v1``, or ``v1+v2`` (hybrid: v1 controllers, a v2 mount beside them)."""
    if (root / "cgroup.controllers").exists():
        return "v2"
    if (root / "memory").is_dir():
        return "v1+v2" if (root / "unified" / "cgroup.controllers").exists() else "v1"
    return "none"


def init_system(systemd_dir: Path = Path("/run/systemd/system"), comm: Path = Path("/proc/1/comm")) -> str:
    """``systemd`` when systemd booted this host (the test sd_booted(3) makes), else PID 1's name.

    It decides how Docker, podman and LXC place their cgroups (the systemd driver or cgroupfs).
    """
    if systemd_dir.is_dir():
        return "systemd"
    try:
        return comm.read_text().strip() or "unknown"
    except OSError:
        return "unknown"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _in_vm() -> str:
    """The CPU's 'hypervisor' flag is set when this host is a guest itself."""
    try:
        flags = next(l for l in Path("/proc/cpuinfo").read_text().splitlines() if l.startswith("flags"))
    except (OSError, StopIteration):
        return "unknown"
    return "yes" if " hypervisor" in flags else "no"


def _os_name() -> str:
    try:
        return platform.freedesktop_os_release().get("PRETTY_NAME", "unknown")
    except OSError:
        return "unknown"


def _first_line(path: str) -> str:
    try:
        return Path(path).read_text().strip()
    except OSError:
        return "n/a"


def tool_version(argv: list[str]) -> str:
    """First line a tool prints for its version, or why it could not be run."""
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as err:
        return f"not available ({err.__class__.__name__})"
    text = (out.stdout or out.stderr).strip()
    return text.splitlines()[0] if text else "unknown"


def collect_metadata() -> dict[str, str]:
    """The host's description, every value a string."""
    try:
        isobench = importlib_metadata.version("isobench")
    except importlib_metadata.PackageNotFoundError:
        isobench = "unknown"
    return {
        "hostname": platform.node(),
        "cpu_model": _cpu_model(),
        "cpu_count": str(os.cpu_count()),
        "cpu_governor": _first_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"),
        "mem_total_bytes": str(psutil.virtual_memory().total),
        "os": _os_name(),
        "kernel": platform.release(),
        "cgroup_version": cgroup_version(),
        "init": init_system(),
        "in_vm": _in_vm(),
        "kvm_device": "present" if os.path.exists("/dev/kvm") else "absent",
        "python": platform.python_version(),
        "isobench": isobench,
        "tool.gcc": tool_version(["gcc", "--version"]),
        "tool.busybox": tool_version(["busybox"]),
    }


def label(key: str) -> str:
    if key.startswith("tool."):
        return key[len("tool."):]
    return METADATA[key].label if key in METADATA else key


def stored_message(key: str, value: str) -> Message | None:
    """The message a value of a ``message`` key holds; None for any other value, and for an old session's text."""
    if key in METADATA and METADATA[key].message and value.startswith("{"):
        with contextlib.suppress(ValueError, KeyError, TypeError):
            return Message.from_json(value)
    return None


def format_value(key: str, value: str, lang: str = "en") -> str:
    """The value as a reader sees it; a figure in ``lang``'s decimal mark ("23,5 GiB" in Spanish).

    A message is written in English here (the report writes it in its language with ``stored_message``).
    """
    if key not in METADATA:
        return value
    message = stored_message(key, value)
    if message is not None:
        return str(message)
    text = METADATA[key].format(value)
    return localize(text, lang) if METADATA[key].number else text


def differences(a: dict[str, str], b: dict[str, str]) -> list[str]:
    """The checked keys on which two sessions' hosts differ, as readable lines."""
    return [f"{label(k)}: {a.get(k, '?')} vs {b.get(k, '?')}" for k in CHECKED if a.get(k) != b.get(k)]
