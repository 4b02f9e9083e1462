"""Spanish of every message code (runtimes/kernel/messages.py, bench/messages.py), keyed by code.

Each template places the same fields as the English one, as ``{field}``, with
the same format spec where the English has one (``{seconds:g}``): a number is
then written with the report's decimal mark (``Catalogue.message``). A field
that holds a message is written in Spanish too; any other text field is a
value (a path, a command, what a tool printed) shown as it is.

tests/unit/test_messages.py fails when a code has no entry here, or when an
entry's fields are not its English template's. ``ES_WORDS`` holds the few
fixed words stored as plain text (the Tools column's labels, "unknown"),
looked up whole.
"""

from __future__ import annotations

ES_MESSAGES: dict[str, str] = {
    # -- why a runtime cannot run here ---------------------------------------------------------------------
    "chroot.needs-root": "chroot(2) necesita root (CAP_SYS_CHROOT)",
    "peers.needs-root": "necesita root para los espacios de nombres, los montajes y los cgroups",
    "box.needs-root": "box necesita root para los espacios de nombres, los montajes y los cgroups",
    "vz.needs-root": "vz necesita root para los espacios de nombres, los dispositivos loop, veth y los cgroups",
    "vz.no-loop-devices": "no hay dispositivos loop (falta /dev/loop-control)",
    "tool.not-found": "no se encuentra {tool}",
    "tool.failed": "`{command}` falló: {said}",
    "tool.exited": "`{command}` terminó con el estado {status}: {said}",
    "tool.no-output": "sin salida",
    "kernel.no-filesystem": "el núcleo no tiene {filesystem}",
    "cgroups.unusable": "los cgroups no se pueden usar: {reason}",
    "cgroups.v1-not-mounted": "controladores de cgroup v1 sin montar: {controllers}",
    "seccomp.binding-missing": "falta el módulo de Python de libseccomp",
    "libvirt.needs-root": "el demonio de sistema de libvirt (qemu:///system) necesita root",
    "libvirt.no-python-module": "el módulo de Python de libvirt no está instalado",
    "libvirt.unreachable-on": "libvirtd no responde en {uri} ({said})",
    "libvirt.kvm-unusable": "{reason}, así que cada arranque de una VM tardaría minutos",
    "kvm.no-group": "el grupo kvm no existe",
    "kvm.device-mode": "{device} tiene el modo {mode} y el grupo {gid}: el usuario de QEMU de libvirt (grupo kvm) "
                       "no puede abrirlo",
    "docker.engine-failed": "la suite no pudo arrancar un motor Docker: {reason}",
    "docker.no-answer": "ningún motor Docker responde en {path} ({said})",
    "docker.not-docker": "{path} respondió, pero no como un motor Docker",
    "docker.not-installed": "dockerd no está instalado (sudo scripts/provision instala docker.io)",
    "docker.exited": "dockerd terminó con el estado {status}: {said}",
    "docker.timeout": "dockerd no respondió en {seconds:g} s: {said}",
    "docker.held": "el dockerd de otra ejecución ocupa {path} (bench clean lo para)",
    "gvisor.unknown-platform": "{variable}={chosen!r} no es una plataforma de este runsc",
    "gvisor.no-kvm": "la plataforma kvm de gVisor necesita /dev/kvm, que falta o no se puede usar",
    "microvm.no-firmware": "falta el firmware de microvm (qboot) {path}",
    # -- the fix beside a reason ---------------------------------------------------------------------------
    "fix.run-as-root": "ejecútelo como root: sudo bench ...",
    "fix.install": "sudo apt-get install {package}",
    "fix.install-or-provision": "sudo apt-get install {package} (o sudo scripts/provision)",
    "fix.reinstall": "sudo apt-get install --reinstall {package}",
    "fix.modprobe": "sudo modprobe {module}",
    "fix.mount-cgroups": "monte los controladores de cgroups (vea bench doctor)",
    "fix.kvm-group": "{command} (da /dev/kvm al grupo kvm, como hace udev)",
    "fix.start-libvirtd": "{command} (arranca virtlogd y libvirtd)",
    "fix.provision": "{command}",
    "fix.gvisor-platform": "póngala en una de {platforms}, o quítela para usar {default}",
    "fix.gvisor-kvm": "quite {variable} para usar ptrace, o active la virtualización",
    "fix.docker": "sudo scripts/provision (instala docker.io); un `bench run` arranca el motor por sí mismo",
    # -- a runtime that could not be set up ----------------------------------------------------------------
    "unavailable": "{runtime}: {reason}",
    "unavailable.fix": "{runtime}: {reason} ({fix})",
    "libvirt.unreachable": "libvirtd no responde ({said})",
    "engine.import-failed": "falló la importación de la imagen de la suite con {tool}: {said}",
    "hybrid.no-mount-namespace": "no se puede crear un espacio de nombres de montaje sin {mount}: {said}",
    "fix.hybrid": "compruebe que unshare(1) y umount funcionan como root",
    # -- an instance that failed ---------------------------------------------------------------------------
    "instance.no-ready-line": "{runtime}: ninguna línea de «listo» en {seconds:g} s",
    "instance.output-closed": "{runtime}: la carga cerró su salida antes de estar lista",
    "instance.exited-early": "{runtime}: la carga terminó con el estado {status} antes de estar lista: {said}",
    "instance.still-running": "{runtime}: sigue en marcha después de {seconds:g} s",
    "instance.no-exit": "{runtime}: la salida se cerró, pero el proceso no terminó en {seconds:g} s",
    "instance.cannot-launch": "{runtime}: no se puede lanzar {program}: {said}",
    "box.setup-failed": "box: falló la preparación del contenedor: {said}",
    "vz.exec-failed": "openvz: falló la entrada en el CT: {said}",
    "vm.stopped-early": "{runtime}: la VM se detuvo antes de que la carga estuviera lista: {said}",
    "vm.still-runs": "{runtime}: la VM sigue en marcha después de {seconds:g} s",
    "vm.no-exit-status": "{runtime}: la VM se detuvo sin informar del estado de salida de la carga: {said}",
    "vm.too-little-memory": "libvirt: el invitado necesita al menos {least} MiB; el escenario permite {mib} MiB",
    "vm.too-many-words": "libvirt: el núcleo pasa como mucho {most} palabras al init del invitado; se dieron {count}",
    "vm.bad-word": "libvirt: {word} no se puede pasar en la línea de órdenes del núcleo (ni palabras vacías, "
                   "ni comillas dobles, ni caracteres de control)",
    "vm.command-line-too-long": "libvirt: la línea de órdenes del núcleo es demasiado larga ({length} de {most} bytes)",
    "vm.overlay-failed": "libvirt: falló qemu-img create {path}: {said}",
    "vm.console-cannot-listen": "consola: no se puede escuchar en {path}: {said}",
    "vm.console-path-too-long": "consola: no se puede escuchar en {path}: {said} (la ruta de un socket unix debe "
                                "tener menos de 108 bytes: use un ISOBENCH_STATE más corto)",
    "vm.console-not-connected": "consola: QEMU no se conectó a {path} en {seconds:g} s",
    "libvirt.cannot-start": "libvirt: no se puede arrancar el dominio {domain}: {said}",
    "libvirt.still-exists": "libvirt: el dominio {domain} sigue existiendo {seconds:g} s después de destruirlo",
    "libvirt.cannot-look-up": "libvirt: no se puede consultar el dominio {domain}: {said}",
    "qemu.console-not-connected": "{runtime}: QEMU no se conectó a su consola: {said}",
    "oci.delete-failed": "{runtime}: falló delete --force {container}: {said}",
    "vz.ct-failed": "openvz: CT {ctid}: {reason}",
    "vz.failed": "openvz: {reason}",
    "vz.no-free-ctid": "no queda ningún CTID libre para el CT de la suite entre {first} y {last} (vz list -a)",
    "vz.ct-not-started": "el CT {ctid} no pudo arrancar: {said}",
    "vz.boot-silent": "su primer proceso terminó sin decir por qué",
    "vz.console-empty": "(vacía: {path})",
    "vz.init-exited": "CT {ctid}: init terminó durante el arranque; su consola: {said}",
    "vz.init-not-ready": "CT {ctid}: init no indicó que estuviera listo en {seconds:g} s (¿sigue la línea "
                         "'::wait:/bin/touch {marker}' en su /etc/inittab?); su consola: {said}",
    "vz.exec-inside-failed": "dentro del CT: {said}",
    # -- the harness (bench/messages.py) -------------------------------------------------------------------
    "run.setup-failed": "falló la preparación: {reason}",
    "run.probe-error": "error de la sonda en {mode}: {what} (errno {errno})",
    "run.exited": "la carga terminó con el estado {status:g}",
    "run.failed-said": "{reason}: {said}",
    "density.step-failed": "{n} instancia(s): {reason}",
    "density.refused-one": "no se inició: {n} instancia necesitaría unos {need_gib:.2f} GiB y dejaría menos del "
                           "margen de {margin_gib:.1f} GiB de los {available_gib:.2f} GiB disponibles (reduzca "
                           "margin_mib o max_instances en [density])",
    "density.refused": "no se inició: {n} instancias necesitarían unos {need_gib:.2f} GiB y dejarían menos del "
                       "margen de {margin_gib:.1f} GiB de los {available_gib:.2f} GiB disponibles (reduzca "
                       "margin_mib o max_instances en [density])",
    # -- a note in the Tools column ------------------------------------------------------------------------
    "limits.not-enforced": "no se aplican ({tool} no crea ningún cgroup)",
    "hybrid.note": "{tool} rechaza este anfitrión de cgroups híbrido (controladores v1 más cgroup2 en {mount}): cada "
                   "lanzamiento se ejecuta en un espacio de nombres de montaje privado sin {mount} (nsenter; el "
                   "anfitrión no cambia)",
    "podman.rlimits": "root no tiene CAP_SYS_RESOURCE, así que no se pueden poner los rlimits predeterminados de "
                      "podman: cada ejecución lleva {flags}",
    "microvm.clock": "emulación por software: al núcleo invitado se le da la frecuencia del TSC (tsc_early_khz={khz} "
                     "tsc=reliable), porque no tiene HPET ni temporizador ACPI con los que calibrarla",
    "oci.bundle": "config.json de la especificación de runtime OCI {version}, escrito por {path}",
    "vm.disk": "virtio-blk, capa qcow2 sobre ext4 en bruto, cache={cache}, {option}={mode}",
    "vm.guest-size": "{vcpus} vCPU, {mib} MiB salvo que la sección [limits] de un escenario diga otra cosa",
    "seccomp.filter": "filtro libseccomp",
    "seccomp.none": "ninguno (falta python3-seccomp)",
    "version.unknown": "desconocida",
    "version.unknown-said": "desconocida ({said})",
    "docker.engine-version": "dockerd {version}",
    "nspawn.cgroup": "el propio de la instancia ({path}), en el que se entra antes de arrancar nspawn",
    "nspawn.defaults": "los predeterminados de systemd-nspawn (conserva CAP_SYS_ADMIN, para arrancar un sistema "
                       "operativo)",
    "nspawn.root": "un OverlayFS por instancia sobre la caché de la imagen, con la capa superior en el disco de trabajo",
    "nspawn.no-systemd": "--register=no --keep-unit: sin systemd-machined ni unidad scope (no hace falta systemd)",
    "gvisor.network": "ninguna (solo loopback)",
    "gvisor.seccomp": "el filtro de box, aplicado dentro del sandbox por el Sentry (--oci-seccomp)",
    "gvisor.pids": "pids (los hilos del propio Sentry cuentan para él y el Sentry aborta al llegar al límite, "
                   "gvisor#2490)",
    "gvisor.memory-limit": "sobre todo el sandbox: pasarlo mata al Sentry (estado 137), no a un solo proceso",
    "gvisor.file-io": "a través del Gofer y de la caché propia del Sentry: O_DIRECT no llega al disco del anfitrión",
    "microvm.machine": "microvm: qboot, virtio-mmio, sin bus PCI, ACPI mínimo",
    # -- how the VM's accelerator was chosen -----------------------------------------------------------------
    "accel.no-device": "{device} no existe: aquí no hay virtualización por hardware",
    "accel.kvm-works": "un arranque de prueba con KVM estuvo listo en {seconds:g} s",
    "accel.kvm-fails": "{device} existe, pero un arranque de prueba con KVM falló ({reason}), así que QEMU emula la "
                       "CPU por software",
    "accel.probe-boot": "arranque de prueba",
    # -- building what a runtime needs: the image, compiled helpers, the VMs' kernel and disk ----------------
    "image.no-probe-source": "imagen: falta el código fuente de la sonda en {path}",
    "image.no-busybox": "imagen: no se encuentra {path}; ejecute: sudo apt-get install busybox-static",
    "image.busybox-dynamic": "imagen: {path} está enlazado dinámicamente; ejecute: sudo apt-get install busybox-static",
    "build.gcc-unusable": "compilación: gcc no se puede usar ({said}); ejecute: sudo scripts/provision",
    "build.no-gcc": "compilación: no se encuentra gcc; ejecute: sudo scripts/provision",
    "build.compile-failed": "compilación: falló la compilación de {name}: {said} (¿está instalado libc6-dev? "
                            "ejecute: sudo scripts/provision)",
    "guest-kernel.tool-failed": "núcleo invitado de libvirt: {tool} falló ({said}); ejecute: sudo scripts/provision",
    "guest-kernel.fetch-failed": "núcleo invitado de libvirt: `{command}` falló: {said} (¿se alcanza el archivo de "
                                 "Debian? pruebe: sudo apt-get update)",
    "guest-kernel.no-apt": "núcleo invitado de libvirt: apt-cache no se puede usar ({said}); la VM necesita un "
                           "anfitrión Debian/Ubuntu",
    "guest-kernel.unknown-package": "núcleo invitado de libvirt: apt no conoce el paquete {package}; ejecute: sudo "
                                    "apt-get update",
    "guest-kernel.no-dependency": "núcleo invitado de libvirt: {package} no depende de ningún paquete linux-image "
                                  "('{depends}')",
    "guest-kernel.not-elf64": "núcleo invitado de libvirt: un módulo no es un fichero ELF de 64 bits",
    "guest-kernel.unreadable-module": "núcleo invitado de libvirt: no se puede leer el módulo {module} (solo se "
                                      "admiten .ko y .ko.xz)",
    "guest-kernel.module-cycle": "núcleo invitado de libvirt: ciclo de dependencias entre módulos: {cycle}",
    "guest-kernel.module-missing": "núcleo invitado de libvirt: el módulo {module} no está en el paquete del núcleo",
    "guest-disk.no-mke2fs": "disco invitado de libvirt: no se encuentra mke2fs; ejecute: sudo apt-get install "
                            "e2fsprogs",
    "guest-disk.mkfs-failed": "disco invitado de libvirt: mkfs.ext4 -d falló: {said}",
    "microvm.download-failed": "microvm: apt-get download {package} falló: {said} (¿se alcanza el archivo de "
                               "Debian? pruebe: sudo apt-get update)",
    # -- vz preparando un CT: su disco, su red, su nombre ---------------------------------------------------------
    "vz.no-mkfs": "no se encuentra mkfs.ext4: sudo apt-get install e2fsprogs (o sudo scripts/provision)",
    "vz.mkfs-failed": "mkfs.ext4 {path}: {said}",
    "vz.no-net-tool": "no se encuentra {tool}: sudo apt-get install iproute2 util-linux (o sudo scripts/provision)",
    "vz.ip-failed": "{what}: ip: {said}",
    "vz.sysctl-failed": "{key} = {value}: {said}",
    "vz.link-del-failed": "CT {ctid}: ip link del {device}: {said}",
    "vz.hostname-not-written": "el nombre del equipo está puesto, pero no escrito: {said}",
}

# The fixed words a session stores as plain text, looked up whole (no pattern): the labels of the Tools column
# (the keys of Runtime.versions() that are words, not a tool's name; the others are in catalogue_es.py), and
# "unknown", the value of a host fact that could not be read (bench/metadata.py).
ES_WORDS: dict[str, str] = {
    "limits": "límites",
    "host quirk": "peculiaridad del anfitrión",
    "host quirk: cgroups": "peculiaridad del anfitrión: cgroups",
    "host quirk: rlimits": "peculiaridad del anfitrión: rlimits",
    "accelerator": "acelerador",
    "accelerator check": "comprobación del acelerador",
    "guest kernel": "núcleo invitado",
    "guest size": "tamaño del invitado",
    "disk": "disco",
    "oci runtime": "runtime OCI",
    "engine": "motor",
    "bundle": "bundle OCI",
    "unknown": "desconocido",
}
