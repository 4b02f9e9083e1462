"""The report's own texts, keyed by a code, with English and Spanish side by side.

Headings, explanations and the sentences the report writes around its figures live here, one
entry per code (``"startup.explain"``), so rewording the English never loses the Spanish:
``Catalogue.text(code, **fields)`` (bench.report.i18n) picks the language and fills the fields.
A template or a view-model builder naming a code that is not here fails its unit test
(tests/unit/test_report_texts.py), as does an entry lacking either language.

Entries may hold a little inline HTML of their own (``<b>``, ``<code>``): they are ours, so they
are trusted; the fields filled into them are escaped. Text that comes with the data (metric
labels, host metadata, literature, a runtime's summary, stored messages) is not here: it is
looked up by its stored English (bench.report.catalogue_es), because sessions already stored
carry that English.
"""

from __future__ import annotations

import dataclasses

LANGS = ("en", "es")


@dataclasses.dataclass(frozen=True)
class Text:
    """One text of the report in each language; ``{field}``s are the same in both."""

    en: str
    es: str

    def get(self, lang: str) -> str:
        return getattr(self, lang)


TEXTS: dict[str, Text] = {
    'page.title': Text(
        'isobench: what isolation costs',
        'isobench: lo que cuesta el aislamiento'),
    'page.session': Text(
        'Session',
        'Sesión'),
    'page.started': Text(
        'started',
        'iniciada'),
    'page.kernel': Text(
        'kernel',
        'núcleo'),
    'page.generated': Text(
        'report generated',
        'informe generado'),
    'page.intro': Text(
        'The same workload ran under each runtime: {runtimes}. Every figure is the median of repeated runs after warm-up; ratios are to <b>{b}</b> (a plain process) measured in the same session. Error bars and boxes span the middle half of the runs (Q1–Q3), and each dot is one run.',
        'La misma carga de trabajo se ejecutó en cada entorno: {runtimes}. Cada cifra es la mediana de ejecuciones repetidas tras el calentamiento; las razones son respecto a <b>{b}</b> (un proceso normal) medido en la misma sesión. Las barras de error y las cajas abarcan la mitad central de las ejecuciones (Q1–Q3), y cada punto es una ejecución.'),
    'page.command': Text(
        'Command',
        'Comando'),
    'warnings.heading': Text(
        'Read these first',
        'Lea esto primero'),
    'warnings.other_hosts': Text(
        'These sessions ran on different hosts ({what}): compare their ratios to native, not their absolute figures.',
        'Estas sesiones se ejecutaron en anfitriones distintos ({what}): compare sus razones respecto a native, no sus cifras absolutas.'),
    'warnings.unfinished': Text(
        'This session did not finish (status: {status}); it shows the runs completed before it stopped.',
        'Esta sesión no terminó (estado: {status}); muestra las ejecuciones completadas antes de que se detuviera.'),
    'warnings.quick': Text(
        'Quick mode: few repetitions and small workloads. Good for a check, not for conclusions; run without --quick.',
        'Modo rápido: pocas repeticiones y cargas pequeñas. Sirve para comprobar, no para sacar conclusiones; ejecútelo sin --quick.'),
    'warnings.in_vm': Text(
        "This host is itself a virtual machine: every figure includes its hypervisor's overhead and noise.",
        'Este anfitrión es a su vez una máquina virtual: cada cifra incluye la sobrecarga y el ruido de su hipervisor.'),
    'warnings.tcg': Text(
        "{name}: the VM ran under software emulation (TCG), not hardware virtualisation (KVM): QEMU translated every guest instruction, so its start-up and I/O figures are many times slower than a real VM's, and its CPU figure shows how well QEMU translates this one loop, not what a VM costs. Fix: run on a host where KVM works (bare metal, or a VM with nested virtualisation).",
        '{name}: la VM funcionó con emulación por software (TCG), no con virtualización por hardware (KVM): QEMU tradujo cada instrucción del invitado, así que sus cifras de arranque y de E/S son muchas veces más lentas que las de una VM real, y su cifra de CPU muestra lo bien que QEMU traduce este bucle, no lo que cuesta una VM. Solución: use un anfitrión donde funcione KVM (máquina física, o una VM con virtualización anidada).'),
    'warnings.skipped': Text(
        '{runtime} did not run in {scenario}: {reason}.',
        '{runtime} no se ejecutó en {scenario}: {reason}.'),
    'warnings.fix': Text(
        ' Fix: {fix}',
        ' Solución: {fix}'),
    'warnings.failed': Text(
        '{runtime} failed {count} run(s) of {scenario}: {reason}',
        '{runtime} falló {count} ejecución(es) de {scenario}: {reason}'),
    'warnings.governor': Text(
        "CPU frequency governor is '{governor}': timings may vary with clock changes; set it to 'performance' (cpupower frequency-set -g performance).",
        "El gobernador de frecuencia de la CPU es '{governor}': los tiempos pueden variar con los cambios de reloj; póngalo en 'performance' (cpupower frequency-set -g performance)."),
    'warnings.other_load': Text(
        'Other work was running: the load average was {load} on {cpus:.0f} CPUs when the session started{busy}, so runs competed for the CPU. Close other programs (and stop other benchmarks) and run again.',
        'Había otro trabajo en marcha: la carga media era {load} con {cpus:.0f} CPU al empezar la sesión{busy}, así que las ejecuciones compitieron por la CPU. Cierre otros programas (y pare otras pruebas) y vuelva a ejecutar.'),
    'warnings.other_load_busy': Text(
        ', {p:.0f} % of the CPUs busy with other work just before the first run',
        ', con un {p:.0f} % de las CPU ocupadas en otro trabajo justo antes de la primera ejecución'),
    'warnings.steal': Text(
        'The hypervisor under this host took {steal:.1f} % of its CPU time (steal time) during the session: other guests on the same machine slowed the runs. Run on bare metal or a quieter host.',
        'El hipervisor bajo este anfitrión se llevó un {steal:.1f} % de su tiempo de CPU (tiempo robado, steal) durante la sesión: otros invitados de la misma máquina frenaron las ejecuciones. Use una máquina física o un anfitrión más tranquilo.'),
    'warnings.few_runs': Text(
        '{scenario}: few runs for {which}; use --repetitions {n} or more.',
        '{scenario}: pocas ejecuciones para {which}; use --repetitions {n} o más.'),
    'warnings.high_spread': Text(
        '{scenario}: high spread (IQR as a share of the median) for {which}; close other programs, fix the CPU governor, or add repetitions.',
        '{scenario}: dispersión alta (IQR como fracción de la mediana) en {which}; cierre otros programas, fije el gobernador de la CPU o añada repeticiones.'),
    'overview.heading': Text(
        'The session at a glance',
        'La sesión de un vistazo'),
    'overview.runtime': Text(
        'runtime',
        'entorno'),
    'overview.startup': Text(
        'start-up (launch → READY)',
        'arranque (lanzamiento → READY)'),
    'overview.memory': Text(
        'memory per instance (host PSS)',
        'memoria por instancia (PSS en el anfitrión)'),
    'overview.io': Text(
        'I/O speed vs native',
        'velocidad de E/S frente a native'),
    'overview.isolation': Text(
        'isolation checks passed',
        'comprobaciones de aislamiento superadas'),
    'overview.note': Text(
        'Medians of this session. I/O: the geometric mean over the I/O figures of each one’s speed relative to native (1× = native, 0.5× = half its speed). Isolation: checks blocked in every run, of those run. – : not measured in this session.',
        'Medianas de esta sesión. E/S: la media geométrica, sobre las cifras de E/S, de la velocidad de cada una respecto a native (1\xa0× = native, 0,5\xa0× = la mitad de rápido). Aislamiento: comprobaciones bloqueadas en todas las ejecuciones, de las que se hicieron. – : no medido en esta sesión.'),
    'table.runtime': Text(
        'runtime',
        'entorno'),
    'table.figure': Text(
        'figure',
        'cifra'),
    'table.value': Text(
        'value',
        'valor'),
    'table.median': Text(
        'median',
        'mediana'),
    'table.min_max': Text(
        'min – max',
        'mín – máx'),
    'table.runs': Text(
        'runs',
        'ejecuciones'),
    'table.outliers': Text(
        'outliers',
        'atípicos'),
    'table.vs': Text(
        'vs {b}',
        'frente a {b}'),
    'table.baseline': Text(
        '1× (baseline)',
        '1\xa0× (referencia)'),
    'table.baseline_zero': Text(
        '{b} is 0',
        '{b} es 0'),
    'table.no_baseline': Text(
        'no {b} figure',
        'sin cifra de {b}'),
    'table.not_significant': Text(
        'not significant',
        'no significativo'),
    'scenario.headline': Text(
        'Median {label}: {parts}.',
        'Mediana de {label}: {parts}.'),
    'scenario.workload': Text(
        'workload: <code>probe {w}</code>, {n} runs after {k} warm-up(s) per runtime',
        'carga: <code>probe {w}</code>, {n} ejecuciones tras {k} de calentamiento por entorno'),
    'scenario.capped_one': Text(
        '{name} ran {n}',
        '{name} hizo {n}'),
    'scenario.capped': Text(
        '; {which} only: each of its runs takes seconds (a whole VM boots), so the runtime caps its runs to keep the suite within minutes, and its figures rest on fewer runs',
        '; {which} solamente: cada una de sus ejecuciones tarda segundos (arranca una VM entera), así que el entorno limita sus ejecuciones para que la batería dure minutos, y sus cifras se basan en menos ejecuciones'),
    'scenario.explain_heading': Text(
        'What this shows',
        'Qué muestra esto'),
    'scenario.not_run': Text(
        'Not run here:',
        'No se ejecutó aquí:'),
    'scenario.no_figures': Text(
        'No {label} figures: every run failed or none ran.',
        'No hay cifras de {label}: todas las ejecuciones fallaron o no se ejecutó ninguna.'),
    'scenario.setup_intro': Text(
        'Measured once per scenario, while the runtime was being set up (one sample, so no spread):',
        'Medido una vez por escenario, mientras se preparaba el entorno (una muestra, así que sin dispersión):'),
    'refs.heading': Text(
        'What the literature measured — other hardware, not this host',
        'Lo que midió la literatura — otro hardware, no este anfitrión'),
    'refs.checked': Text(
        'Checked:',
        'Comprobado:'),
    'scorecard.none': Text(
        'No isolation checks were recorded.',
        'No se registró ninguna comprobación de aislamiento.'),
    'scorecard.check': Text(
        'check',
        'comprobación'),
    'scorecard.score': Text(
        'score',
        'puntuación'),
    'scorecard.not_run': Text(
        'not run',
        'no ejecutado'),
    'scorecard.isolated': Text(
        'isolated',
        'aislado'),
    'scorecard.not_isolated': Text(
        'not isolated',
        'no aislado'),
    'scorecard.mixed': Text(
        'blocked in {p:.0%} of runs',
        'bloqueado en el {p:.0%} de las ejecuciones'),
    'mark.high_spread': Text('high spread: this figure varied a lot between runs (see "Read these first")',
                             'dispersión alta: esta cifra varió mucho entre ejecuciones (vea «Lea esto primero»)'),
    'mark.vm_emulated': Text('emulated virtualisation (no KVM): many times slower than with KVM (see "Read these first")',
                          'virtualización emulada (sin KVM): muchas veces más lenta que con KVM (vea «Lea esto primero»)'),
    'scorecard.legend': Text(
        '✔ isolated (blocked in every run) · ✘ not isolated · ~ blocked in some runs · – not run. Click a check for the attack it stands for and what stops it.',
        '✔ aislado (bloqueado en todas las ejecuciones) · ✘ no aislado · ~ bloqueado en algunas ejecuciones · – no ejecutado. Pulse una comprobación para ver el ataque que representa y qué lo detiene.'),
    'daemons.heading': Text(
        'What the daemons cost',
        'Lo que cuestan los demonios'),
    'daemons.daemon': Text(
        'daemon',
        'demonio'),
    'daemons.memory': Text(
        'memory while idle (PSS)',
        'memoria en reposo (PSS)'),
    'daemons.none': Text(
        'none',
        'ninguno'),
    'daemons.all': Text(
        'all its daemons',
        'todos sus demonios'),
    'density.none': Text(
        'No density figures: no run recorded how many instances it started.',
        'No hay cifras de densidad: ninguna ejecución registró cuántas instancias arrancó.'),
    'density.table_note': Text(
        'median, IQR and ratio to native at the same N',
        'mediana, IQR y razón respecto a native con el mismo N'),
    'vm.heading': Text(
        'Inside the VM: where the start-up time goes',
        'Dentro de la VM: a dónde va el tiempo de arranque'),
    'vm.intro': Text(
        "launch → READY in the {scenario} scenario, split into the phases a VM goes through (medians of each phase, so they add up to about the median total). Host-side moments come from the host's clock; the guest kernel's start comes from the guest's own clock, so that split is good to about 10 ms.",
        'lanzamiento → READY en el escenario {scenario}, dividido en las fases por las que pasa una VM (medianas de cada fase, así que suman aproximadamente la mediana total). Los momentos del lado del anfitrión vienen de su reloj; el inicio del núcleo invitado viene del reloj del propio invitado, así que esa división es precisa a unos 10 ms.'),
    'vm.chart_title': Text(
        'launch → READY, phase by phase (ms, medians)',
        'lanzamiento → READY, fase a fase (ms, medianas)'),
    'vm.phases_add_up': Text(
        'the phases add up to {v}',
        'las fases suman {v}'),
    'vm.ready_median': Text(
        ' (launch → READY median: {v})',
        ' (mediana de lanzamiento → READY: {v})'),
    'vm.phase': Text(
        'phase',
        'fase'),
    'vm.what_happens': Text(
        'what happens',
        'qué ocurre'),
    'vm.median_ms': Text(
        'median',
        'mediana'),
    'vm.share': Text(
        'share',
        'proporción'),
    'vm.libvirt_share': Text(
        "{runtime}'s own work before QEMU runs takes {own}; QEMU starting while libvirt configures it takes {start}. Most of that start is libvirt waiting on QMP: before it lets the vCPU run, libvirt 9.0 reads the guest CPU's features one qom-get at a time (about 400 round trips with QEMU 7.2), on x86 whatever the domain XML says. Everything after that — firmware, kernel, initramfs, probe — is the guest booting, which a hand-started QEMU pays too.",
        'El trabajo propio de {runtime} antes de que QEMU se ejecute tarda {own}; el arranque de QEMU mientras libvirt lo configura tarda {start}. Casi todo ese arranque es libvirt esperando a QMP: antes de dejar correr la vCPU, libvirt 9.0 lee las características de la CPU invitada con un qom-get por cada una (unas 400 idas y vueltas con QEMU 7.2), en x86 diga lo que diga el XML del dominio. Todo lo demás — firmware, núcleo, initramfs, sonda — es el invitado arrancando, que un QEMU lanzado a mano también paga.'),
    'vm.libvirt_gap': Text(
        "Beside {plain}, which starts the same devices and the same guest under the same accelerator, {runtime} reaches the guest kernel {gap} later ({ours} against {theirs} from launch): that is what libvirt costs here. The firmware does the same work in both (the same BIOS, no boot menu, no option ROM but the kernel loader, no VGA, USB or balloon); the gap is libvirt's QMP set-up above, plus forking QEMU through its handshake, cgroups, a mount namespace and its status files.",
        'Junto a {plain}, que arranca los mismos dispositivos y el mismo invitado con el mismo acelerador, {runtime} llega al núcleo invitado {gap} más tarde ({ours} frente a {theirs} desde el lanzamiento): eso es lo que cuesta libvirt aquí. El firmware hace el mismo trabajo en ambos (la misma BIOS, sin menú de arranque, sin más ROM opcional que la del cargador del núcleo, sin VGA, USB ni balloon); la diferencia es la configuración por QMP de libvirt ya descrita, más lanzar QEMU con su protocolo de arranque, cgroups, un espacio de nombres de montaje y sus ficheros de estado.'),
    'vm.host_pays': Text(
        "; the host pays {v} for the whole VM (QEMU's PSS)",
        '; el anfitrión paga {v} por toda la VM (el PSS de QEMU)'),
    'vm.guest_memory': Text(
        "In the {scenario} scenario, {runtime}'s guest sees {total}, of which {available} is still available while the probe holds still",
        'En el escenario {scenario}, el invitado de {runtime} ve {total}, de los que {available} siguen disponibles mientras la sonda está quieta'),
    'vm.kvm': Text(
        'hardware virtualisation (KVM)',
        'virtualización por hardware (KVM)'),
    'vm.tcg': Text(
        'software emulation (TCG)',
        'emulación por software (TCG)'),
    'vm.ran_under': Text(
        '{name} ran under {how}',
        '{name} se ejecutó con {how}'),
    'vm.disk': Text(
        'Disk',
        'Disco'),
    'runtimes.heading': Text(
        'Runtimes',
        'Entornos de ejecución'),
    'runtimes.what': Text(
        'what it is',
        'qué es'),
    'runtimes.how': Text(
        'how an instance starts',
        'cómo arranca una instancia'),
    'runtimes.tools': Text(
        'tools',
        'herramientas'),
    'host.heading': Text(
        'Host',
        'Anfitrión'),
    'literature.heading': Text(
        'References',
        'Referencias'),
    'literature.intro': Text(
        "Published figures drawn beside this host's as grey dotted lines, stars or hatched bars marked ref. [n]. They were measured on other hardware, mostly with KVM, so expect the same order of magnitude and the same ranking, not the same numbers.",
        'Cifras publicadas dibujadas junto a las de este anfitrión como líneas grises punteadas, estrellas o barras rayadas marcadas ref. [n]. Se midieron en otro hardware, casi siempre con KVM: espere el mismo orden de magnitud y la misma clasificación, no las mismas cifras.'),
    # The charts (bench.report.charts): titles, axes and hover texts, inside plotly's JSON.
    'chart.lower_better': Text(
        'lower is better',
        'menos es mejor'),
    'chart.higher_better': Text(
        'higher is better',
        'más es mejor'),
    'chart.log_scale': Text(
        ', log scale',
        ', escala logarítmica'),
    'chart.median': Text(
        'median',
        'mediana'),
    'chart.baseline': Text(
        'baseline',
        'referencia'),
    'chart.above_scale': Text(
        "above this chart's scale",
        'por encima de la escala de este gráfico'),
    'chart.below_scale': Text(
        "below this chart's scale",
        'por debajo de la escala de este gráfico'),
    'chart.published': Text(
        'published, not measured here',
        'publicado, no medido aquí'),
    'chart.memory_title': Text(
        'Host memory per idle instance (MiB, medians) — lower is better',
        'Memoria del anfitrión por instancia inactiva (MiB, medianas) — menos es mejor'),
    'chart.density_title': Text(
        'Density: N idle instances side by side (medians, Q1–Q3)',
        'Densidad: N instancias inactivas a la vez (medianas, Q1–Q3)'),
    'chart.instances_axis': Text(
        'instances (N)',
        'instancias (N)'),
    'chart.io_title': Text(
        'Each I/O figure as a ratio to native (1× = the same as native)',
        'Cada cifra de E/S como razón respecto a native (1\xa0× = igual que native)'),
    'chart.ratio_axis': Text(
        'ratio to native',
        'razón respecto a native'),
    # Two sessions compared (bench.report.compare, `bench compare`): the table's columns, verdicts, notes.
    'compare.scenario': Text(
        'scenario',
        'escenario'),
    'compare.figure': Text(
        'figure',
        'cifra'),
    'compare.runtime': Text(
        'runtime',
        'entorno'),
    'compare.a': Text(
        'A',
        'A'),
    'compare.b': Text(
        'B',
        'B'),
    'compare.ratio': Text(
        'B / A',
        'B / A'),
    'compare.p': Text(
        'p',
        'p'),
    'compare.change': Text(
        'change',
        'cambio'),
    'compare.too_few': Text(
        'too few runs to tell',
        'muy pocas ejecuciones para saberlo'),
    'compare.no_change': Text(
        'no significant change',
        'sin cambio significativo'),
    'compare.worse': Text(
        '{factor} worse',
        '{factor} peor'),
    'compare.better': Text(
        '{factor} better',
        '{factor} mejor'),
    'compare.other_hosts': Text(
        'the sessions ran on different hosts: {what}',
        'las sesiones se ejecutaron en anfitriones distintos: {what}'),
    'compare.workload_differs': Text(
        '{scenario}: the workload differs (A: probe {a}; B: probe {b}), so its figures measure different work',
        '{scenario}: la carga difiere (A: probe {a}; B: probe {b}), así que sus cifras miden trabajos distintos'),
    'compare.quick_differs': Text(
        'one session ran with --quick and the other did not: fewer, smaller runs on one side',
        'una sesión se ejecutó con --quick y la otra no: en un lado hay menos ejecuciones, y más pequeñas'),
    'compare.nothing_in_common': Text(
        'sessions {a} and {b} have no figure in common (same scenario, figure and runtime)',
        'las sesiones {a} y {b} no tienen ninguna cifra en común (mismo escenario, cifra y entorno)'),
    'compare.beyond_noise': Text(
        '{beyond} of {total} figures changed beyond the noise (Mann–Whitney U test, p < {alpha})',
        '{beyond} de {total} cifras cambiaron más allá del ruido (prueba U de Mann–Whitney, p < {alpha})'),
    'startup.explain': Text(
        "A plain process and chroot share the host's kernel: starting one is a fork and an exec. A container shares the kernel too, but first creates its namespaces, a cgroup and its mounts, which takes milliseconds. A virtual machine boots a guest kernel of its own, which takes seconds, and many times longer under emulation. Bars are medians, error bars span the middle half of the runs (Q1–Q3), each dot is one run.",
        'Un proceso normal y chroot comparten el núcleo del anfitrión: arrancar uno es un fork y un exec. Un contenedor también comparte el núcleo, pero antes crea sus espacios de nombres (namespaces), un cgroup y sus montajes, lo que lleva milisegundos. Una máquina virtual arranca un núcleo invitado propio, lo que lleva segundos, y muchas veces más con emulación. Las barras son medianas, las barras de error abarcan la mitad central de las ejecuciones (Q1–Q3) y cada punto es una ejecución.'),
    'memory.explain': Text(
        "Containers share the host's kernel and its page cache, so an idle one costs little more than its own processes. A virtual machine carries a guest kernel, the guest's own page cache and QEMU: memory the host pays even while the workload does nothing. Copy-on-write layers (OverlayFS) let many containers share one image's files on disk and in memory.",
        'Los contenedores comparten el núcleo del anfitrión y su caché de páginas, así que uno inactivo cuesta poco más que sus propios procesos. Una máquina virtual lleva un núcleo invitado, la caché de páginas propia del invitado y QEMU: memoria que el anfitrión paga aunque la carga no haga nada. Las capas copy-on-write (OverlayFS) permiten que muchos contenedores compartan los ficheros de una imagen en disco y en memoria.'),
    'density.explain': Text(
        "How many instances fit on one host is what decides the cost of a service. Each line is one runtime: as N grows, the host memory used grows by each instance's cost, and the time until all N are ready grows with how much work each start needs. Containers share one kernel and one copy of the image's files; every virtual machine needs its own guest kernel and memory.",
        'Cuántas instancias caben en un anfitrión es lo que decide el coste de un servicio. Cada línea es un entorno: al crecer N, la memoria usada del anfitrión crece con el coste de cada instancia, y el tiempo hasta que las N están listas crece con el trabajo que necesita cada arranque. Los contenedores comparten un núcleo y una copia de los ficheros de la imagen; cada máquina virtual necesita su propio núcleo invitado y su memoria.'),
    'io.explain': Text(
        "native and chroot write to the host's file system directly. A container writes through OverlayFS, a copy-on-write layer: the first write to a file copies it up from the image. The OpenVZ-style container's disk is an image file mounted through a loop device; a VM's disk is a file behind a virtual disk that QEMU emulates, so every I/O crosses into QEMU and back. Bars are ratios to native: 1× is the same; for throughput below 1× is slower, for latencies above 1× is slower.",
        'native y chroot escriben directamente en el sistema de ficheros del anfitrión. Un contenedor escribe a través de OverlayFS, una capa copy-on-write: la primera escritura en un fichero lo copia desde la imagen. El disco del contenedor al estilo OpenVZ es un fichero de imagen montado con un dispositivo loop; el disco de una VM es un fichero tras un disco virtual que QEMU emula, así que cada E/S entra en QEMU y vuelve. Las barras son razones respecto a native: 1\xa0× es igual; en caudal, por debajo de 1\xa0× es más lento; en latencias, por encima de 1\xa0× es más lento.'),
    'cpu.explain': Text(
        "Computation runs directly on the CPU in every container: namespaces and cgroups change what a process may see and use, not how its instructions run. A VM with hardware virtualisation (KVM) runs guest instructions on the CPU too. Only emulation (QEMU's TCG, used when KVM is not available) translates every guest instruction, which makes it many times slower.",
        'El cálculo se ejecuta directamente en la CPU en todos los contenedores: los espacios de nombres y los cgroups cambian lo que un proceso puede ver y usar, no cómo se ejecutan sus instrucciones. Una VM con virtualización por hardware (KVM) también ejecuta las instrucciones del invitado en la CPU. Solo la emulación (TCG de QEMU, usada cuando no hay KVM) traduce cada instrucción del invitado, lo que la hace muchas veces más lenta.'),
    'scorecard.explain': Text(
        "Each cell is an attempt made from inside the instance, measured in every run. chroot changes only the root directory: the process still shares PIDs, network, hostname and devices with the host, and a root process can climb out of it (the classic chroot escape). Containers block these with namespaces, a reduced set of capabilities and seccomp; a virtual machine has a kernel of its own, so the host's processes, interfaces and devices are not even there to see.",
        'Cada celda es un intento hecho desde dentro de la instancia, medido en cada ejecución. chroot solo cambia el directorio raíz: el proceso sigue compartiendo PID, red, nombre de máquina y dispositivos con el anfitrión, y un proceso root puede salir trepando (el clásico escape de chroot). Los contenedores los bloquean con espacios de nombres, un conjunto reducido de capacidades y seccomp; una máquina virtual tiene un núcleo propio, así que los procesos, interfaces y dispositivos del anfitrión ni siquiera están ahí para verse.'),
    'daemons.explain': Text(
        "Docker is a client and a daemon: the docker command only sends a request to dockerd, which asks containerd, which starts a small shim per container, and the shim runs runc, which creates the container and exits. dockerd and containerd keep running whether any container runs or not, shared by all of them, so their memory is in no container's figure above: it is here, measured once while no container ran. box and podman have no daemon: the command you type sets the container up itself (podman keeps only a small conmon beside each container, counted in its figure). libvirt's VMs rely on a daemon too, libvirtd.",
        'Docker es un cliente y un demonio: la orden docker solo envía una petición a dockerd, que se la pide a containerd, que arranca un pequeño shim por contenedor, y el shim ejecuta runc, que crea el contenedor y termina. dockerd y containerd siguen en marcha haya contenedores o no, compartidos por todos, así que su memoria no está en la cifra de ningún contenedor de arriba: está aquí, medida una vez sin ningún contenedor en marcha. box y podman no tienen demonio: la orden que se escribe prepara el contenedor ella misma (podman deja solo un pequeño conmon junto a cada contenedor, contado en su cifra). Las VM de libvirt también dependen de un demonio, libvirtd.'),

    # -- the first screen: four answers (bench.report.answers) --------------------------
    'answers.heading': Text('The four answers', 'Las cuatro respuestas'),
    'answers.startup_title': Text('How long to start', 'Cuánto tarda en arrancar'),
    'answers.startup_takeaway': Text(
        'A container ({app}) started in {a}, {ax} a plain process; the VM ({vm}) took {v}, {vx} the container.',
        'Un contenedor ({app}) arrancó en {a}, {ax} un proceso normal; la VM ({vm}) tardó {v}, {vx} el contenedor.'),
    'answers.memory_title': Text('What one more instance costs in memory',
                                 'Cuánta memoria cuesta una instancia más'),
    'answers.memory_takeaway': Text(
        'One more idle container ({app}) costs the host {a} (PSS); one more VM ({vm}) {v}, {vx} as much.',
        'Un contenedor inactivo más ({app}) le cuesta al anfitrión {a} (PSS); una VM más ({vm}), {v}: {vx} más.'),
    'answers.storage_title': Text('What storage costs', 'Cuánto cuesta el almacenamiento'),
    'answers.storage_takeaway': Text(
        "Through a container's file system ({app}) I/O ran at {a} native speed; through a VM's virtual disk ({vm}) at {v}.",
        'A través del sistema de ficheros de un contenedor ({app}) la E/S fue a {a} la velocidad nativa; a través del disco virtual de una VM ({vm}), a {v}.'),
    'answers.storage_axis': Text('I/O speed relative to native (1× = native)',
                                 'velocidad de E/S respecto a native (1× = native)'),
    'answers.isolation_title': Text('What each runtime keeps in', 'Qué contiene cada entorno'),
    'answers.isolation_takeaway': Text('Attempts from inside blocked in every run, of {total}: {parts}.',
                                       'Intentos desde dentro bloqueados en todas las ejecuciones, de {total}: {parts}.'),
    'answers.isolation_part': Text('{family} {n}', '{family} {n}'),
    'answers.isolation_axis': Text('attempts blocked (of {total})', 'intentos bloqueados (de {total})'),
    'answers.range': Text('Best: {best}, {b}; worst: {worst}, {w}.', 'Mejor: {best}, {b}; peor: {worst}, {w}.'),
    'family.process': Text('process', 'proceso'),
    'family.chroot': Text('chroot', 'chroot'),
    'family.app': Text('application containers', 'contenedores de aplicación'),
    'family.system': Text('system containers', 'contenedores de sistema'),
    'family.sandbox': Text('sandboxes', 'entornos aislados (sandboxes)'),
    'family.vm': Text('VMs', 'VM'),
    'family.other': Text('other', 'otros'),
    # -- navigation and evidence on demand ----------------------------------------------
    'nav.contents': Text('Contents', 'Contenido'),
    'nav.top': Text('↑ top', '↑ inicio'),
    'nav.warnings': Text('Read these first', 'Lea esto primero'),
    'details.evidence': Text('Charts, tables and explanation', 'Gráficos, tablas y explicación'),
    'details.count': Text('{charts} charts, {tables} tables', '{charts} gráficos, {tables} tablas'),
    'details.open_all': Text('Open all', 'Abrir todo'),
    'warnings.kind_vm_emulated': Text('Emulated virtualisation (no KVM): VM figures are many times slower than with KVM (marked ⚠)',
                                      'Virtualización emulada (sin KVM): las cifras de VM son muchas veces más lentas que con KVM (marcadas ⚠)'),
    'warnings.kind_busy_host': Text('Busy or unsteady host: other load, CPU clock or stolen time',
                                    'Anfitrión ocupado o inestable: otra carga, reloj de CPU o tiempo robado'),
    'warnings.kind_in_vm': Text('This host is itself a virtual machine', 'Este anfitrión es a su vez una máquina virtual'),
    'warnings.kind_skipped': Text('Runtimes skipped or runs failed', 'Entornos omitidos o ejecuciones fallidas'),
    'warnings.kind_high_spread': Text('High spread: these figures varied a lot between runs (marked ≈)',
                                      'Dispersión alta: estas cifras variaron mucho entre ejecuciones (marcadas ≈)'),
    'warnings.kind_other': Text('About this session', 'Sobre esta sesión'),
    'memory.below_noise': Text('≈ 0 (below noise)', '≈ 0 (bajo el ruido)'),
    'density.pss_title': Text('one more instance: summed PSS ÷ N', 'una instancia más: PSS sumado ÷ N'),
    'density.noisy_view': Text('whole-host view, noisy: MemAvailable moves with everything else on the host',
                               'vista de todo el anfitrión, ruidosa: MemAvailable cambia con todo lo demás del anfitrión'),
}
