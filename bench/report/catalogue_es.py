"""Spanish of the text the report shows but does not own, keyed by its English (see bench.report.i18n).

The report's own words (headings, explanations, warnings, chart titles and axes, `bench compare`'s
verdicts) are not here: they are in bench.report.texts, keyed by a code, English and Spanish side by
side, so rewording one never loses the other. What stays keyed by its English, on purpose:

- Text stored with a session, which a report of an old session must still translate: each runtime's
  summary and launch sentence (stored with its runs; an older wording falls back to English), host
  metadata values written as words ("yes", "present", "none: no cpufreq driver …") and the notes a
  runtime stored beside its tool versions before notes were messages (bench/report/messages_es.py
  holds the Spanish of those that are).
- Text registered by other modules, which the terminal table and the exports print in English too:
  metric labels and descriptions and the isolation checks (bench.metrics), host metadata labels
  (bench.metadata), and the literature (bench.report.literature). Their English is what the report
  asks for, so it is the key; tests/unit/test_report_views.py fails when one has no entry here,
  so rewording one of them in its module shows up as a failing test, not as English in a Spanish page.

A key missing here is shown in English. A few entries are the same in both languages (CPU, Python):
they are listed so that none counts as missing.
"""

ES: dict[str, str] = {
    'kernel':
        'núcleo',
    'Docker engine answered':
        'el motor Docker respondió',
    'Docker engine':
        'motor Docker',
    'why the Docker engine did not start':
        'por qué no arrancó el motor Docker',
    'dockerd options':
        'opciones de dockerd',
    'already running':
        'ya estaba en marcha',
    'dockerd started by the suite':
        'dockerd arrancado por la suite',
    'launch → READY':
        'lanzamiento → READY',
    "from the launch call until the host reads the probe's ready line":
        'desde la llamada de lanzamiento hasta que el anfitrión lee la línea de «listo» de la sonda',
    'launch → exited':
        'lanzamiento → terminado',
    'from the launch call until the workload has exited and been reaped':
        'desde la llamada de lanzamiento hasta que la carga ha terminado y ha sido recogida',
    'launch → cleaned up':
        'lanzamiento → limpiado',
    "until the instance's every resource is released":
        'hasta que se libera cada recurso de la instancia',
    'host memory (PSS)':
        'memoria del anfitrión (PSS)',
    'proportional set size of every host process of the instance':
        'tamaño proporcional (PSS) de cada proceso del anfitrión de la instancia',
    "the workload's own memory":
        'memoria propia de la carga',
    "PSS of the probe's own process (or its RSS, read inside a VM)":
        'PSS del propio proceso de la sonda (o su RSS, leído dentro de una VM)',
    'isolation overhead':
        'sobrecarga del aislamiento',
    'host PSS minus what the workload itself uses':
        'PSS en el anfitrión menos lo que usa la propia carga',
    'isolation: runtime processes':
        'aislamiento: procesos del entorno',
    "PSS of the instance's host processes beside the workload (box-init, a CT's init, QEMU itself without the guest's RAM)":
        'PSS de los procesos de la instancia en el anfitrión aparte de la carga (box-init, el init de un CT, el propio QEMU sin la RAM del invitado)',
    'isolation: guest kernel and its caches':
        'aislamiento: núcleo invitado y sus cachés',
    "a VM's guest RAM in use (PSS of QEMU's guest memory) minus the workload's own: the guest kernel, its page cache, its init":
        'RAM del invitado en uso en una VM (PSS de la memoria del invitado en QEMU) menos la de la carga: el núcleo invitado, su caché de páginas, su init',
    'isolation: host page cache':
        'aislamiento: caché de páginas del anfitrión',
    "page cache charged to the instance's cgroup (files it read or wrote); not part of PSS":
        'caché de páginas cargada al cgroup de la instancia (ficheros que leyó o escribió); no forma parte del PSS',
    'cgroup anonymous memory':
        'memoria anónima del cgroup',
    "anonymous memory charged to the instance's cgroup":
        'memoria anónima cargada al cgroup de la instancia',
    'cgroup page cache':
        'caché de páginas del cgroup',
    "page cache charged to the instance's cgroup":
        'caché de páginas cargada al cgroup de la instancia',
    'fixed CPU work, wall time':
        'trabajo fijo de CPU, tiempo real',
    "the probe's fixed integer work, timed inside":
        'el trabajo fijo con enteros de la sonda, cronometrado dentro',
    'fixed CPU work, CPU time':
        'trabajo fijo de CPU, tiempo de CPU',
    'user + system CPU time of that work':
        'tiempo de CPU de usuario + sistema de ese trabajo',
    'touch N MiB':
        'tocar N MiB',
    'time to fault in every page of the allocation':
        'tiempo para provocar el fallo de cada página de la reserva',
    'getppid (empty system call)':
        'getppid (llamada al sistema vacía)',
    'one system call that does no work: the bare trip into the kernel and back':
        'una llamada al sistema que no hace nada: solo el viaje al núcleo y la vuelta',
    'open + close of a file':
        'open + close de un fichero',
    'open(2) and close(2) of a file of the image':
        'open(2) y close(2) de un fichero de la imagen',
    'stat of a file':
        'stat de un fichero',
    'stat(2) of a file of the image: a path lookup':
        'stat(2) de un fichero de la imagen: una búsqueda de ruta',
    '4 KiB page fault':
        'fallo de página de 4 KiB',
    'mmap(2) of 4 KiB, the first write to it, munmap(2)':
        'mmap(2) de 4 KiB, la primera escritura en ella y munmap(2)',
    'pipe round trip':
        'ida y vuelta por una tubería',
    'one byte to another process and back through two pipes: two context switches':
        'un byte a otro proceso y de vuelta por dos tuberías: dos cambios de contexto',
    'fork + exit + wait':
        'fork + exit + wait',
    'fork(2) of a small static process, its _exit(2), waitpid(2) in the parent':
        'fork(2) de un proceso estático pequeño, su _exit(2) y waitpid(2) en el padre',
    "sequential write (fsync'd)":
        'escritura secuencial (con fsync)',
    '1 MiB blocks, one fsync at the end':
        'bloques de 1 MiB, un fsync al final',
    'sequential read (O_DIRECT)':
        'lectura secuencial (O_DIRECT)',
    '1 MiB blocks, bypassing the page cache':
        'bloques de 1 MiB, saltando la caché de páginas',
    '4 KiB random read':
        'lectura aleatoria de 4 KiB',
    'queue depth 1, O_DIRECT':
        'profundidad de cola 1, O_DIRECT',
    '4 KiB random read p50':
        'lectura aleatoria de 4 KiB p50',
    'median latency of one read':
        'latencia mediana de una lectura',
    '4 KiB random read p99':
        'lectura aleatoria de 4 KiB p99',
    '99th percentile latency of one read':
        'percentil 99 de la latencia de una lectura',
    '4 KiB write + fsync p50':
        'escritura de 4 KiB + fsync p50',
    'median latency':
        'latencia mediana',
    '4 KiB write + fsync p99':
        'escritura de 4 KiB + fsync p99',
    '99th percentile latency':
        'percentil 99 de la latencia',
    'instances at once':
        'instancias a la vez',
    'how many idle instances ran side by side in this step':
        'cuántas instancias inactivas se ejecutaron a la vez en este paso',
    'launch → all N ready':
        'lanzamiento → las N listas',
    'from the first launch call until every one of the N instances is ready':
        'desde la primera llamada de lanzamiento hasta que cada una de las N instancias está lista',
    'stop → all N cleaned up':
        'parada → las N limpiadas',
    'from the first stop until all N instances are gone and every resource is released':
        'desde la primera parada hasta que las N instancias han desaparecido y se ha liberado cada recurso',
    'host memory used (MemAvailable drop)':
        'memoria del anfitrión usada (caída de MemAvailable)',
    "how much /proc/meminfo MemAvailable fell while the N instances ran: the whole host's view":
        'cuánto bajó MemAvailable de /proc/meminfo mientras se ejecutaban las N instancias: la visión de todo el anfitrión',
    'host memory (summed PSS)':
        'memoria del anfitrión (PSS sumado)',
    'PSS of every host process of the N instances, each counted once':
        'PSS de cada proceso del anfitrión de las N instancias, cada uno contado una vez',
    'host memory per instance':
        'memoria del anfitrión por instancia',
    'the MemAvailable drop divided by N':
        'la caída de MemAvailable dividida entre N',
    'MemAvailable drift over the step':
        'deriva de MemAvailable en el paso',
    "how far MemAvailable fell from before the launch to after the cleanup: other work's share of the drop":
        'cuánto bajó MemAvailable desde antes del lanzamiento hasta después de la limpieza: la parte de la caída debida a otro trabajo',
    'VM: disk overlay':
        'VM: disco superpuesto',
    "the instance's copy-on-write disk (qemu-img) and console socket":
        'el disco copy-on-write de la instancia (qemu-img) y el socket de consola',
    'VM: libvirt before QEMU':
        'VM: libvirt antes de QEMU',
    "from createXML until QEMU's process exists: libvirt's own work":
        'desde createXML hasta que existe el proceso de QEMU: el trabajo propio de libvirt',
    'VM: QEMU start':
        'VM: arranque de QEMU',
    'QEMU builds the machine; libvirt sets it up over QMP (it checks the guest CPU feature by feature), then starts the CPU':
        'QEMU construye la máquina; libvirt la configura por QMP (comprueba la CPU invitada característica a característica) y después arranca la CPU',
    'VM: firmware':
        'VM: firmware',
    'BIOS, loading the kernel and initramfs, the kernel unpacking itself':
        'BIOS, carga del núcleo y del initramfs, el núcleo descomprimiéndose',
    'VM: guest kernel':
        'VM: núcleo invitado',
    "from the guest kernel's clock starting until its initramfs runs":
        'desde que arranca el reloj del núcleo invitado hasta que se ejecuta su initramfs',
    'VM: initramfs':
        'VM: initramfs',
    'loading the virtio drivers, mounting the disk, switch_root':
        'carga de los controladores virtio, montaje del disco, switch_root',
    'VM: init and probe':
        'VM: init y sonda',
    "the disk's init starts the probe, until it prints READY":
        'el init del disco arranca la sonda, hasta que imprime READY',
    'VM: power-off':
        'VM: apagado',
    "from the workload's exit until QEMU is gone (sync, ACPI power-off)":
        'desde que termina la carga hasta que QEMU ha desaparecido (sync, apagado ACPI)',
    'guest: memory it sees':
        'invitado: memoria que ve',
    'MemTotal inside the guest: its RAM minus what its kernel reserved':
        'MemTotal dentro del invitado: su RAM menos lo que reservó su núcleo',
    'guest: memory available':
        'invitado: memoria disponible',
    'MemAvailable inside the guest, while the workload held its memory':
        'MemAvailable dentro del invitado, mientras la carga retenía su memoria',
    'CT start → init ready':
        'arranque del CT → init listo',
    "vz start: cgroup, namespaces, loop-mounted disk image, veth pair, pivot_root, then the CT's init (busybox) runs its inittab's boot actions":
        'vz start: cgroup, espacios de nombres, imagen de disco montada en loop, par veth, pivot_root, y después el init del CT (busybox) ejecuta las acciones de arranque de su inittab',
    "CT: its init's own boot":
        'CT: el arranque de su propio init',
    "from the exec of the CT's init until its inittab's boot actions have run":
        'desde el exec del init del CT hasta que se han ejecutado las acciones de arranque de su inittab',
    'idle CT: host memory (PSS)':
        'CT inactivo: memoria del anfitrión (PSS)',
    'PSS of every process of the freshly started, idle CT (its init)':
        'PSS de cada proceso del CT recién arrancado e inactivo (su init)',
    'idle CT: cgroup anonymous memory':
        'CT inactivo: memoria anónima del cgroup',
    "anonymous memory charged to the idle CT's cgroup":
        'memoria anónima cargada al cgroup del CT inactivo',
    'idle CT: cgroup page cache':
        'CT inactivo: caché de páginas del cgroup',
    "page cache charged to the idle CT's cgroup (its boot read its disk)":
        'caché de páginas cargada al cgroup del CT inactivo (su arranque leyó su disco)',
    'escape its root (classic chroot escape)':
        'escapar de su raíz (el clásico escape de chroot)',
    "chroot only changes where '/' starts; root can chroot again and climb out. pivot_root in a new mount namespace leaves no path back":
        "chroot solo cambia dónde empieza '/'; root puede hacer chroot otra vez y salir trepando. pivot_root en un nuevo espacio de nombres de montaje no deja camino de vuelta",
    'see a host process':
        'ver un proceso del anfitrión',
    'a PID namespace gives the instance its own process numbers: host processes do not exist for it':
        'un espacio de nombres PID da a la instancia sus propios números de proceso: para ella los procesos del anfitrión no existen',
    'signal a host process':
        'enviar una señal a un proceso del anfitrión',
    'what cannot be seen cannot be signalled: the PID namespace, not permissions, protects host processes':
        'lo que no se puede ver no se puede señalar: es el espacio de nombres PID, no los permisos, lo que protege los procesos del anfitrión',
    'ptrace a host process':
        'hacer ptrace a un proceso del anfitrión',
    "ptrace reads and rewrites another process's memory; PID namespace, dropped CAP_SYS_PTRACE and seccomp each stop it":
        'ptrace lee y reescribe la memoria de otro proceso; el espacio de nombres PID, retirar CAP_SYS_PTRACE y seccomp lo impiden cada uno',
    "see the host's network interfaces":
        'ver las interfaces de red del anfitrión',
    "a network namespace has its own interfaces, routes and firewall: the host's eth0 is not in it":
        'un espacio de nombres de red tiene sus propias interfaces, rutas y cortafuegos: el eth0 del anfitrión no está en él',
    "raw packet socket on the host's interface":
        'socket de paquetes en bruto en la interfaz del anfitrión',
    'a raw socket (CAP_NET_RAW) can sniff and forge traffic, but only on interfaces its network namespace has':
        'un socket en bruto (CAP_NET_RAW) puede espiar y falsificar tráfico, pero solo en las interfaces que tiene su espacio de nombres de red',
    "connect to the host's abstract unix socket":
        'conectar con el socket unix abstracto del anfitrión',
    'abstract unix sockets have no file to hide: only a network namespace separates them (unix(7))':
        'los sockets unix abstractos no tienen fichero que esconder: solo un espacio de nombres de red los separa (unix(7))',
    "change the host's hostname":
        'cambiar el nombre del anfitrión',
    'the UTS namespace gives an instance its own hostname; without it, setting one renames the host':
        'el espacio de nombres UTS da a una instancia su propio nombre de máquina; sin él, poner uno renombra al anfitrión',
    "change the host's clock":
        'cambiar el reloj del anfitrión',
    'there is one real-time clock per kernel: only refusing CAP_SYS_TIME (or a guest kernel) protects it':
        'hay un reloj de tiempo real por núcleo: solo negar CAP_SYS_TIME (o un núcleo invitado) lo protege',
    'mount a filesystem':
        'montar un sistema de ficheros',
    "mount needs CAP_SYS_ADMIN; containers drop it (and seccomp refuses mount), a chroot's root keeps it":
        'mount necesita CAP_SYS_ADMIN; los contenedores la retiran (y seccomp rechaza mount), el root de un chroot la conserva',
    "mount the host's disk":
        'montar el disco del anfitrión',
    'with a device node and CAP_SYS_ADMIN every host file is readable, whatever the root directory is':
        'con un nodo de dispositivo y CAP_SYS_ADMIN se puede leer cualquier fichero del anfitrión, sea cual sea el directorio raíz',
    'read a host block device':
        'leer un dispositivo de bloques del anfitrión',
    'raw disk access bypasses every file permission: containers get no host device nodes':
        'el acceso directo al disco se salta todos los permisos de ficheros: los contenedores no reciben nodos de dispositivo del anfitrión',
    'make and open a device node (/dev/kmsg)':
        'crear y abrir un nodo de dispositivo (/dev/kmsg)',
    'CAP_MKNOD makes nodes for any device; the devices cgroup or a nodev mount decide whether they open':
        'CAP_MKNOD crea nodos para cualquier dispositivo; el cgroup de dispositivos o un montaje nodev deciden si se abren',
    'write a kernel setting in /proc/sys':
        'escribir un ajuste del núcleo en /proc/sys',
    'most of /proc/sys is global to the kernel: containers mount it read-only':
        'casi todo /proc/sys es global al núcleo: los contenedores lo montan de solo lectura',
    'open /proc/sysrq-trigger for writing':
        'abrir /proc/sysrq-trigger para escribir',
    'sysrq can reboot or crash the host kernel: containers get it read-only':
        'sysrq puede reiniciar o colgar el núcleo del anfitrión: los contenedores lo reciben de solo lectura',
    'load a kernel module':
        'cargar un módulo del núcleo',
    'a module runs as the kernel itself: CAP_SYS_MODULE is never given to a container':
        'un módulo se ejecuta como el propio núcleo: CAP_SYS_MODULE nunca se da a un contenedor',
    'limited in memory':
        'limitado en memoria',
    "a cgroup's memory limit OOM-kills the instance, not the host; chroot has no limits at all":
        'el límite de memoria de un cgroup mata por OOM a la instancia, no al anfitrión; chroot no tiene ningún límite',
    'limited in processes':
        'limitado en procesos',
    'the pids controller stops a fork bomb at the limit':
        'el controlador pids detiene una bomba fork en el límite',
    'limited in CPU time':
        'limitado en tiempo de CPU',
    'CFS bandwidth (cpu.max / cfs_quota_us) pauses the instance once it used its share of each period':
        'el ancho de banda de CFS (cpu.max / cfs_quota_us) pausa la instancia en cuanto ha usado su parte de cada periodo',
    # The isolation scorecard's groups, and each check's attack and explanation (bench/metrics.py ISOLATION_CHECKS).
    'reach the host':
        'alcanzar el anfitrión',
    "change the host's state":
        'cambiar el estado del anfitrión',
    "the kernel's attack surface":
        'la superficie de ataque del núcleo',
    'resource limits':
        'límites de recursos',
    'chroot escape':
        'escape de chroot',
    'climb out of a directory fd left open by the caller':
        'salir trepando por un descriptor de directorio que el llamante dejó abierto',
    'CVE-2024-21626 (leaked fd)':
        'CVE-2024-21626 (descriptor filtrado)',
    "a directory fd opened outside the container leads back to the host's root through '..'; runtimes close every fd above 2 before the workload starts":
        "un descriptor de directorio abierto fuera del contenedor lleva de vuelta a la raíz del anfitrión por '..'; los entornos cierran todo descriptor por encima de 2 antes de arrancar la carga de trabajo",
    'host processes visible':
        'procesos del anfitrión visibles',
    'signals across the boundary':
        'señales a través de la frontera',
    'process injection (ptrace)':
        'inyección en procesos (ptrace)',
    'host network visible':
        'red del anfitrión visible',
    'sniffing and spoofing':
        'espionaje y falsificación de tráfico',
    'CVE-2020-15257 class':
        'tipo CVE-2020-15257',
    'raw disk access':
        'acceso directo al disco',
    'host disk mounted':
        'disco del anfitrión montado',
    'open a file by its handle (open_by_handle_at)':
        'abrir un fichero por su handle (open_by_handle_at)',
    'Shocker (2014)':
        'Shocker (2014)',
    'a file handle is a few guessable numbers that open any file of a filesystem, so CAP_DAC_READ_SEARCH is never given to a container':
        'un handle de fichero son unos pocos números adivinables que abren cualquier fichero de un sistema de ficheros, así que CAP_DAC_READ_SEARCH nunca se da a un contenedor',
    'type into a terminal handed in (TIOCSTI)':
        'teclear en un terminal recibido (TIOCSTI)',
    'CVE-2017-5226 class':
        'tipo CVE-2017-5226',
    "a process sharing the caller's terminal can push keystrokes into the caller's shell; runtimes give a container a fresh pty, or none":
        'un proceso que comparte el terminal del llamante puede meter pulsaciones en el shell del llamante; los entornos dan al contenedor un pty nuevo, o ninguno',
    'read the kernel log (syslog)':
        'leer el registro del núcleo (syslog)',
    'kernel information leak':
        'fuga de información del núcleo',
    "the kernel log holds kernel addresses and every container's events; reading it needs CAP_SYSLOG":
        'el registro del núcleo contiene direcciones del núcleo y los sucesos de todos los contenedores; leerlo requiere CAP_SYSLOG',
    'host identity changed':
        'identidad del anfitrión cambiada',
    'host clock changed':
        'reloj del anfitrión cambiado',
    'mount (CAP_SYS_ADMIN)':
        'montaje (CAP_SYS_ADMIN)',
    'device node (CAP_MKNOD)':
        'nodo de dispositivo (CAP_MKNOD)',
    'open a device node on any mount without nodev':
        'abrir un nodo de dispositivo en cualquier montaje sin nodev',
    'device node on a volume':
        'nodo de dispositivo en un volumen',
    'every writable mount without nodev (a volume, the root itself) is a place for a device node: the devices cgroup must refuse to open it':
        'cada montaje escribible sin nodev (un volumen, la propia raíz) es un sitio para un nodo de dispositivo: el cgroup de dispositivos debe negarse a abrirlo',
    'global kernel setting':
        'ajuste global del núcleo',
    'open a global /sys setting for writing':
        'abrir para escribir un ajuste global de /sys',
    'uevent_helper escape':
        'escape por uevent_helper',
    '/sys holds settings of the whole machine, and uevent_helper names a program the kernel runs as host root: containers mount /sys read-only':
        '/sys contiene ajustes de toda la máquina, y uevent_helper nombra un programa que el núcleo ejecuta como root del anfitrión: los contenedores montan /sys de solo lectura',
    'host crash (sysrq)':
        'caída del anfitrión (sysrq)',
    'raise its own memory limit in the cgroup filesystem':
        'subir su propio límite de memoria en el sistema de ficheros de cgroups',
    'limits lifted from inside':
        'límites levantados desde dentro',
    'a writable cgroup filesystem lets the instance lift every limit the host set: containers mount it read-only':
        'un sistema de ficheros de cgroups escribible deja a la instancia levantar todos los límites que puso el anfitrión: los contenedores lo montan de solo lectura',
    "open the runtime's binary for writing":
        'abrir para escribir el binario del entorno',
    'CVE-2019-5736 (runc overwrite)':
        'CVE-2019-5736 (sobrescribir runc)',
    "a container that can write the runtime's binary through /proc/PID/exe takes over the host the next time it runs; runc runs from a sealed memfd copy":
        'un contenedor que puede escribir el binario del entorno a través de /proc/PID/exe se adueña del anfitrión la próxima vez que se ejecute; runc se ejecuta desde una copia memfd sellada',
    'kernel module':
        'módulo del núcleo',
    "capabilities beyond Docker's default set":
        'capacidades más allá del conjunto por defecto de Docker',
    'CVE-2022-24769 and excess capabilities':
        'CVE-2022-24769 y capacidades de más',
    "each capability is a piece of root's power over the shared kernel: containers keep Docker's fourteen and an empty inheritable set":
        'cada capacidad es un trozo del poder de root sobre el núcleo compartido: los contenedores conservan las catorce de Docker y un conjunto heredable vacío',
    'create a user namespace':
        'crear un espacio de nombres de usuario',
    'user namespaces (e.g. CVE-2022-0185)':
        'espacios de nombres de usuario (p. ej. CVE-2022-0185)',
    'in a new user namespace root gets capabilities that open kernel code written for the real root, where many kernel escapes begin':
        'en un espacio de nombres de usuario nuevo root obtiene capacidades que abren código del núcleo escrito para el root real, donde empiezan muchos escapes del núcleo',
    'clone(2) a child into new namespaces':
        'crear con clone(2) un hijo en espacios de nombres nuevos',
    'namespace flags through clone':
        'indicadores de espacios de nombres por clone',
    "clone with namespace flags is unshare by another door: Docker's seccomp profile checks the flags of clone too":
        'clone con indicadores de espacios de nombres es unshare por otra puerta: el perfil seccomp de Docker comprueba también los indicadores de clone',
    'clone3(2) a child into a new user namespace':
        'crear con clone3(2) un hijo en un espacio de nombres de usuario nuevo',
    "clone3 (flags out of seccomp's sight)":
        'clone3 (indicadores fuera de la vista de seccomp)',
    "seccomp cannot read clone3's flags, which are in memory, so Docker answers clone3 ENOSYS and libc falls back to clone":
        'seccomp no puede leer los indicadores de clone3, que están en memoria, así que Docker responde ENOSYS a clone3 y libc recurre a clone',
    'create mount, UTS, IPC, net, PID, cgroup or time namespaces':
        'crear espacios de nombres de montaje, UTS, IPC, red, PID, cgroup o tiempo',
    'new namespaces (e.g. CVE-2022-0492)':
        'espacios de nombres nuevos (p. ej. CVE-2022-0492)',
    'each namespace kind is kernel code the instance reaches; a new cgroup and mount namespace gave containers the release_agent escape':
        'cada tipo de espacio de nombres es código del núcleo al que llega la instancia; un espacio de nombres de cgroup y de montaje nuevos dieron a los contenedores el escape por release_agent',
    'set up an io_uring':
        'crear un io_uring',
    'io_uring (e.g. CVE-2022-29582)':
        'io_uring (p. ej. CVE-2022-29582)',
    'io_uring is a second system call interface that seccomp cannot see into, and a frequent source of kernel exploits: Docker refuses it':
        'io_uring es una segunda interfaz de llamadas al sistema en la que seccomp no puede mirar, y una fuente frecuente de exploits del núcleo: Docker la rechaza',
    'join a new kernel key ring (keyctl)':
        'unirse a un anillo de claves nuevo del núcleo (keyctl)',
    'key rings not namespaced (CVE-2016-0728 class)':
        'anillos de claves sin espacio de nombres (tipo CVE-2016-0728)',
    "the kernel's key rings belong to users, not to namespaces, so root in a container shares them with the host's root: Docker refuses keyctl":
        'los anillos de claves del núcleo pertenecen a usuarios, no a espacios de nombres, así que root en un contenedor los comparte con el root del anfitrión: Docker rechaza keyctl',
    'create a BPF map':
        'crear un mapa BPF',
    'eBPF (e.g. CVE-2021-3490)':
        'eBPF (p. ej. CVE-2021-3490)',
    'BPF programs run inside the kernel and its verifier has had many holes: CAP_BPF and the bpf call stay outside containers':
        'los programas BPF se ejecutan dentro del núcleo y su verificador ha tenido muchos agujeros: CAP_BPF y la llamada bpf se quedan fuera de los contenedores',
    'open a performance event on itself':
        'abrir un evento de rendimiento sobre sí misma',
    'perf events (e.g. CVE-2013-2094)':
        'eventos de rendimiento (p. ej. CVE-2013-2094)',
    'perf_event_open is a large kernel interface with a history of escapes, allowed to containers only with CAP_PERFMON':
        'perf_event_open es una interfaz grande del núcleo con un historial de escapes, permitida a los contenedores solo con CAP_PERFMON',
    'create a userfaultfd':
        'crear un userfaultfd',
    'kernel race aid':
        'ayuda para carreras en el núcleo',
    'userfaultfd lets a process pause the kernel in the middle of a copy, which exploits use to win races: Docker refuses it':
        'userfaultfd deja a un proceso pausar el núcleo en mitad de una copia, algo que los exploits usan para ganar carreras: Docker lo rechaza',
    'a system call through the 32-bit ABI (int 0x80)':
        'una llamada al sistema por la ABI de 32 bits (int 0x80)',
    'CVE-2009-0835 class':
        'tipo CVE-2009-0835',
    'a seccomp filter lists system calls per architecture, so the 32-bit numbers are another door: filters kill any process that uses a foreign ABI':
        'un filtro seccomp enumera las llamadas al sistema por arquitectura, así que los números de 32 bits son otra puerta: los filtros matan a todo proceso que usa una ABI ajena',
    'memory exhaustion':
        'agotamiento de memoria',
    'fork bomb':
        'bomba fork',
    'CPU starvation':
        'acaparamiento de la CPU',
    'host':
        'anfitrión',
    'CPU':
        'CPU',
    'logical CPUs':
        'CPU lógicas',
    'CPU frequency governor':
        'gobernador de frecuencia de la CPU',
    'memory':
        'memoria',
    'operating system':
        'sistema operativo',
    'cgroup hierarchy':
        'jerarquía de cgroups',
    'init system (PID 1)':
        'sistema de arranque (PID 1)',
    'host is itself a VM':
        'el anfitrión es a su vez una VM',
    '/dev/kvm':
        '/dev/kvm',
    'Python':
        'Python',
    'isobench':
        'isobench',
    'image digest':
        'resumen (digest) de la imagen',
    'none: no cpufreq driver (a VM, or the firmware sets the clock)':
        'ninguno: no hay controlador cpufreq (una VM, o el firmware fija el reloj)',
    'yes':
        'sí',
    'no':
        'no',
    'present':
        'presente',
    'absent':
        'ausente',
    'Firecracker project, SPECIFICATION.md (github.com/firecracker-microvm/firecracker), the version of commit e7bc0a1; measured on an AWS i3.metal instance, hyperthreading disabled. Later versions state the same limits for a 1-CPU, 128 MiB microVM and add that the VMM\'s memory overhead depends on the workload and the configuration':
        'Proyecto Firecracker, SPECIFICATION.md (github.com/firecracker-microvm/firecracker), versión del commit e7bc0a1; medido en una instancia AWS i3.metal con el hyperthreading desactivado. Versiones posteriores dan los mismos límites para una microVM de 1 CPU y 128 MiB y añaden que la sobrecarga de memoria del VMM depende de la carga y de la configuración',
    'containers/crun, README.md, section “Performance” (github.com/containers/crun)':
        'containers/crun, README.md, sección «Performance» (github.com/containers/crun)',
    'A. Agache, M. Brooker, A. Iordache, A. Liguori, R. Neugebauer, P. Piwonka, D.-M. Popa. Firecracker: Lightweight Virtualization for Serverless Applications. 17th USENIX NSDI, 2020, pp. 419–434':
        'A. Agache, M. Brooker, A. Iordache, A. Liguori, R. Neugebauer, P. Piwonka, D.-M. Popa. Firecracker: Lightweight Virtualization for Serverless Applications. 17th USENIX NSDI, 2020, pp. 419–434',
    'W. Felter, A. Ferreira, R. Rajamony, J. Rubio. An Updated Performance Comparison of Virtual Machines and Linux Containers. IEEE ISPASS 2015, pp. 171–172, doi:10.1109/ISPASS.2015.7095802; full text: IBM Research Report RC25482 (AUS1407-001), July 21, 2014':
        'W. Felter, A. Ferreira, R. Rajamony, J. Rubio. An Updated Performance Comparison of Virtual Machines and Linux Containers. IEEE ISPASS 2015, pp. 171–172, doi:10.1109/ISPASS.2015.7095802; texto completo: IBM Research Report RC25482 (AUS1407-001), 21 de julio de 2014',
    'Firecracker spec: ≤ 125 ms to guest init (KVM)':
        'Especificación de Firecracker: ≤ 125 ms hasta el init del invitado (KVM)',
    "From the InstanceStart API call to the start of the guest's /sbin/init takes at most 125 ms, for a microVM with 2 vCPUs and 256 MiB and Firecracker's tuned guest kernel, under KVM.":
        'Desde la llamada InstanceStart de la API hasta que arranca /sbin/init en el invitado pasan como mucho 125 ms, para una microVM con 2 vCPU y 256 MiB y el núcleo invitado ajustado de Firecracker, con KVM.',
    'item “Overhead”':
        'punto «Overhead»',
    "read in the specification's text":
        'leído en el texto de la especificación',
    'crun README: 57 ms per /bin/true container (runc: 110 ms)':
        'README de crun: 57 ms por contenedor /bin/true (runc: 110 ms)',
    "Running 100 containers one after another, each running /bin/true, took 5.70 s with crun and 10.95 s with runc (no network namespace; 6.16 s and 11.17 s with a new network namespace) on the author's machine: about 57 ms and 110 ms per container, start to exit. An older version of the README gave 1.69 s and 3.34 s for the same test.":
        'Ejecutar 100 contenedores uno tras otro, cada uno con /bin/true, tardó 5,70 s con crun y 10,95 s con runc (sin espacio de nombres de red; 6,16 s y 11,17 s con uno nuevo) en la máquina del autor: unos 57 ms y 110 ms por contenedor, de principio a fin. Una versión anterior del README daba 1,69 s y 3,34 s para la misma prueba.',
    'table “100 /bin/true”':
        'tabla «100 /bin/true»',
    "read in the README's text; per-container times are our division by 100":
        'leído en el texto del README; los tiempos por contenedor son nuestra división entre 100',
    'Firecracker spec: VMM overhead ≤ 5 MiB':
        'Especificación de Firecracker: sobrecarga del VMM ≤ 5 MiB',
    "Firecracker's own threads (the virtual machine monitor, not the guest's RAM) use at most 5 MiB for a microVM with 2 vCPUs and 256 MiB.":
        'Los hilos propios de Firecracker (el monitor de máquina virtual, no la RAM del invitado) usan como mucho 5 MiB para una microVM con 2 vCPU y 256 MiB.',
    'Agache et al. 2020: ≈ 3 MB per microVM':
        'Agache et al. 2020: ≈ 3 MB por microVM',
    "Firecracker's memory overhead is about 3 MB per microVM, far below QEMU's; a general-purpose VMM carries far more device emulation.":
        'La sobrecarga de memoria de Firecracker es de unos 3 MB por microVM, muy por debajo de la de QEMU; un VMM de propósito general emula muchos más dispositivos.',
    '§6 (evaluation: memory overhead)':
        '§6 (evaluación: sobrecarga de memoria)',
    'taken from a summary of the paper, not its text: check the figure in §6 before quoting it':
        'tomado de un resumen del artículo, no de su texto: compruebe la cifra en el §6 antes de citarla',
    'Firecracker spec: guest CPU > 95 % of bare metal (time ≤ 1.05×)':
        'Especificación de Firecracker: CPU invitada > 95 % de la máquina física (tiempo ≤ 1,05\u00a0×)',
    'Compute-only guest CPU performance is above 95 % of the equivalent bare-metal performance under KVM (marked “integration test pending” in the specification). As a time ratio: at most about 1.05×.':
        'El rendimiento de CPU del invitado solo en cómputo supera el 95 % del de la máquina física equivalente con KVM (marcado «integration test pending» en la especificación). Como razón de tiempos: como mucho 1,05\u00a0× aproximadamente.',
    "read in the specification's text; the time ratio is our 1 / 0.95":
        'leído en el texto de la especificación; la razón de tiempos es nuestro 1 / 0,95',
    'Felter et al. 2015: KVM ≈ ½ native random IOPS; Docker ≈ native':
        'Felter et al. 2015: KVM ≈ ½ de las IOPS aleatorias de native; Docker ≈ native',
    "Under KVM, each I/O operation goes through QEMU, and the VM reached only about half as many random-I/O operations per second as native, while Docker's overhead was negligible. The paper's overall finding: containers perform equal to or better than VMs in almost all cases; both need tuning for I/O-heavy work.":
        'Con KVM, cada operación de E/S pasa por QEMU, y la VM alcanzó solo la mitad de operaciones de E/S aleatoria por segundo que native, mientras que la sobrecarga de Docker fue despreciable. La conclusión general del artículo: los contenedores rinden igual o mejor que las VM en casi todos los casos; ambos necesitan ajustes para trabajo intensivo en E/S.',
    'abstract; §IV (block I/O, fio random I/O)':
        'resumen; §IV (E/S de bloques, E/S aleatoria con fio)',
    "the conclusion is in the abstract's text; ‘KVM delivers only half as many IOPS because each I/O operation must go through QEMU’ is the paper's sentence as several readers quote it word for word (the paper itself was not read here); the authors' own fio logs (github.com/thewmf/kvm-docker-comparison, fio/results) agree: 4 KiB random reads, 8 jobs × queue depth 16, 84,044 IOPS native, 84,092 Docker, 42,543 KVM (0.51×)":
        'la conclusión está en el texto del resumen del artículo; «KVM delivers only half as many IOPS because each I/O operation must go through QEMU» es la frase del artículo tal como la citan literalmente varios lectores (el artículo mismo no se leyó aquí); los registros de fio publicados por los autores (github.com/thewmf/kvm-docker-comparison, fio/results) coinciden: lecturas aleatorias de 4 KiB, 8 trabajos × profundidad de cola 16, 84\u202f044 IOPS native, 84\u202f092 Docker, 42\u202f543 KVM (0,51\u00a0×)',
    'load average (1 min) at the start':
        'carga media (1 min) al empezar',
    'load average (1 min) at the end':
        'carga media (1 min) al terminar',
    'CPU busy with other work before the first run':
        'CPU ocupada en otro trabajo antes de la primera ejecución',
    'CPU time stolen by the hypervisor during the session':
        'tiempo de CPU robado por el hipervisor durante la sesión',
    'guest: its page cache':
        'invitado: su caché de páginas',
    "Buffers + Cached inside the guest, while the workload held its memory: part of the guest's RAM in use (overhead_guest_bytes)":
        'Buffers + Cached dentro del invitado, mientras la carga retenía su memoria: parte de la RAM del invitado en uso (overhead_guest_bytes)',
    # Each runtime's summary and launch sentence (its class attributes in runtimes/, stored with its runs
    # and shown in the report's Runtimes table), keyed by the English like everything here: an older
    # session's wording falls back to English, and tests/unit/test_report_views.py fails when a registered
    # runtime's current text has no entry.
    'plain host process: the baseline every figure is compared with':
        'proceso normal del anfitrión: la referencia con la que se compara cada cifra',
    "fork and exec of the probe by the harness (Python's subprocess), nothing else":
        'fork y exec de la sonda por el arnés de medida (subprocess de Python), nada más',
    'chroot(2): a different root directory, nothing else isolated':
        'chroot(2): otro directorio raíz, nada más aislado',
    'exec of chroot(8), a dynamically linked program, which calls chroot(2) and execs the probe: most of its extra start-up time is loading chroot(8) itself, the system call takes microseconds':
        'exec de chroot(8), un programa enlazado dinámicamente, que llama a chroot(2) y hace exec de la sonda: casi todo su tiempo de arranque extra es cargar el propio chroot(8); la llamada al sistema tarda microsegundos',
    'unshare(1) + chroot(8): the chroot runtime inside new namespaces, no cgroups':
        'unshare(1) + chroot(8): el entorno chroot dentro de espacios de nombres nuevos, sin cgroups',
    'exec of unshare(1), which unshares the namespaces, forks, mounts /proc on the root and execs chroot(8), which execs the probe as PID 1 of the new PID namespace; no cgroup, so limits are not enforced':
        'exec de unshare(1), que crea los espacios de nombres nuevos, hace fork, monta /proc en la raíz y hace exec de chroot(8), que hace exec de la sonda como PID 1 del nuevo espacio de nombres PID; sin cgroup, así que los límites no se aplican',
    'bubblewrap (bwrap), the namespace sandbox under Flatpak: namespaces and a bind-mounted root, no cgroups':
        'bubblewrap (bwrap), el sandbox de espacios de nombres en el que se apoya Flatpak: espacios de nombres y una raíz montada con bind, sin cgroups',
    'exec of bwrap, which unshares the namespaces, bind-mounts the root, mounts /proc and /dev, drops capabilities and forks the probe as PID 2 while it stays PID 1; no cgroup, so limits are not enforced':
        'exec de bwrap, que crea los espacios de nombres nuevos, monta la raíz con bind, monta /proc y /dev, retira capacidades y lanza la sonda con fork como PID 2 mientras él sigue siendo el PID 1; sin cgroup, así que los límites no se aplican',
    'OpenVZ-style system container (vz): its own init as PID 1, hostname, IP on a veth pair, cgroup limits, an ext4 disk image with a quota (runtimes/openvz/)':
        'contenedor de sistema al estilo OpenVZ (vz): su propio init como PID 1, nombre de máquina, IP en un par veth, límites de cgroup y una imagen de disco ext4 con cuota (runtimes/openvz/)',
    "exec into a CT started once per scenario: fork, join the CT's cgroup and all its namespaces with one setns(2), drop to the CT's capabilities, exec of a small static helper that forks the probe inside the CT. The CT's own start (vz_ct_start_s) is measured apart, once per scenario; memory figures are the whole CT's, and limits apply to the whole CT":
        'exec dentro de un CT arrancado una vez por escenario: fork, entrada en el cgroup del CT y en todos sus espacios de nombres con un solo setns(2), paso a las capacidades del CT y exec de un pequeño programa auxiliar estático que lanza la sonda con fork dentro del CT. El arranque del propio CT (vz_ct_start_s) se mide aparte, una vez por escenario; las cifras de memoria son las de todo el CT, y los límites se aplican a todo el CT',
    "LXC, the heir of OpenVZ's system containers in the mainline kernel: lxc-execute on the one image":
        'LXC, el heredero de los contenedores de sistema de OpenVZ en el núcleo oficial (mainline): lxc-execute sobre la imagen única',
    "`lxc-execute`: LXC's monitor creates the cgroups and namespaces, mounts the root filesystem, /proc, /sys and /dev, drops capabilities, loads seccomp and starts lxc-init as PID 1, which runs the probe; the monitor stays in the foreground until the container has stopped":
        '`lxc-execute`: el monitor de LXC crea los cgroups y los espacios de nombres, monta el sistema de ficheros raíz, /proc, /sys y /dev, retira capacidades, carga seccomp y arranca lxc-init como PID 1, que ejecuta la sonda; el monitor sigue en primer plano hasta que el contenedor se ha detenido',
    "isobench's own container runtime: namespaces, cgroups, OverlayFS, pivot_root (runtimes/box/)":
        'el motor de contenedores propio de isobench: espacios de nombres, cgroups, OverlayFS, pivot_root (runtimes/box/)',
    'fork of the harness into a new PID namespace, then in the child: cgroup, namespaces, OverlayFS, pivot_root, /proc /sys /dev, capabilities and seccomp, exec of box-init, which starts the probe':
        'fork del arnés de medida a un nuevo espacio de nombres PID y después, en el hijo: cgroup, espacios de nombres, OverlayFS, pivot_root, /proc /sys /dev, capacidades y seccomp, y exec de box-init, que arranca la sonda',
    "crun, the OCI runtime in C (podman's default), running the container box makes from an OCI bundle":
        'crun, el runtime OCI escrito en C (el predeterminado de podman), que ejecuta desde un bundle OCI el contenedor que prepara box',
    "a config.json written for the instance, then `crun run`: crun creates the cgroup and namespaces, mounts, pivot_root, capabilities and seccomp, and execs the probe as the container's PID 1, staying in the foreground until it exits; on a hybrid cgroup host crun is started through nsenter(1)":
        'un config.json escrito para la instancia y después `crun run`: crun crea el cgroup y los espacios de nombres, los montajes, pivot_root, las capacidades y seccomp, y hace exec de la sonda como PID 1 del contenedor, y sigue en primer plano hasta que termina; en un anfitrión con cgroups híbridos, crun se arranca a través de nsenter(1)',
    "runc, the reference OCI runtime in Go (under Docker and containerd), running box's container":
        'runc, el runtime OCI de referencia, escrito en Go (el que hay bajo Docker y containerd), que ejecuta el contenedor de box',
    'a config.json written for the instance, then `runc run`: runc re-executes itself as `runc init` inside the new namespaces, sets the container up and execs the probe as PID 1; `runc run` stays in the foreground until it exits':
        'un config.json escrito para la instancia y después `runc run`: runc se vuelve a ejecutar a sí mismo como `runc init` dentro de los espacios de nombres nuevos, prepara el contenedor y hace exec de la sonda como PID 1; `runc run` sigue en primer plano hasta que termina',
    'podman, the daemonless Docker-compatible engine: the image imported, `podman run --rm` per instance':
        'podman, el motor compatible con Docker y sin demonio: la imagen importada y un `podman run --rm` por instancia',
    "`podman run --rm`: the client prepares the OverlayFS root and the OCI config, starts conmon, which runs crun (or runc) to start the probe; the client stays attached, then removes the container. podman mounts a --rm container's OverlayFS with fsync=volatile (its data is thrown away), so fsync does nothing there: its io figures do not reach the disk as the other runtimes' do":
        '`podman run --rm`: el cliente prepara la raíz OverlayFS y la configuración OCI y arranca conmon, que ejecuta crun (o runc) para arrancar la sonda; el cliente sigue conectado y después elimina el contenedor. podman monta el OverlayFS de un contenedor --rm con fsync=volatile (sus datos se desechan), así que allí fsync no hace nada: sus cifras de E/S no llegan al disco como las de los demás entornos',
    'Docker: the image imported, `docker run --rm` per instance; the suite starts the engine for the run where none is running':
        'Docker: la imagen importada y un `docker run --rm` por instancia; la suite arranca el motor durante la ejecución donde no hay ninguno en marcha',
    '`docker run --rm`: the client asks dockerd, which asks containerd, whose shim runs runc to start the probe; the client stays attached, then dockerd removes the container':
        '`docker run --rm`: el cliente se lo pide a dockerd, que se lo pide a containerd, cuyo shim ejecuta runc para arrancar la sonda; el cliente sigue conectado y después dockerd elimina el contenedor',
    'full virtual machine: libvirt and QEMU boot the Debian cloud kernel with the image as its disk':
        'máquina virtual completa: libvirt y QEMU arrancan el núcleo cloud de Debian con la imagen como disco',
    "a copy-on-write overlay of the guest disk (qemu-img), then libvirt createXML of a transient domain and the whole boot: firmware, guest kernel, an initramfs loading the virtio drivers, the disk's init starting the probe; READY is read from the serial console, 'exited' is the guest powered off and QEMU gone. Limits: memory sets the guest's RAM, cpus its vCPUs (rounded up); pids are not enforced":
        'un disco superpuesto copy-on-write sobre el disco del invitado (qemu-img), después createXML de libvirt con un dominio transitorio y el arranque entero: firmware, núcleo invitado, un initramfs que carga los controladores virtio y el init del disco que arranca la sonda; READY se lee de la consola serie, y «terminado» es el invitado apagado y QEMU desaparecido. Límites: memory fija la RAM del invitado, cpus sus vCPU (redondeadas hacia arriba); pids no se aplica',
    "plain QEMU: the libvirt runtime's guest booted by qemu-system-x86_64 alone, without libvirt":
        'QEMU a secas: el invitado del entorno libvirt arrancado solo por qemu-system-x86_64, sin libvirt',
    "a copy-on-write overlay of the guest disk (qemu-img), then exec of qemu-system-x86_64 with a direct kernel boot and the whole boot: firmware, guest kernel, initramfs, the disk's init starting the probe; READY is read from the serial console, 'exited' is the guest powered off and QEMU gone. Limits: memory sets the guest's RAM, cpus its vCPUs (rounded up); pids are not enforced":
        'un disco superpuesto copy-on-write sobre el disco del invitado (qemu-img), después exec de qemu-system-x86_64 con arranque directo del núcleo y el arranque entero: firmware, núcleo invitado, initramfs y el init del disco que arranca la sonda; READY se lee de la consola serie, y «terminado» es el invitado apagado y QEMU desaparecido. Límites: memory fija la RAM del invitado, cpus sus vCPU (redondeadas hacia arriba); pids no se aplica',
    # runtimes/peers/nspawn.py, runtimes/peers/gvisor.py: summary and launch, then their versions() notes
    'systemd-nspawn, the system container that ships with systemd, on an overlay of the one image':
        'systemd-nspawn, el contenedor de sistema que viene con systemd, sobre un OverlayFS de la imagen única',
    'an OverlayFS over the image and a cgroup made for the instance, then a shell that joins the cgroup and execs systemd-nspawn: nspawn makes the namespaces, mounts /dev, /proc and /sys, drops capabilities, loads its seccomp filter and starts its stub init as PID 1, which runs the probe as PID 2; nspawn stays in the foreground until the container has exited':
        'un OverlayFS sobre la imagen y un cgroup creados para la instancia, y después un shell que entra en el cgroup y hace exec de systemd-nspawn: nspawn crea los espacios de nombres, monta /dev, /proc y /sys, retira capacidades, carga su filtro seccomp y arranca su pequeño init como PID 1, que ejecuta la sonda como PID 2; nspawn sigue en primer plano hasta que el contenedor ha terminado',
    "the instance's own (isobench-nspawn/NAME), joined before nspawn is started":
        'el propio de la instancia (isobench-nspawn/NOMBRE), en el que se entra antes de arrancar nspawn',
    'capabilities and seccomp':
        'capacidades y seccomp',
    "systemd-nspawn's defaults (CAP_SYS_ADMIN kept, for a booting OS)":
        'los predeterminados de systemd-nspawn (conserva CAP_SYS_ADMIN, para arrancar un sistema operativo)',
    'root':
        'raíz',
    'OverlayFS over the image cache per instance, upper layer on the scratch disk':
        'un OverlayFS por instancia sobre la caché de la imagen, con la capa superior en el disco de trabajo',
    '--register=no --keep-unit: no systemd-machined and no scope unit (no systemd needed)':
        '--register=no --keep-unit: sin systemd-machined ni unidad scope (no hace falta systemd)',
    'gVisor (runsc): the OCI bundle runc runs, under a kernel in user space that serves every system call of the workload':
        'gVisor (runsc): el bundle OCI que ejecuta runc, bajo un núcleo en espacio de usuario que atiende cada llamada al sistema de la carga',
    'a config.json written for the instance, then `runsc run`: runsc starts the Gofer (file access) and the sandbox, whose Sentry kernel boots, mounts the root through the Gofer and starts the probe as its PID 1 on the chosen platform; `runsc run` stays in the foreground until it exits. Limits: memory and cpus apply to the whole sandbox (the Sentry included); pids are not enforced':
        'un config.json escrito para la instancia y después `runsc run`: runsc arranca el Gofer (el acceso a ficheros) y el sandbox, cuyo núcleo Sentry arranca, monta la raíz a través del Gofer y arranca la sonda como su PID 1 en la plataforma elegida; `runsc run` sigue en primer plano hasta que termina. Límites: memory y cpus se aplican a todo el sandbox (el Sentry incluido); pids no se aplica',
    'platform':
        'plataforma',
    'network':
        'red',
    'none (loopback only)':
        'ninguna (solo loopback)',
    "box's filter, applied inside the sandbox by the Sentry (--oci-seccomp)":
        'el filtro de box, aplicado dentro del sandbox por el Sentry (--oci-seccomp)',
    'limits not enforced':
        'límites que no se aplican',
    "pids (the Sentry's own threads count against it and it aborts at the limit, gvisor#2490)":
        'pids (los hilos del propio Sentry cuentan para él y el Sentry aborta al llegar al límite, gvisor#2490)',
    'memory limit':
        'límite de memoria',
    'on the whole sandbox: going over it kills the Sentry (status 137), not one process':
        'sobre todo el sandbox: pasarlo mata al Sentry (estado 137), no a un solo proceso',
    'file I/O':
        'E/S de ficheros',
    "through the Gofer and the Sentry's own cache: O_DIRECT does not reach the host's disk":
        'a través del Gofer y de la caché propia del Sentry: O_DIRECT no llega al disco del anfitrión',
    'a microVM: QEMU\'s microvm machine (qboot, virtio-mmio, no PCI bus) boots the libvirt runtime\'s kernel and disk, the design Firecracker takes further':
        'una microVM: la máquina microvm de QEMU (qboot, virtio-mmio, sin bus PCI) arranca el núcleo y el disco del entorno libvirt, el diseño que Firecracker lleva más lejos',
    "a copy-on-write overlay of the guest disk (qemu-img), then exec of qemu-system-x86_64 -machine microvm with a direct kernel boot: qboot jumps to the kernel, whose initramfs loads the virtio-mmio driver, mounts the disk and starts its init, which runs the probe; READY is read from the serial console, 'exited' is the guest powered off and QEMU gone. Limits: memory sets the guest's RAM, cpus its vCPUs (rounded up); pids are not enforced":
        'un disco superpuesto copy-on-write sobre el disco del invitado (qemu-img), después exec de qemu-system-x86_64 -machine microvm con arranque directo del núcleo: qboot salta al núcleo, cuyo initramfs carga el controlador virtio-mmio, monta el disco y arranca su init, que ejecuta la sonda; READY se lee de la consola serie, y «terminado» es el invitado apagado y QEMU desaparecido. Límites: memory fija la RAM del invitado, cpus sus vCPU (redondeadas hacia arriba); pids no se aplica',
    'machine':
        'máquina',
    'microvm: qboot, virtio-mmio, no PCI bus, minimal ACPI':
        'microvm: qboot, virtio-mmio, sin bus PCI, ACPI mínimo',
    'firmware':
        'firmware',
}
