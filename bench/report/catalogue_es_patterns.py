"""Spanish of the English text that sessions stored before messages were data (schema version < 4): old sessions only.

Needed only for sessions stored by earlier versions of isobench. A session
stored now keeps every skip reason, run error, Tools-column note and the
Docker engine's reason as a code and its fields (runtimes/kernel/messages.py),
written in Spanish from bench/report/messages_es.py, whose ``ES_WORDS`` also
holds the Tools column's labels and "unknown": no text it stores needs this
table (tests/integration/test_messages_stored.py renders a real session with
the table switched off). Do not add entries here; the table stays, frozen, so that
older sessions still read in Spanish (tests/unit/test_report_stored_es.py,
``STORED``, keeps their texts reading so).

In those sessions a skip's reason (``Runtime.available``, a failed setup), a
failed run's error (an instance that never got ready, a density step that did
not fit) and the notes of the report's Tools column (``Runtime.versions``) are
English sentences built at run time and kept as text. So they are translated
when the report is built: each entry below is one family
of messages, written as its code writes it, with ``{field}`` where a value was
filled in, and its Spanish, which places the same fields. The first entry
that matches the whole text wins, so a narrower one goes before a wider one.

How a field's text is written in Spanish (``Catalogue.stored``): a number
takes the report's separators (2.50 → 2,50); a field named ``{reason}`` holds
another of these messages, translated the same way; any other field is a
value (a path, a command, a tool's own output) shown as it is, unless the
catalogue has it ("no output").

Rewording a runtime's message changes its English template (a code's), never
this table: the texts below are those the earlier versions wrote.
"""

from __future__ import annotations

import re

_FIELD = re.compile(r"\{(\w+)\}")


def _like(english: str) -> re.Pattern[str]:
    """The regex of a message written as its code writes it: ``{name}`` is any text, captured as ``name``.

    A field named twice must hold the same text both times (a backreference).
    """
    parts, seen, at = [], set(), 0
    for field in _FIELD.finditer(english):
        name = field.group(1)
        parts += [re.escape(english[at:field.start()]), f"(?P={name})" if name in seen else f"(?P<{name}>.+?)"]
        seen.add(name)
        at = field.end()
    return re.compile("".join(parts) + re.escape(english[at:]), re.DOTALL)


_MESSAGES = (
    # -- why a runtime cannot run here: Runtime.available() → Availability.no(reason, fix) ----------------------
    # runtimes/chroot.py
    ("chroot(2) needs root (CAP_SYS_CHROOT)", "chroot(2) necesita root (CAP_SYS_CHROOT)"),
    # runtimes/peers/_common.py check_tools (every peer)
    ("needs root for namespaces, mounts and cgroups",
     "necesita root para los espacios de nombres, los montajes y los cgroups"),
    # runtimes/box/runtime.py
    ("{runtime} needs root for namespaces, mounts and cgroups",
     "{runtime} necesita root para los espacios de nombres, los montajes y los cgroups"),
    # runtimes/openvz/runtime.py
    ("{runtime} needs root for namespaces, loop devices, veth and cgroups",
     "{runtime} necesita root para los espacios de nombres, los dispositivos loop, veth y los cgroups"),
    ("no loop devices (/dev/loop-control missing)", "no hay dispositivos loop (falta /dev/loop-control)"),
    # runtimes/openvz/runtime.py (ext4), runtimes/box/runtime.py (OverlayFS)
    ("the kernel has no {filesystem}", "el núcleo no tiene {filesystem}"),
    ("cgroups unusable: {reason}", "los cgroups no se pueden usar: {reason}"),
    # runtimes/kernel/cgroups.py CgroupV1 (inside the one above)
    ("cgroup v1 controllers not mounted: {controllers}", "controladores de cgroup v1 sin montar: {controllers}"),
    # runtimes/vm/libvirt.py
    ("libvirt's system daemon (qemu:///system) needs root", "el demonio de sistema de libvirt (qemu:///system) necesita root"),
    ("the libvirt Python module is not installed", "el módulo de Python de libvirt no está instalado"),
    ("libvirtd is not reachable on {uri} ({said})", "libvirtd no responde en {uri} ({said})"),
    ("{reason}, so every VM start would take minutes", "{reason}, así que cada arranque de una VM tardaría minutos"),
    # runtimes/vm/accel.py kvm_device_problem (inside the one above)
    ("group kvm does not exist", "el grupo kvm no existe"),
    ("{device} is mode {mode}, group {gid}: libvirt's QEMU user (group kvm) cannot open it",
     "{device} tiene el modo {mode} y el grupo {gid}: el usuario de QEMU de libvirt (grupo kvm) no puede abrirlo"),
    # runtimes/peers/_common.py check_answers
    ("`{command}` failed: {said}", "`{command}` falló: {said}"),
    ("`{command}` exited {status}: {said}", "`{command}` terminó con el estado {status}: {said}"),
    ("no output", "sin salida"),  # also vm/libvirt.py and qemu.py, when a guest printed nothing
    # runtimes/peers/docker.py engine_answers
    ("no Docker engine answers on {path} ({said})", "ningún motor Docker responde en {path} ({said})"),
    ("{path} answered, but not as a Docker engine", "{path} respondió, pero no como un motor Docker"),
    # runtimes/peers/docker.py available, runtimes/peers/docker_engine.py DockerEngine (a start that failed)
    ("the suite could not start a Docker engine: {reason}", "la suite no pudo arrancar un motor Docker: {reason}"),
    ("dockerd is not installed (sudo scripts/provision installs docker.io)",
     "dockerd no está instalado (sudo scripts/provision instala docker.io)"),
    ("dockerd exited with status {status}: {said}", "dockerd terminó con el estado {status}: {said}"),
    ("dockerd did not answer within {seconds} s: {said}", "dockerd no respondió en {seconds} s: {said}"),
    ("another run's dockerd holds {path} (bench clean stops it)",
     "el dockerd de otra ejecución ocupa {path} (bench clean lo para)"),
    # runtimes/chroot.py, runtimes/peers/_common.py check_tools, runtimes/openvz/runtime.py, runtimes/vm/libvirt.py;
    # after check_answers' two, whose tool output may end in "not found" too
    ("{tool} not found", "no se encuentra {tool}"),

    # -- the fix beside a reason (Availability.fix; most are a command, shown as it is) -------------------------
    ("run as root: sudo bench ...", "ejecútelo como root: sudo bench ..."),
    ("sudo apt-get install {package} (or sudo scripts/provision)", "sudo apt-get install {package} (o sudo scripts/provision)"),
    ("mount the cgroup controllers (see bench doctor)", "monte los controladores de cgroups (vea bench doctor)"),
    # runtimes/vm/libvirt.py
    ("{command} (gives /dev/kvm to group kvm, as udev does)", "{command} (da /dev/kvm al grupo kvm, como hace udev)"),
    ("{command} (starts virtlogd and libvirtd)", "{command} (arranca virtlogd y libvirtd)"),
    # runtimes/peers/docker.py START_HINT
    ("install and start a Docker engine: {command}", "instale y arranque un motor Docker: {command}"),
    ("sudo scripts/provision (installs docker.io); a `bench run` starts the engine itself",
     "sudo scripts/provision (instala docker.io); un `bench run` arranca el motor por sí mismo"),

    # -- a setup that failed: bench/runner.py _set_up, around a RuntimeUnavailable ("runtime: reason (fix)") ---
    ("setup failed: {reason}", "falló la preparación: {reason}"),
    # runtimes/vm/libvirt.py setup
    ("{runtime}: libvirtd is not reachable ({said}) ({command})", "{runtime}: libvirtd no responde ({said}) ({command})"),
    # runtimes/peers/engine.py import_image
    ("{runtime}: {tool} import of the suite's image failed: {said}",
     "{runtime}: falló la importación de la imagen de la suite con {tool}: {said}"),
    # runtimes/peers/hybrid.py WithoutCgroup2
    ("{runtime}: cannot make a mount namespace without {mount}: {said} (check that unshare(1) and umount work as root)",
     "{runtime}: no se puede crear un espacio de nombres de montaje sin {mount}: {said} "
     "(compruebe que unshare(1) y umount funcionan como root)"),

    # -- a failed run's error ------------------------------------------------------------------------------------
    # bench/density.py run_step and Budget.refusal ({noun}: "instance" or "instances")
    ("{n} instances: {reason}", "{n} instancia(s): {reason}"),
    ("not started: {n} {noun} would need about {need} GiB and leave less than the {margin} GiB margin of the "
     "{available} GiB available (lower [density] margin_mib or max_instances)",
     "no se inició: {n} instancia(s) necesitarían unos {need} GiB y dejarían menos del margen de {margin} GiB "
     "de los {available} GiB disponibles (reduzca margin_mib o max_instances en [density])"),
    # bench/runner.py run_once
    ("probe error in {mode}: {what} (errno {errno})", "error de la sonda en {mode}: {what} (errno {errno})"),
    ("workload exited with status {status}: {said}", "la carga terminó con el estado {status}: {said}"),
    ("workload exited with status {status}", "la carga terminó con el estado {status}"),
    # runtimes/_process.py SpawnedInstance, runtimes/vm/instance.py GuestInstance (libvirt, qemu, microvm)
    ("{runtime}: no ready line within {seconds} s", "{runtime}: ninguna línea de «listo» en {seconds} s"),
    ("{runtime}: workload closed its output before it was ready",
     "{runtime}: la carga cerró su salida antes de estar lista"),
    ("{runtime}: workload exited with status {status} before it was ready: {said}",
     "{runtime}: la carga terminó con el estado {status} antes de estar lista: {said}"),
    ("{runtime}: still running after {seconds} s", "{runtime}: sigue en marcha después de {seconds} s"),
    ("{runtime}: output closed but the process did not exit within {seconds} s",
     "{runtime}: la salida se cerró, pero el proceso no terminó en {seconds} s"),
    ("{runtime}: cannot launch {program}: {said}", "{runtime}: no se puede lanzar {program}: {said}"),
    ("{runtime}: the VM stopped before the workload was ready: {said}",
     "{runtime}: la VM se detuvo antes de que la carga estuviera lista: {said}"),
    ("{runtime}: the VM still runs after {seconds} s", "{runtime}: la VM sigue en marcha después de {seconds} s"),
    ("{runtime}: the VM stopped without reporting the workload's exit status: {said}",
     "{runtime}: la VM se detuvo sin informar del estado de salida de la carga: {said}"),

    # -- the Tools column: Runtime.versions(), names and notes ---------------------------------------------------
    ("limits", "límites"),
    ("host quirk", "peculiaridad del anfitrión"),
    ("host quirk: {what}", "peculiaridad del anfitrión: {what}"),  # runtimes/peers/podman.py: cgroups, rlimits
    ("accelerator", "acelerador"),
    ("accelerator check", "comprobación del acelerador"),
    ("guest kernel", "núcleo invitado"),
    ("guest size", "tamaño del invitado"),
    ("disk", "disco"),
    ("oci runtime", "runtime OCI"),
    ("engine", "motor"),
    # runtimes/peers/unshare.py, runtimes/peers/bwrap.py
    ("not enforced ({tool} makes no cgroup)", "no se aplican ({tool} no crea ningún cgroup)"),
    # runtimes/peers/hybrid.py NOTE (crun, and podman running crun)
    ("{tool} refuses this hybrid cgroup host (v1 controllers plus cgroup2 at {mount}): each launch runs in a "
     "private mount namespace without {mount} (nsenter; the host is unchanged)",
     "{tool} rechaza este anfitrión de cgroups híbrido (controladores v1 más cgroup2 en {mount}): cada lanzamiento "
     "se ejecuta en un espacio de nombres de montaje privado sin {mount} (nsenter; el anfitrión no cambia)"),
    # runtimes/peers/podman.py RLIMIT_NOTE
    ("root lacks CAP_SYS_RESOURCE, so podman's default rlimits cannot be set: each run gets {flags}",
     "root no tiene CAP_SYS_RESOURCE, así que no se pueden poner los rlimits predeterminados de podman: "
     "cada ejecución lleva {flags}"),
    # runtimes/peers/microvm.py CLOCK_NOTE
    ("software emulation: the guest kernel is given the TSC's rate (tsc_early_khz={khz} tsc=reliable), having no "
     "HPET or ACPI timer to calibrate it against",
     "emulación por software: al núcleo invitado se le da la frecuencia del TSC (tsc_early_khz={khz} tsc=reliable), "
     "porque no tiene HPET ni temporizador ACPI con los que calibrarla"),
    # runtimes/peers/oci.py
    ("OCI runtime spec {version} config.json written by {path}",
     "config.json de la especificación de runtime OCI {version}, escrito por {path}"),
    # runtimes/box/runtime.py, runtimes/openvz/runtime.py
    ("libseccomp filter", "filtro libseccomp"),
    ("none (python3-seccomp missing)", "ninguno (falta python3-seccomp)"),
    # runtimes/peers/_common.py first_line: a tool that printed no version
    ("unknown", "desconocida"),
    ("unknown ({said})", "desconocida ({said})"),
    # runtimes/vm/libvirt.py (io=), runtimes/peers/qemu.py (aio=)
    ("virtio-blk, qcow2 overlay over raw ext4, cache={cache}, {option}={mode}",
     "virtio-blk, capa qcow2 sobre ext4 en bruto, cache={cache}, {option}={mode}"),
    ("{vcpus} vCPU, {mib} MiB unless a scenario's [limits] say otherwise",
     "{vcpus} vCPU, {mib} MiB salvo que la sección [limits] de un escenario diga otra cosa"),
    # runtimes/vm/accel.py choose_accelerator: the "accelerator check" of libvirt and qemu
    ("{device} does not exist: no hardware virtualisation here",
     "{device} no existe: aquí no hay virtualización por hardware"),
    ("a probe boot under KVM was ready within {seconds} s", "un arranque de prueba con KVM estuvo listo en {seconds} s"),
    ("{device} exists but a probe boot under KVM failed ({reason}), so QEMU emulates the CPU in software",
     "{device} existe, pero un arranque de prueba con KVM falló ({reason}), así que QEMU emula la CPU por software"),
)

ES_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple((_like(en), es) for en, es in _MESSAGES)
