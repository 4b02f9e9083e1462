"""The virtual machines: a real guest kernel per instance, booted by QEMU.

Where to look:
- ``libvirt.py``       the libvirt VM, the runtime of the suite: a transient domain per instance
- ``domain.py``        its domain XML, every element explained
- ``instance.py``      what every VM shares (this runtime, plain QEMU, the microVM): the guest's size,
                       one booted guest as an Instance, stop, the exit status, reading its RAM
- ``guest.py``         the guest: kernel, initramfs and disk image, built from the one image
- ``guest_kernel.py``  the Debian cloud kernel, fetched and cached
- ``console.py``       the serial console: the guest's lines, timed as they arrive, and the boot phases
- ``accel.py``         KVM or software emulation (TCG), decided by a probe boot

Plain QEMU and the microVM are peers (``runtimes/peers/qemu.py``, ``microvm.py``) that boot the same
guest without libvirt.
"""
