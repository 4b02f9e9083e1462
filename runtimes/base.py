"""The one interface every isolation technology implements.

A ``Runtime`` knows whether it can run on this host (``available``) and
launches the workload (``start``), returning an ``Instance`` at once. The
harness only ever talks to these two types, so nothing outside a runtime's
own module knows how that runtime isolates.

Life of an instance, as the harness sees it::

    with runtime.start(spec) as inst:      # launch; returns immediately
        inst.wait_ready(timeout_s)         # the probe printed its ready line
        ...observe inst.host_pids / inst.cgroup...
        inst.wait(timeout_s) or inst.stop()
    # __exit__ has released everything the instance held (mounts, dirs...)
"""

from __future__ import annotations

import abc
import contextlib
import dataclasses
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, ClassVar, Self

from runtimes.kernel.limits import Limits  # noqa: F401  (part of this interface; defined where cgroups read it)
from runtimes.kernel.messages import Field, Message, as_message, as_text
from runtimes.probe import ProbeLine, parse_line

if TYPE_CHECKING:
    from runtimes.image import Image


@dataclasses.dataclass(frozen=True)
class Availability:
    """Whether a runtime can run here; if not, why and the command that fixes it."""

    ok: bool
    reason: str = ""                    # in English, for command lines (`bench list`, `bench doctor`)
    fix: str = ""
    # The same as data (runtimes/kernel/messages.py): what a session stores, so a report can say it in Spanish.
    reason_message: Message | None = None
    fix_message: Message | None = None

    @classmethod
    def yes(cls) -> Availability:
        return cls(ok=True)

    @classmethod
    def no(cls, reason: Field, fix: Field = "") -> Availability:
        return cls(ok=False, reason=as_text(reason), fix=as_text(fix),
                   reason_message=as_message(reason), fix_message=as_message(fix))


@dataclasses.dataclass(frozen=True)
class Orphan:
    """Something a killed run left behind (a container, a cgroup, a domain…), and how to remove it.

    Found by ``Runtime.orphans`` and removed by `bench clean` (bench/clean.py),
    which says what it removed: ``kind`` and ``name`` are that line.
    """

    runtime: str
    kind: str                           # "container", "cgroup", "libvirt domain"…
    name: str
    remove: Callable[[], None] = dataclasses.field(compare=False, repr=False)


@dataclasses.dataclass(frozen=True)
class InstanceSpec:
    """What to launch: the probe's arguments, run from the one image.

    ``argv`` is the command as seen *inside* the instance, e.g.
    ``("/usr/bin/probe", "io", "--size-mib", "64")``. Each runtime runs it with
    a writable working directory on the instance's own root filesystem, so the
    probe's ``io`` mode measures the storage that isolation gives it.
    """

    image: Image
    argv: tuple[str, ...]
    hostname: str = "isobench"
    limits: Limits = Limits()
    # Descriptors a careless caller left open (a shell's `exec 9</`); each
    # runtime hands them to its tool as a shell would, and the tool decides
    # (runc closes all but --preserve-fds ones). The isolation scorecard
    # leaks a directory of the host and a terminal this way (bench/isolation.py).
    inherited_fds: tuple[int, ...] = ()


@dataclasses.dataclass(frozen=True)
class TimedLine:
    """One line of an instance's output and when the host read it (monotonic ns)."""

    text: str
    at_ns: int


def split_lines(buffer: bytes, chunk: bytes, at_ns: int, into: list[TimedLine]) -> bytes:
    """Append the complete lines of ``buffer + chunk`` to ``into``, stamped ``at_ns``; return the rest.

    An empty ``chunk`` means end of output: a last line without its newline
    is kept too. Carriage returns (serial consoles send CRLF) are dropped.
    """
    if not chunk:
        chunk = b"\n" if buffer else b""
    *complete, rest = (buffer + chunk).split(b"\n")
    into.extend(TimedLine(c.decode(errors="replace").rstrip("\r"), at_ns) for c in complete)
    return rest


class Instance(abc.ABC):
    """A launched workload. A context manager: leaving it always cleans up.

    Subclasses hold their resources in ``self._cleanup`` (an ExitStack) so that
    ``close()`` releases them in reverse order on every path, including
    Ctrl-C between any two steps of ``start``.
    """

    def __init__(self) -> None:
        self._cleanup = contextlib.ExitStack()

    # -- what observers may look at ------------------------------------
    @property
    @abc.abstractmethod
    def host_pids(self) -> tuple[int, ...]:
        """Host PIDs of every process that exists because of this instance."""

    @property
    def workload_pid(self) -> int | None:
        """Host PID of the workload process itself, when the host can see it."""
        return None

    @property
    def cgroup(self) -> Path | None:
        """The instance's own cgroup directory, if it has one."""
        return None

    @property
    @abc.abstractmethod
    def lines(self) -> list[TimedLine]:
        """Every output line read so far, in order, with the host's read time."""

    def output_tail(self, n: int = 3) -> str:
        """The last lines that were not probe lines (usually the error text), joined."""
        plain = [ln.text.strip() for ln in self.lines if ln.text.strip() and parse_line(ln.text) is None]
        return " | ".join(plain[-n:])

    def observations(self) -> dict[str, float]:
        """Figures only this runtime can measure (e.g. a VM's boot phases).

        Units in the names, as everywhere (``_s``, ``_bytes``...). The harness
        calls this after the workload has exited or been stopped, before the
        instance is closed, and stores the figures with the run.
        """
        return {}

    def guest_ram_pss_bytes(self) -> float | None:
        """Host memory (PSS) of a VM's guest RAM: its kernel, page cache and workload all live there.

        Read while the instance runs, so the memory figures can tell a guest's
        share of its QEMU process from QEMU's own. None without a guest.
        """
        return None

    # -- lifecycle -----------------------------------------------------
    @abc.abstractmethod
    def wait_ready(self, timeout_s: float) -> ProbeLine:
        """Block until the probe's ready line; return it (with ``at_ns``).

        Raises ``InstanceError`` on timeout or if the workload exits first.
        """

    @abc.abstractmethod
    def wait(self, timeout_s: float) -> int:
        """Block until the workload exits; return its exit status."""

    @abc.abstractmethod
    def stop(self) -> None:
        """Ask the workload to stop, then force it. Idempotent."""

    def close(self) -> None:
        """Stop the workload and release everything the instance holds."""
        try:
            self.stop()
        finally:
            self._cleanup.close()

    def __enter__(self) -> Instance:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class Runtime(abc.ABC):
    """One isolation technology. Build it once per run of the suite.

    It is a context manager too, for the once-per-suite *setup* (e.g. a
    writable copy of the image for chroot) and the matching *cleanup*. A
    runtime overrides ``setup()``, not ``__enter__``: each step of it registers
    its undo on ``self._cleanup`` (an ExitStack) as soon as there is something
    to undo, and ``__exit__`` closes that stack. If ``setup()`` raises,
    ``__enter__`` closes the stack before re-raising, so a failed setup leaves
    nothing behind. ``setup()`` does nothing by default.
    """

    name: ClassVar[str]
    summary: ClassVar[str]  # what it is, one line, for `bench list` and the report
    launch: ClassVar[str]   # how an instance starts, one sentence: what start-up figures include
    # A runtime whose every run takes seconds (a VM boot) may cap its measured
    # runs per scenario, so the suite stays within minutes; None: no cap. The
    # report says where a cap applied. An explicit `bench run -n` overrides it.
    max_repetitions: ClassVar[int | None] = None
    max_quick_repetitions: ClassVar[int | None] = None  # the cap with --quick
    max_quick_warmups: ClassVar[int | None] = None      # with --quick, at most this many warm-ups
    # An optional runtime needs something the suite does not install (the
    # Docker engine): `bench doctor` reports it without counting it as missing.
    optional: ClassVar[bool] = False

    def __init__(self, image: Image) -> None:
        self.image = image
        self._cleanup = contextlib.ExitStack()
        self._entered = False  # inside `with`: setup() has run and cleanup has not

    def ensure_set_up(self) -> None:
        """The guard a runtime's ``start`` begins with: raise unless used inside ``with`` (setup done)."""
        if not self._entered:
            raise RuntimeError(f"use the {self.name} runtime inside `with`: its setup() prepares what start() needs")

    @classmethod
    @abc.abstractmethod
    def available(cls) -> Availability:
        """Can it run on this host? Cheap; never raises."""

    @abc.abstractmethod
    def start(self, spec: InstanceSpec) -> Instance:
        """Launch the workload and return at once (before it is ready)."""

    def versions(self) -> dict[str, str | Message]:
        """Versions of the tools this runtime uses, for the run's metadata; a note in words is a ``Message``."""
        return {}

    def setup_observations(self) -> dict[str, float]:
        """Figures measured once, in this runtime's ``setup``; units in the names.

        E.g. the OpenVZ-style runtime boots one container per scenario and
        reports how long that took (``vz_ct_start_s``). The runner stores them
        as a run of their own (kind ``setup``, ``bench.results.SETUP``), so they reach
        the store and the report like any other figure.
        """
        return {}

    def repeat_setup(self) -> dict[str, float]:
        """Undo and redo the part of the setup worth timing; return its figures as ``setup_observations`` does.

        A scenario's ``setup_repetitions`` calls this so that a figure measured
        at setup (a CT's start) gets a median and a spread, not one sample.
        The runtime is as ready to ``start`` afterwards as before. {} (the
        default): nothing in this runtime's setup is measured.
        """
        return {}

    def start_separate(self, spec: InstanceSpec) -> Instance:
        """Launch an instance that shares no isolation with the others (a density step holds N at once).

        The same as ``start`` for every runtime whose instances are already
        separate; one that execs into a shared environment (vz's CT) makes a
        new one for this instance and removes it when the instance closes.
        """
        return self.start(spec)

    @classmethod
    def daemons(cls) -> dict[str, int]:
        """The long-running daemons this runtime's instances share (name → host PID), e.g. dockerd and containerd.

        Their memory is no one instance's: the memory scenario measures it once,
        apart, while no instance runs. {} (the default): no daemon, the command
        the user types starts the instance itself (box, podman, runc).
        """
        return {}

    @classmethod
    def service(cls) -> contextlib.AbstractContextManager[object]:
        """A daemon this runtime needs, held for a whole `bench run` (Docker's engine); entered once per run.

        The runner enters it before the run's first scenario and leaves it when
        the run ends, however it ends. What it yields (a mapping or a
        dataclass) goes into the session's metadata: how the daemon was
        started, or why it could not be. Nothing by default.
        """
        return contextlib.nullcontext({})

    @classmethod
    def orphans(cls) -> list[Orphan]:
        """What runs of this runtime killed before their cleanup left behind; [] (the default): nothing.

        Called by `bench clean` while it holds the run lock, so no run of the
        suite using this state directory is in progress. Cheap; never raises.
        """
        return []

    def setup(self) -> None:
        """Prepare what every instance of this suite's run needs; undo steps go on ``self._cleanup``.

        Called once, by ``__enter__``. Nothing by default.
        """

    def __enter__(self) -> Self:
        try:
            self.setup()
        except BaseException:
            # `with` does not call __exit__ when __enter__ raises: undo here
            # whatever setup had done before it failed (Ctrl-C included).
            self._cleanup.close()
            raise
        self._entered = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._entered = False
        self._cleanup.close()
