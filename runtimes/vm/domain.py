"""The libvirt domain XML of an isobench VM: this is where the domain is written.

One template, ``DOMAIN_XML``, with a comment on every choice. Reference:
https://libvirt.org/formatdomain.html (one section per element used here).

The domain is trimmed to what the guest needs, so that libvirt starts
about the same QEMU as a hand-written ``qemu-system-x86_64`` command line
would (``tests/perf/test_vm_boot.py`` checks it): direct kernel boot, one
virtio disk, one serial port, no USB, no balloon, no graphics, network,
sound or video.

What libvirt 9.0 still adds, whatever the XML says (seen in
/var/log/libvirt/qemu/<domain>.log and libvirtd's debug log): QEMU starts
paused (``-S``) with a QMP monitor, and before ``cont`` libvirt reads the
guest CPU's features one ``qom-get`` each (about 400 round trips with QEMU
7.2; qemuProcessUpdateAndVerifyCPU runs on x86 for every <cpu> choice),
puts QEMU in cgroups and a mount namespace, and passes ``-sandbox``
(qemu.conf), ``-no-shutdown`` and ``-boot strict=on``. The firmware's work
is the same as plain QEMU's; the time before the vCPU runs is not
(``tests/perf/test_vm_boot.py`` prints it).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

from runtimes.kernel.errors import InstanceError
from runtimes.kernel.messages import say

# The guest kernel's own settings, before the workload's argv:
#   console=ttyS0  kernel messages and /dev/console on the first serial port
#   quiet          only warnings and errors: every console byte costs time, above all under emulation
#   panic=-1       reboot at once on a panic, which on_reboot=destroy turns into "the VM is gone"
KERNEL_ARGS = ("console=ttyS0", "quiet", "panic=-1")
COMMAND_LINE_MAX = 2048   # x86 COMMAND_LINE_SIZE
INIT_ARGS_MAX = 30        # the kernel hands init at most 32 words (CONFIG_INIT_ENV_ARG_LIMIT), /init included

DOMAIN_XML = """\
<domain type='{domain_type}'>
  <name>{name}</name>
  <!-- sized by the scenario's [limits]: memory → guest RAM, cpus → vCPUs -->
  <memory unit='MiB'>{memory_mib}</memory>
  <vcpu>{vcpus}</vcpu>
  <!-- direct kernel boot: QEMU loads the kernel and initramfs itself, so the
       firmware only jumps to them: no boot loader, no search for a boot disk -->
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>{kernel}</kernel>
    <initrd>{initramfs}</initrd>
    <cmdline>{cmdline}</cmdline>
  </os>
  <!-- ACPI, so that the guest's `poweroff -f` turns the VM off -->
  <features><acpi/></features>{cpu}
  <clock offset='utc'/>
  <!-- however the guest stops (power-off, reboot, crash), the VM ends -->
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>{emulator}</emulator>
    <!-- the instance's own copy-on-write overlay; the shared base disk is its
         backing file, named in the qcow2 header. cache='none' opens it with
         O_DIRECT, so the guest's I/O reaches the host disk rather than the
         host's page cache, and io='native' submits it with Linux AIO -->
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2' cache='{disk_cache}' io='{disk_io}'/>
      <source file='{disk}'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <!-- the serial console connects to the host's socket (runtimes/vm/console.py) -->
    <serial type='unix'>
      <source mode='connect' path='{console}'/>
      <target port='0'/>
    </serial>
    <!-- libvirt adds a USB controller and a memory balloon unless told not to -->
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
  </devices>
  <!-- QEMU runs as the user who runs the suite, as a plain qemu-system-x86_64
       would, and libvirt changes the owner of no file: the suite's files may
       live where libvirt's own unprivileged user cannot reach (a private
       ISOBENCH_STATE), and the shared base disk and kernel stay untouched.
       A production host would keep libvirt's default, an unprivileged user -->
  <seclabel type='static' model='dac' relabel='no'>
    <label>+{uid}:+{gid}</label>
  </seclabel>
</domain>
"""

# Under KVM the guest gets the host's CPU model, so CPU figures are the real
# CPU's; under emulation QEMU's default model (qemu64) is used, as plain QEMU does.
KVM_CPU = "\n  <cpu mode='host-passthrough'/>"


@dataclasses.dataclass(frozen=True)
class DomainSpec:
    """Everything that varies between two isobench domains."""

    name: str
    accelerator: str       # "kvm" or "tcg" (software emulation)
    memory_mib: int
    vcpus: int
    kernel: Path
    initramfs: Path
    cmdline: str
    disk: Path             # the instance's qcow2 overlay
    disk_cache: str        # "none" (O_DIRECT) or "writeback" where O_DIRECT is not supported
    disk_io: str           # "native" (Linux AIO, needs O_DIRECT) or "threads"
    console: Path          # the unix socket the serial port connects to
    emulator: str          # path of qemu-system-x86_64
    uid: int
    gid: int


def _attr(value: object) -> str:
    """``value`` escaped for XML text and single-quoted attributes."""
    return escape(str(value), {"'": "&apos;", '"': "&quot;"})


def domain_xml(spec: DomainSpec) -> str:
    """The domain XML for ``virConnectCreateXML`` (a transient domain)."""
    values = {f.name: _attr(getattr(spec, f.name)) for f in dataclasses.fields(spec)}
    return DOMAIN_XML.format(
        **values,
        domain_type="kvm" if spec.accelerator == "kvm" else "qemu",
        cpu=KVM_CPU if spec.accelerator == "kvm" else "",
    )


def kernel_cmdline(argv: Sequence[str]) -> str:
    """The guest kernel's settings, then ``--`` and the workload's argv, for /init.

    The kernel splits its command line at spaces and honours double quotes
    (lib/cmdline.c, next_arg), so a word with a space is quoted; a word that
    is empty or holds a double quote or a control character cannot be passed.
    """
    if len(argv) > INIT_ARGS_MAX:
        raise InstanceError(say("vm.too-many-words", most=INIT_ARGS_MAX, count=len(argv)))
    words = []
    for word in argv:
        if not word or '"' in word or any(ord(ch) < 32 or ord(ch) == 127 for ch in word):
            raise InstanceError(say("vm.bad-word", word=repr(word)))
        words.append(f'"{word}"' if " " in word else word)
    line = " ".join([*KERNEL_ARGS, "--", *words])
    if len(line) >= COMMAND_LINE_MAX:
        raise InstanceError(say("vm.command-line-too-long", length=len(line), most=COMMAND_LINE_MAX - 1))
    return line
