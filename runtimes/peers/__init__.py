"""The production isolation tools, as runtimes of the suite ("peers" of the home-made ones).

Each module drives one real tool through its own command line, on the same
root filesystem (``runtimes.image``) and with the same probe as every other
runtime, so the report can put the home-made runtimes next to the tools a
class will meet in production:

- ``unshare``  unshare(1) + chroot(8): namespaces from the shell, nothing else
- ``bwrap``    bubblewrap: the namespace sandbox of Flatpak
- ``lxc``      LXC (lxc-execute): the living descendant of OpenVZ's system containers
- ``crun``, ``runc``  the two OCI runtimes, from a bundle made by ``oci.py``
- ``podman``, ``docker``  the engines, with the image imported (``engine.py``)
- ``qemu``     a plain ``qemu-system-x86_64`` direct boot of the libvirt runtime's guest

A peer is available only when its tool is installed and answers; otherwise
its ``available()`` says why and what installs it. What a peer has to work
around on a host (``hybrid.py``: crun and cgroup v1 + v2 hosts; podman's
rlimits) is done inside its module and recorded in its ``versions()``, so
the run says what ran — the host itself is never changed.
"""
