"""Messages as data: a code and its fields, written as a sentence only when shown.

Why a runtime cannot run here, why an instance failed, a note on its tools:
each is a ``Message`` — a code such as ``"tool.not-found"`` and the values
that vary (``tool="runc"``) — so a stored session can be shown in English or in
Spanish long after it ran, and rewording a sentence never breaks a
translation (hyperfine's ``Warnings`` enum is the model: one variant per
message, with its fields and its display).

``ENGLISH`` below is the one English table: every code a runtime raises, with
its template (``str.format`` syntax; a field may carry a format spec, such as
``{seconds:g}``). ``str(message)`` writes it in English, so a command line
(`box`, `vz`, `bench`) prints the same one-liners as before. The harness adds
its own few codes with ``define`` (bench/messages.py). The Spanish catalogue,
keyed by the same codes, is the report's (bench/report/messages_es.py); a unit
test (tests/unit/test_messages.py) fails when a code is used with no English or
no Spanish, or with other fields than its template's.

A field is a string, a number, or another ``Message`` (``cgroups.unusable``
holds the cgroup layer's own reason). A string field is a value shown as it
is in every language: a path, a command, what a tool printed.
"""

from __future__ import annotations

import dataclasses
import json
import string
from collections.abc import Callable, Mapping


@dataclasses.dataclass(frozen=True)
class Message:
    """A code and its fields; ``str()`` is its English sentence."""

    code: str
    fields: Mapping[str, Field] = dataclasses.field(default_factory=dict)

    def __str__(self) -> str:
        return self.render(ENGLISH)

    def __hash__(self) -> int:  # fields is a dict: hash what it says instead
        return hash(self.to_json())

    def render(self, templates: Mapping[str, str], value: Callable[[Field], object] = lambda v: v,
               missing: Callable[[str], None] = lambda code: None) -> str:
        """This message (and the ones in its fields) written with ``templates``, keyed by code.

        ``value`` turns each plain field into what the template formats (the
        report wraps numbers so they take its decimal mark). A code missing
        from ``templates`` is told to ``missing`` and written in English; one
        this version does not know at all (a newer isobench stored it) shows
        its code and fields rather than nothing.
        """
        filled = {name: v.render(templates, value, missing) if isinstance(v, Message) else value(v)
                  for name, v in self.fields.items()}
        template = templates.get(self.code)
        if template is None:
            missing(self.code)
            template = ENGLISH.get(self.code)
        if template is None:
            return self.code + "".join(f" {name}={v}" for name, v in filled.items())
        try:
            return template.format(**filled)
        except (KeyError, ValueError, IndexError):  # a stored message whose fields no longer fit its template
            return self.code + "".join(f" {name}={v}" for name, v in filled.items())

    def to_data(self) -> dict[str, object]:
        return {"code": self.code,
                "fields": {k: v.to_data() if isinstance(v, Message) else v for k, v in self.fields.items()}}

    def to_json(self) -> str:
        return json.dumps(self.to_data(), sort_keys=True, ensure_ascii=False)

    @classmethod
    def from_data(cls, data: Mapping[str, object]) -> Message:
        fields = data.get("fields") or {}
        assert isinstance(fields, Mapping)
        return cls(str(data["code"]), {k: cls.from_data(v) if isinstance(v, Mapping) else v
                                       for k, v in fields.items()})

    @classmethod
    def from_json(cls, text: str | None) -> Message | None:
        """The message a store column holds; None for '' or NULL (a row written before messages were data)."""
        return cls.from_data(json.loads(text)) if text else None


# What a field may hold. Written after Message, with `|`, so that no module on `box run`'s path needs the
# typing module (its import is a few milliseconds of every `box run`).
Field = str | int | float | Message


def say(code: str, **fields: Field) -> Message:
    """``Message(code, fields)``, read as it is written: ``say("tool.not-found", tool="runc")``."""
    return Message(code, fields)


def message_of(err: BaseException) -> Field:
    """What an exception says, as a field: its ``Message`` when it carries one, else its text."""
    found = getattr(err, "message", None)
    return found if isinstance(found, Message) else str(err)


def as_text(value: Field | None) -> str:
    """A reason, fix or error as the text columns keep it: English."""
    return "" if value is None else str(value)


def as_message(value: Field | None) -> Message | None:
    """The ``Message`` in a reason, fix or error; None for plain text."""
    return value if isinstance(value, Message) else None


def placeholders(template: str) -> set[str]:
    """The field names a template uses: ``"{tool} not found"`` → {"tool"}."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def define(code: str, english: str) -> str:
    """Add a code of the harness (bench/) to the English table; returns the code."""
    if ENGLISH.get(code, english) != english:
        raise ValueError(f"message code {code!r} is defined twice, differently")
    ENGLISH[code] = english
    return code


# The English of every code a runtime uses: where it is raised is in the comment above each group.
ENGLISH: dict[str, str] = {
    # -- why a runtime cannot run here (Runtime.available) ------------------------------------------------
    "chroot.needs-root": "chroot(2) needs root (CAP_SYS_CHROOT)",       # runtimes/chroot.py
    "peers.needs-root": "needs root for namespaces, mounts and cgroups",  # runtimes/peers/_common.py
    "box.needs-root": "box needs root for namespaces, mounts and cgroups",  # runtimes/box/runtime.py
    "vz.needs-root": "vz needs root for namespaces, loop devices, veth and cgroups",  # runtimes/openvz/runtime.py
    "vz.no-loop-devices": "no loop devices (/dev/loop-control missing)",
    "tool.not-found": "{tool} not found",                                 # chroot, peers, vz, libvirt
    "tool.failed": "`{command}` failed: {said}",                          # runtimes/peers/_common.py check_answers
    "tool.exited": "`{command}` exited {status}: {said}",
    "tool.no-output": "no output",                                        # a tool, or a guest, printed nothing
    "kernel.no-filesystem": "the kernel has no {filesystem}",             # box (OverlayFS), vz (ext4)
    "cgroups.unusable": "cgroups unusable: {reason}",                     # box, vz
    "cgroups.v1-not-mounted": "cgroup v1 controllers not mounted: {controllers}",  # runtimes/kernel/cgroups.py
    "seccomp.binding-missing": "libseccomp's Python binding is missing",  # box, vz
    "libvirt.needs-root": "libvirt's system daemon (qemu:///system) needs root",  # runtimes/vm/libvirt.py
    "libvirt.no-python-module": "the libvirt Python module is not installed",
    "libvirt.unreachable-on": "libvirtd is not reachable on {uri} ({said})",
    "libvirt.kvm-unusable": "{reason}, so every VM start would take minutes",
    "kvm.no-group": "group kvm does not exist",                           # runtimes/vm/accel.py kvm_device_problem
    "kvm.device-mode": "{device} is mode {mode}, group {gid}: libvirt's QEMU user (group kvm) cannot open it",
    "docker.engine-failed": "the suite could not start a Docker engine: {reason}",  # runtimes/peers/docker.py
    "docker.no-answer": "no Docker engine answers on {path} ({said})",    # runtimes/peers/docker_engine.py
    "docker.not-docker": "{path} answered, but not as a Docker engine",
    "docker.not-installed": "dockerd is not installed (sudo scripts/provision installs docker.io)",
    "docker.exited": "dockerd exited with status {status}: {said}",
    "docker.timeout": "dockerd did not answer within {seconds:g} s: {said}",
    "docker.held": "another run's dockerd holds {path} (bench clean stops it)",
    "gvisor.unknown-platform": "{variable}={chosen!r} is not a platform of this runsc",  # runtimes/peers/gvisor.py
    "gvisor.no-kvm": "gVisor's kvm platform needs /dev/kvm, which is missing or not usable",
    "microvm.no-firmware": "the microvm firmware (qboot) {path} is missing",  # runtimes/peers/microvm.py
    # -- the fix beside a reason (Availability.fix) --------------------------------------------------------
    "fix.run-as-root": "run as root: sudo bench ...",
    "fix.install": "sudo apt-get install {package}",
    "fix.install-or-provision": "sudo apt-get install {package} (or sudo scripts/provision)",
    "fix.reinstall": "sudo apt-get install --reinstall {package}",
    "fix.modprobe": "sudo modprobe {module}",
    "fix.mount-cgroups": "mount the cgroup controllers (see bench doctor)",
    "fix.kvm-group": "{command} (gives /dev/kvm to group kvm, as udev does)",  # runtimes/vm/libvirt.py
    "fix.start-libvirtd": "{command} (starts virtlogd and libvirtd)",
    "fix.provision": "{command}",
    "fix.gvisor-platform": "set it to one of {platforms}, or unset it for {default}",  # runtimes/peers/gvisor.py
    "fix.gvisor-kvm": "unset {variable} to use ptrace, or enable virtualisation",
    "fix.docker": "sudo scripts/provision (installs docker.io); a `bench run` starts the engine itself",
    # -- a runtime that could not be set up (RuntimeUnavailable) -------------------------------------------
    "unavailable": "{runtime}: {reason}",                                 # runtimes/kernel/errors.py
    "unavailable.fix": "{runtime}: {reason} ({fix})",
    "libvirt.unreachable": "libvirtd is not reachable ({said})",          # runtimes/vm/libvirt.py setup
    "engine.import-failed": "{tool} import of the suite's image failed: {said}",  # runtimes/peers/engine.py
    "hybrid.no-mount-namespace": "cannot make a mount namespace without {mount}: {said}",  # runtimes/peers/hybrid.py
    "fix.hybrid": "check that unshare(1) and umount work as root",
    # -- an instance that failed (InstanceError) -----------------------------------------------------------
    "instance.no-ready-line": "{runtime}: no ready line within {seconds:g} s",  # runtimes/_process.py, vm/libvirt.py
    "instance.output-closed": "{runtime}: workload closed its output before it was ready",
    "instance.exited-early": "{runtime}: workload exited with status {status} before it was ready: {said}",
    "instance.still-running": "{runtime}: still running after {seconds:g} s",
    "instance.no-exit": "{runtime}: output closed but the process did not exit within {seconds:g} s",
    "instance.cannot-launch": "{runtime}: cannot launch {program}: {said}",
    "box.setup-failed": "box: container setup failed: {said}",            # runtimes/box/runtime.py
    "vz.exec-failed": "openvz: exec into the CT failed: {said}",          # runtimes/openvz/runtime.py
    "vm.stopped-early": "{runtime}: the VM stopped before the workload was ready: {said}",  # runtimes/vm/libvirt.py
    "vm.still-runs": "{runtime}: the VM still runs after {seconds:g} s",
    "vm.no-exit-status": "{runtime}: the VM stopped without reporting the workload's exit status: {said}",
    "vm.too-little-memory": "libvirt: the guest needs at least {least} MiB; the scenario allows {mib} MiB",  # vm/instance.py
    "vm.too-many-words": "libvirt: the kernel passes at most {most} words to the guest's init, got {count}",  # vm/domain.py
    "vm.bad-word": "libvirt: {word} cannot be passed on the kernel command line "
                   "(no empty words, double quotes or control characters)",
    "vm.command-line-too-long": "libvirt: kernel command line too long ({length} of {most} bytes)",
    "vm.overlay-failed": "libvirt: qemu-img create {path} failed: {said}",  # runtimes/vm/guest.py
    "vm.console-cannot-listen": "console: cannot listen on {path}: {said}",  # runtimes/vm/console.py
    "vm.console-path-too-long": "console: cannot listen on {path}: {said} (a unix socket path must be shorter "
                                "than 108 bytes: use a shorter ISOBENCH_STATE)",
    "vm.console-not-connected": "console: QEMU did not connect to {path} within {seconds:g} s",
    "libvirt.cannot-start": "libvirt: cannot start domain {domain}: {said}",  # runtimes/vm/libvirt.py
    "libvirt.still-exists": "libvirt: domain {domain} still exists {seconds:g} s after destroy",
    "libvirt.cannot-look-up": "libvirt: cannot look up domain {domain}: {said}",
    "qemu.console-not-connected": "{runtime}: QEMU did not connect to its console: {said}",  # runtimes/peers/qemu.py
    "oci.delete-failed": "{runtime}: delete --force {container} failed: {said}",  # runtimes/peers/oci.py
    "vz.ct-failed": "openvz: CT {ctid}: {reason}",                        # runtimes/openvz/runtime.py (a VzError's)
    "vz.failed": "openvz: {reason}",
    "vz.no-free-ctid": "no free CTID for the suite's CT in {first}–{last} (vz list -a)",
    "vz.ct-not-started": "CT {ctid} could not start: {said}",            # runtimes/openvz/ct.py
    "vz.boot-silent": "its first process exited before saying why",
    "vz.console-empty": "(empty: {path})",
    "vz.init-exited": "CT {ctid}: init exited during boot; its console: {said}",
    "vz.init-not-ready": "CT {ctid}: init did not report ready within {seconds:g} s (is the '::wait:/bin/touch "
                         "{marker}' line still in its /etc/inittab?); its console: {said}",
    "vz.exec-inside-failed": "inside the CT: {said}",                     # runtimes/openvz/join.py
    # -- a note in the Tools column (Runtime.versions) ------------------------------------------------------
    "limits.not-enforced": "not enforced ({tool} makes no cgroup)",      # runtimes/peers/unshare.py, bwrap.py
    "hybrid.note": "{tool} refuses this hybrid cgroup host (v1 controllers plus cgroup2 at {mount}): each launch "
                   "runs in a private mount namespace without {mount} (nsenter; the host is unchanged)",
    "podman.rlimits": "root lacks CAP_SYS_RESOURCE, so podman's default rlimits cannot be set: each run gets {flags}",
    "microvm.clock": "software emulation: the guest kernel is given the TSC's rate (tsc_early_khz={khz} "
                     "tsc=reliable), having no HPET or ACPI timer to calibrate it against",
    "oci.bundle": "OCI runtime spec {version} config.json written by {path}",  # runtimes/peers/oci.py, gvisor.py
    "vm.disk": "virtio-blk, qcow2 overlay over raw ext4, cache={cache}, {option}={mode}",  # vm/libvirt.py, peers/qemu.py
    "vm.guest-size": "{vcpus} vCPU, {mib} MiB unless a scenario's [limits] say otherwise",
    "seccomp.filter": "libseccomp filter",                                # runtimes/box/runtime.py, openvz/runtime.py
    "seccomp.none": "none (python3-seccomp missing)",
    "version.unknown": "unknown",                                         # peers/_common.py first_line, chroot, vz
    "version.unknown-said": "unknown ({said})",
    "docker.engine-version": "dockerd {version}",                         # runtimes/peers/docker.py
    "nspawn.cgroup": "the instance's own ({path}), joined before nspawn is started",  # runtimes/peers/nspawn.py
    "nspawn.defaults": "systemd-nspawn's defaults (CAP_SYS_ADMIN kept, for a booting OS)",
    "nspawn.root": "OverlayFS over the image cache per instance, upper layer on the scratch disk",
    "nspawn.no-systemd": "--register=no --keep-unit: no systemd-machined and no scope unit (no systemd needed)",
    "gvisor.network": "none (loopback only)",                            # runtimes/peers/gvisor.py
    "gvisor.seccomp": "box's filter, applied inside the sandbox by the Sentry (--oci-seccomp)",
    "gvisor.pids": "pids (the Sentry's own threads count against it and it aborts at the limit, gvisor#2490)",
    "gvisor.memory-limit": "on the whole sandbox: going over it kills the Sentry (status 137), not one process",
    "gvisor.file-io": "through the Gofer and the Sentry's own cache: O_DIRECT does not reach the host's disk",
    "microvm.machine": "microvm: qboot, virtio-mmio, no PCI bus, minimal ACPI",  # runtimes/peers/microvm.py
    # -- how the VM's accelerator was chosen (runtimes/vm/accel.py choose_accelerator: "accelerator check") -------
    "accel.no-device": "{device} does not exist: no hardware virtualisation here",
    "accel.kvm-works": "a probe boot under KVM was ready within {seconds:g} s",
    "accel.kvm-fails": "{device} exists but a probe boot under KVM failed ({reason}), so QEMU emulates the CPU "
                       "in software",
    "accel.probe-boot": "probe boot",                                     # the probe boot's own instance
    # -- building what a runtime needs: the image, compiled helpers, the VMs' kernel and disk ----------------
    "image.no-probe-source": "image: probe source missing at {path}",    # runtimes/image.py
    "image.no-busybox": "image: {path} not found; run: sudo apt-get install busybox-static",
    "image.busybox-dynamic": "image: {path} is dynamically linked; run: sudo apt-get install busybox-static",
    "build.gcc-unusable": "build: gcc not usable ({said}); run: sudo scripts/provision",  # runtimes/kernel/build.py
    "build.no-gcc": "build: gcc not found; run: sudo scripts/provision",
    "build.compile-failed": "build: compiling {name} failed: {said} (is libc6-dev installed? run: sudo "
                            "scripts/provision)",
    "guest-kernel.tool-failed": "libvirt guest kernel: {tool} failed ({said}); run: sudo scripts/provision",
    "guest-kernel.fetch-failed": "libvirt guest kernel: `{command}` failed: {said} (is the Debian archive "
                                 "reachable? try: sudo apt-get update)",  # runtimes/vm/guest_kernel.py
    "guest-kernel.no-apt": "libvirt guest kernel: apt-cache not usable ({said}); the VM needs a Debian/Ubuntu host",
    "guest-kernel.unknown-package": "libvirt guest kernel: apt knows no package {package}; run: sudo apt-get update",
    "guest-kernel.no-dependency": "libvirt guest kernel: {package} depends on no linux-image package ('{depends}')",
    "guest-kernel.not-elf64": "libvirt guest kernel: a module is not a 64-bit ELF file",
    "guest-kernel.unreadable-module": "libvirt guest kernel: cannot read module {module} (only .ko and .ko.xz are "
                                      "supported)",
    "guest-kernel.module-cycle": "libvirt guest kernel: module dependency cycle: {cycle}",
    "guest-kernel.module-missing": "libvirt guest kernel: module {module} not found in the kernel package",
    "guest-disk.no-mke2fs": "libvirt guest disk: mke2fs not found; run: sudo apt-get install e2fsprogs",  # vm/guest.py
    "guest-disk.mkfs-failed": "libvirt guest disk: mkfs.ext4 -d failed: {said}",
    "microvm.download-failed": "microvm: apt-get download {package} failed: {said} (is the Debian archive "
                               "reachable? try: sudo apt-get update)",  # runtimes/peers/microvm.py
    # -- vz setting a CT up: its disk, its network, its hostname (runtimes/openvz/disk.py, net.py, join.py) --------
    "vz.no-mkfs": "mkfs.ext4 not found: sudo apt-get install e2fsprogs (or sudo scripts/provision)",
    "vz.mkfs-failed": "mkfs.ext4 {path}: {said}",
    "vz.no-net-tool": "{tool} not found: sudo apt-get install iproute2 util-linux (or sudo scripts/provision)",
    "vz.ip-failed": "{what}: ip: {said}",
    "vz.sysctl-failed": "{key} = {value}: {said}",
    "vz.link-del-failed": "CT {ctid}: ip link del {device}: {said}",
    "vz.hostname-not-written": "the hostname is set, but not written: {said}",
}
