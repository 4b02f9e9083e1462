"""`box`: the command line a Docker class uses, over the engine in container.py.

    box run [-it] [-d] [--rm] [--name N] [-m MEM] [--cpus N] [--pids-limit N]
            [-e K=V] [-v HOST:CTR[:ro]] [--security-opt seccomp=unconfined] IMAGE [CMD...]
    box ps [-a] [-q] [-f status=exited]     box rm [-f] C...     box container prune
    box pull [-q] NAME[:TAG|@DIGEST]        box images      box rmi IMAGE...
    box import SOURCE NAME[:TAG]
    box logs C      box exec [-it] C CMD    box stop C...        box inspect X...
    box version

Exit codes as Docker's: 125 when box itself fails (bad flags included),
126 when the command cannot be run, 127 when it is not found, else the
command's own; 1 where docker's daemon refuses (`box pull` failing, `rm`
or `rmi` of what is not there or is in use, an unknown `ps -f` filter) and
where arguments are missing (`box rm $(box ps -aq)` with nothing to remove),
as the docker client exits then. Every error is one line on stderr.
docs/box.md's "box beside Docker" table lists what else agrees and differs.
"""

from __future__ import annotations

import json
import math
import os
import re
import signal
import sys
from pathlib import Path
from typing import TextIO

import click

from bench.errors import BenchError
from runtimes._wait import exit_code, wait_forwarding_signals
from runtimes.base import Limits
from runtimes.box import cgroups, format, seccomp, tty
from runtimes.box.container import NAME_RE as CONTAINER_NAME_RE
from runtimes.box.container import Container, Engine, Started, root_dir
from runtimes.box.contain import Volume
from runtimes.box.errors import BoxError, NoSuchContainer, NoSuchImage
from runtimes.box.images import NO_TAG, tree_size
from runtimes.box.state import Status

VERSION = "0.1.0"
FORWARDED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2)
_MEMORY_RE = re.compile(r"^(\d+)([bkmg]?)$", re.IGNORECASE)
MIN_MEMORY = 6 * 2**20  # Docker's floor: "Minimum memory limit allowed is 6MB"
MAX_MEMORY = 2**63 - 1  # what a cgroup's memory limit file can hold
_HOSTNAME_RE = re.compile(r"^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$")


def parse_memory(text: str) -> int:
    """'64m' → 67108864, with Docker's units (b, k, m, g; powers of 1024)."""
    match = _MEMORY_RE.match(text.strip())
    if not match:
        raise click.BadParameter(f"invalid size {text!r}: use a number with an optional unit b, k, m or g (e.g. 64m)")
    value = int(match.group(1)) * {"": 1, "b": 1, "k": 2**10, "m": 2**20, "g": 2**30}[match.group(2).lower()]
    if value < MIN_MEMORY:
        raise click.BadParameter(f"{text}: the minimum memory limit is 6m")
    if value > MAX_MEMORY:
        raise click.BadParameter(f"{text}: more than a cgroup can hold (at most 8589934591g)")
    return value


def parse_volume(text: str) -> Volume:
    """HOST:CONTAINER[:ro|rw] → Volume (both paths absolute)."""
    parts = text.split(":")
    if len(parts) not in (2, 3) or (len(parts) == 3 and parts[2] not in ("ro", "rw")):
        raise click.BadParameter(f"invalid volume {text!r}: use /host/path:/container/path[:ro]")
    host, target = parts[0], parts[1]
    # Checked here, before any pull, as Docker checks a mount spec before it contacts a registry.
    if not host.startswith("/") or not target.startswith("/"):
        raise click.BadParameter(f"invalid volume {text!r}: both paths must be absolute (-v /host/dir:/container/dir)")
    if ".." in Path(target).parts:
        raise click.BadParameter(f"invalid volume {text!r}: '..' is not allowed in the container path")
    return Volume(Path(host), target, readonly=len(parts) == 3 and parts[2] == "ro")


def check_name(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not CONTAINER_NAME_RE.match(value):
        raise click.BadParameter(f"invalid container name {value!r}: only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed")
    return value


def check_hostname(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is not None and (len(value) > 64 or not _HOSTNAME_RE.match(value)):
        raise click.BadParameter(f"invalid hostname {value!r}: letters, digits, '-' and '.' (RFC 1123), up to 64")
    return value


def check_cpus(_ctx: click.Context, _param: click.Parameter, value: float | None) -> float | None:
    if value is not None and not math.isfinite(value):  # FloatRange lets nan through: nan fails every comparison
        raise click.BadParameter(f"{value!r} is not a number of CPUs from 0.01 to 1024")
    return value


def check_env(_ctx: click.Context, _param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    for item in value:
        if not item.partition("=")[0] or "=" not in item:
            raise click.BadParameter(f"invalid environment variable {item!r}: expected KEY=VALUE")
    return value


def check_security_opt(_ctx: click.Context, _param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    try:
        seccomp.setting(value)
    except BoxError as err:
        raise click.BadParameter(str(err)) from None
    return value


class Refused(BoxError):
    """What Docker's daemon refuses (an invalid filter…): the docker client then exits 1, not 125."""

    exit_code = 1


def _engine() -> Engine:
    if os.geteuid() != 0:
        raise BoxError("box needs root (namespaces, mounts, cgroups): run it with sudo")
    return Engine()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """box: isobench's own container runtime, with Docker's everyday commands."""


@cli.command()
def version() -> None:
    """Show box's version and what it runs on."""
    click.echo(f"box version {VERSION} (isobench)")
    click.echo(f" kernel:  {os.uname().release}")
    click.echo(f" cgroups: {cgroups.host_version()}")
    click.echo(f" seccomp: {'allow-list (libseccomp)' if seccomp.available() else seccomp.missing_message()}")
    click.echo(f" storage: OverlayFS, images and containers in {root_dir()}")


@cli.command(name="import")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.argument("reference")
def import_(source: Path, reference: str) -> None:
    """Make an image from a root filesystem directory or tarball."""
    image = _engine().images.import_rootfs(source, reference)
    click.echo(image.id)


def _pull(engine: Engine, name: str, out: TextIO, quiet: bool = False, for_run: bool = False) -> None:
    """Pull with Docker's output: progress bars on ``out``, then the digest and the reference.

    ``docker run`` ends its pull at the "Status:" line; only ``docker pull`` names the reference after it.
    """
    from runtimes.box import progress, pull  # rich and requests: only when pulling

    if quiet:
        click.echo(pull.pull(engine.images, name).reference.canonical, file=out)
        return
    with progress.RichProgress(out) as bars:
        result = pull.pull(engine.images, name, bars)
    for line in progress.summary(result)[:2 if for_run else None]:
        click.echo(line, file=out)


@cli.command(name="pull")
@click.option("-q", "--quiet", is_flag=True, help="print only the image's reference")
@click.argument("name")
def pull_(quiet: bool, name: str) -> None:
    """Download an image from a registry (Docker Hub unless NAME starts with a registry host)."""
    engine = _engine()
    try:
        _pull(engine, name, sys.stdout, quiet)
    except (BoxError, OSError) as err:
        click.echo(f"box: {err}", err=True)
        sys.exit(1)  # docker pull's exit code for every failure


@cli.command()
@click.option("-q", "--quiet", is_flag=True, help="only image IDs")
def images(quiet: bool) -> None:
    """List images."""
    found = _engine().images.list()
    if quiet:
        for image in found:
            click.echo(image.id.split(":")[1][:12])
        return
    rows = [[i.repository, i.tag, i.id.split(":")[1][:12], format.ago(i.created), format.size(i.size)] for i in found]
    click.echo("\n".join(format.table(["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"], rows)))


def _limits(memory: int | None, cpus: float | None, pids: int | None) -> Limits:
    return Limits(memory_bytes=memory, cpus=cpus, pids=pids)


@cli.command(context_settings={"allow_interspersed_args": False})
@click.option("-i", "--interactive", is_flag=True, help="keep stdin open")
@click.option("-t", "--tty", "use_tty", is_flag=True, help="give the container a terminal")
@click.option("-d", "--detach", is_flag=True, help="run in the background and print the container ID")
@click.option("--rm", "auto_remove", is_flag=True, help="remove the container when it exits")
@click.option("--name", callback=check_name, help="a name for the container")
@click.option("--hostname", callback=check_hostname, help="the container's hostname [default: its short ID]")
@click.option("-m", "--memory", type=parse_memory, help="memory limit, e.g. 64m")
@click.option("--cpus", type=click.FloatRange(0.01, 1024), callback=check_cpus, help="CPU limit, in CPUs, e.g. 0.5")
@click.option("--pids-limit", type=click.IntRange(1, 1 << 22), help="most processes at once")
@click.option("-e", "--env", multiple=True, callback=check_env, help="KEY=VALUE (repeatable)")
@click.option("-v", "--volume", "volumes", multiple=True, type=parse_volume, help="/host:/container[:ro] (repeatable)")
@click.option("--security-opt", multiple=True, callback=check_security_opt,
              help="seccomp=unconfined: no seccomp filter (as Docker's flag)")
@click.argument("image")
@click.argument("command", nargs=-1)
def run(interactive, use_tty, detach, auto_remove, name, hostname, memory, cpus, pids_limit, env, volumes, security_opt,
        image, command):
    """Create and start a container from IMAGE."""
    engine = _engine()
    seccomp.program_for(seccomp.setting(security_opt))  # no filter possible: refuse before pulling anything
    try:
        engine.images.resolve(image)
    except NoSuchImage:
        # As `docker run`: say so, pull it (progress on stderr: stdout is the container's), then run it.
        from runtimes.box import reference

        wanted = str(reference.parse(image))  # with its tag: `docker run` names no "default tag"
        click.echo(f"Unable to find image '{wanted}' locally", err=True)
        _pull(engine, wanted, sys.stderr, for_run=True)
    container = engine.create(image, command, name=name, env=env, volumes=volumes, hostname=hostname,
                              limits=_limits(memory, cpus, pids_limit), tty=use_tty, interactive=interactive,
                              detach=detach, auto_remove=auto_remove, security_opt=security_opt)
    if detach:
        _start_detached(engine, container)
        click.echo(container.id)
        return
    sys.exit(_run_attached(engine, container, interactive, use_tty))


def _start_detached(engine: Engine, container: Container) -> None:
    """Output to the container's log file, stdin from /dev/null; nobody waits for it."""
    log = os.open(container.dir / "container.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o640)
    devnull = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
    try:
        started = engine.start(container, (devnull, log, log))
    finally:
        os.close(log)
        os.close(devnull)
    _check_setup(engine, container, started)


def _check_setup(engine: Engine, container: Container, started: Started) -> None:
    error = started.setup_error()
    os.close(started.error_fd)
    if error:
        os.waitpid(started.pid, 0)
        engine.finish(container)
        if container.config.auto_remove:
            engine.remove(container)
        raise BoxError(f"container {container.short_id} could not start: {error}")


def _run_attached(engine: Engine, container: Container, interactive: bool, use_tty: bool) -> int:
    """Start with our terminal (or a pty) attached; wait; return the command's exit code."""
    if use_tty:
        with tty.pseudo_terminal() as (master, slave, path):
            started = engine.start(container, (slave, slave, slave), die_with_parent=True, console=path)
            _check_setup(engine, container, started)
            os.close(slave)
            return _wait_with_terminal(engine, container, started, master, interactive)
    stdin = 0 if interactive else os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
    with tty.shield((stdin, 1, 2)) as shielded:  # never our terminal itself: pipes in its place
        started = engine.start(container, shielded.stdio, die_with_parent=True)
        shielded.close_container_ends()
        if stdin != 0:
            os.close(stdin)
        _check_setup(engine, container, started)
        # Our signals go to box-init, which passes them on (Docker's --sig-proxy).
        return _conclude(engine, container, _wait_relaying(started.pid, shielded, FORWARDED_SIGNALS))


def _wait_relaying(pid: int, shielded: tty.Shield, forward: tuple[int, ...]) -> int:
    """``pid``'s wait status; meanwhile box copies between our terminal and the pipes that replace it."""
    if not shielded.active:  # no terminal: the container has our fds, nothing to copy
        return wait_forwarding_signals(pid, forward)
    pidfd = os.pidfd_open(pid)
    try:
        tty.relay(shielded, pidfd, forward)
    finally:
        os.close(pidfd)
    return os.waitpid(pid, 0)[1]


def _wait_with_terminal(engine: Engine, container: Container, started: Started, master: int, interactive: bool) -> int:
    pidfd = os.pidfd_open(started.pid)
    try:
        with tty.raw_mode(0) if interactive else _nothing():
            tty.proxy(master, pidfd, stdin=0 if interactive else -1)
    finally:
        os.close(pidfd)
    _, status = os.waitpid(started.pid, 0)
    return _conclude(engine, container, status)


class _nothing:
    def __enter__(self) -> None: ...
    def __exit__(self, *exc: object) -> None: ...


def _conclude(engine: Engine, container: Container, status: int) -> int:
    engine.finish(container, status)
    code = container.state.exit_code or 0
    if container.config.auto_remove:
        engine.remove(container)
    return code


@cli.command()
@click.option("-a", "--all", "show_all", is_flag=True, help="also containers that are not running")
@click.option("-q", "--quiet", is_flag=True, help="only container IDs")
@click.option("-f", "--filter", "filters", multiple=True, help="status=created|running|exited, name=N")
@click.option("--no-trunc", is_flag=True, help="full IDs and commands")
def ps(show_all, quiet, filters, no_trunc):
    """List containers."""
    wanted = _parse_filters(filters)
    found = _engine().list(all=show_all or "status" in wanted)
    found = [c for c in found if _matches(c, wanted)]
    if quiet:
        for c in found:
            click.echo(c.id if no_trunc else c.short_id)
        return
    rows = []
    for c in found:
        command = " ".join(c.config.command)
        if not no_trunc and len(command) > 20:
            command = command[:19] + "…"
        st = c.state
        rows.append([c.id if no_trunc else c.short_id, c.config.image, f'"{command}"', format.ago(c.config.created),
                     format.status_text(st.status, st.exit_code, st.started_at, st.finished_at), "", c.name])
    # PORTS stays empty (box publishes no ports) but is kept, so scripts that read docker's columns read box's.
    header = ["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"]
    click.echo("\n".join(format.table(header, rows)))


def _parse_filters(filters: tuple[str, ...]) -> dict[str, set[str]]:
    wanted: dict[str, set[str]] = {}
    for f in filters:
        key, sep, value = f.partition("=")
        if not sep or key not in ("status", "name"):
            raise Refused(f"invalid filter {f!r}: use -f status=created|running|exited or -f name=NAME")
        if key == "status" and value not in {s.value for s in Status}:
            raise Refused(f"invalid filter {f!r}: invalid status {value!r}: use created, running or exited")
        wanted.setdefault(key, set()).add(value)
    return wanted


def _matches(c: Container, wanted: dict[str, set[str]]) -> bool:
    if "status" in wanted and c.state.status.value not in wanted["status"]:
        return False
    return "name" not in wanted or any(n in c.name for n in wanted["name"])


def _each(refs: tuple[str, ...], action) -> None:  # type: ignore[no-untyped-def]
    """Apply ``action`` to every container; report each failure on one line; exit 1 if any failed."""
    engine, failed = _engine(), False
    for ref in refs:
        try:
            action(engine, engine.get(ref))
            click.echo(ref)
        except BoxError as err:
            click.echo(f"Error: {err}", err=True)
            failed = True
    if failed:
        sys.exit(1)


@cli.command()
@click.option("-f", "--force", is_flag=True, help="kill and remove a running container")
@click.argument("containers", nargs=-1, required=True)
def rm(force, containers):
    """Remove containers."""
    _each(containers, lambda engine, c: engine.remove(c, force=force))


@cli.command()
@click.option("-t", "--time", "timeout", type=click.IntRange(0, 3600), default=10, show_default=True,
              help="seconds to wait after SIGTERM before SIGKILL")
@click.argument("containers", nargs=-1, required=True)
def stop(timeout, containers):
    """Stop running containers (SIGTERM, then SIGKILL)."""
    _each(containers, lambda engine, c: engine.stop(c, timeout))


@cli.group()
def container() -> None:
    """Manage containers."""


@container.command()
@click.option("-f", "--force", is_flag=True, help="do not ask for confirmation")
def prune(force):
    """Remove all stopped containers."""
    if not force and not _confirmed("WARNING! This will remove all stopped containers.\n"
                                    "Are you sure you want to continue? [y/N] "):
        return  # docker exits 0 on "no" (and on end of input) too
    engine = _engine()
    # What each container wrote (its upper dir) is what removing it gives back: Docker's "reclaimed space".
    written = {c.id: tree_size(c.dir / "upper") for c in engine.list(all=True) if c.state.status is not Status.RUNNING}
    removed = engine.prune()
    if removed:
        click.echo("Deleted Containers:")
        click.echo("\n".join(removed) + "\n")
    click.echo(f"Total reclaimed space: {format.size(sum(written.get(cid, 0) for cid in removed))}")


def _confirmed(question: str) -> bool:
    """Docker's prompt: one line read from stdin, yes only for "y" or "Y"; end of input is no."""
    click.echo(question, nl=False)
    return sys.stdin.readline().strip() in ("y", "Y")


@cli.command()
@click.option("-f", "--force", is_flag=True, help="accepted for Docker compatibility")
@click.argument("refs", nargs=-1, required=True)
def rmi(force, refs):
    """Remove images (tags, then layers nothing else uses)."""
    engine, failed = _engine(), False
    for ref in refs:
        try:
            lines = engine.images.remove(ref, in_use=engine.in_use_images())
        except BoxError as err:  # as `docker rmi`: say so, go on with the others, exit 1 at the end
            click.echo(f"Error: {err}", err=True)
            failed = True
            continue
        for line in lines:
            click.echo(line)
    if failed:
        sys.exit(1)


@cli.command()
@click.argument("ref")
def logs(ref):
    """Show what a detached container printed."""
    log = _engine().get(ref).dir / "container.log"
    if log.exists():
        sys.stdout.buffer.write(log.read_bytes())


@cli.command(name="exec", context_settings={"allow_interspersed_args": False})
@click.option("-i", "--interactive", is_flag=True)
@click.option("-t", "--tty", "use_tty", is_flag=True)
@click.option("-e", "--env", multiple=True, help="KEY=VALUE (repeatable)")
@click.argument("ref")
@click.argument("command", nargs=-1, required=True)
def exec_(interactive, use_tty, env, ref, command):
    """Run a command in a running container."""
    engine = _engine()
    target = engine.get(ref)
    if use_tty:
        with tty.pseudo_terminal() as (master, slave, _):
            started = engine.exec_in(target, command, (slave, slave, slave), tty=True, env=env)
            _check_exec(started)
            os.close(slave)
            pidfd = os.pidfd_open(started.pid)
            with tty.raw_mode(0) if interactive else _nothing():
                tty.proxy(master, pidfd, stdin=0 if interactive else -1)
            os.close(pidfd)
        sys.exit(exit_code(os.waitpid(started.pid, 0)[1]))
    stdin = 0 if interactive else os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
    with tty.shield((stdin, 1, 2)) as shielded:  # never our terminal itself, as in `box run`
        started = engine.exec_in(target, command, shielded.stdio, env=env)
        shielded.close_container_ends()
        _check_exec(started)
        sys.exit(exit_code(_wait_relaying(started.pid, shielded, forward=())))


def _check_exec(started: Started) -> None:
    error = started.setup_error()
    os.close(started.error_fd)
    if error:
        os.waitpid(started.pid, 0)
        raise BoxError(f"exec failed: {error}")


@cli.command()
@click.argument("refs", nargs=-1, required=True)
def inspect(refs):
    """Low-level information on containers or images, as JSON."""
    engine, out = _engine(), []
    for ref in refs:
        try:
            out.append(_container_json(engine.get(ref)))
        except NoSuchContainer:
            try:
                image = engine.images.resolve(ref)
            except NoSuchImage:
                raise BoxError(f"No such object: {ref}") from None
            out.append({"Id": image.id, "RepoTags": [image.ref] if image.tag != NO_TAG else [],
                        "RepoDigests": [f"{image.repository}@{image.repo_digest}"] if image.repo_digest else [],
                        "Created": image.created, "Size": image.size,
                        "Config": image.config.get("config", {}), "RootFS": image.config.get("rootfs", {})})
    click.echo(json.dumps(out, indent=4))


def _container_json(c: Container) -> dict:
    st = c.state
    return {
        "Id": c.id, "Name": "/" + c.name, "Created": c.config.created, "Path": c.config.command[0],
        "Args": c.config.command[1:], "Image": c.config.image_id,
        "State": {"Status": st.status.value, "Running": st.status is Status.RUNNING, "Pid": st.pid,
                  "ExitCode": st.exit_code, "OOMKilled": st.oom_killed, "StartedAt": st.started_at,
                  "FinishedAt": st.finished_at, "Error": st.error},
        "Config": {"Hostname": c.config.hostname, "Env": c.config.env, "Cmd": c.config.command,
                   "Image": c.config.image, "Tty": c.config.tty, "OpenStdin": c.config.interactive},
        "HostConfig": {"Memory": c.config.limits.memory_bytes or 0, "NanoCpus": int((c.config.limits.cpus or 0) * 1e9),
                       "PidsLimit": c.config.limits.pids, "AutoRemove": c.config.auto_remove,
                       "SecurityOpt": ["seccomp=unconfined"] if c.config.seccomp == seccomp.UNCONFINED else None,
                       "Binds": [f"{v['host']}:{v['target']}{':ro' if v['readonly'] else ''}" for v in c.config.volumes]},
        "GraphDriver": {"Name": "overlay2", "Data": {"UpperDir": str(c.dir / "upper"), "WorkDir": str(c.dir / "work"),
                                                     "MergedDir": str(c.dir / "merged")}},
        "Cgroup": {"Version": cgroups.host_version(), "Path": str(c.cgroup().path)},
    }


def main(argv: list[str] | None = None) -> None:
    """Entry point: every error is one line on stderr, with Docker's exit codes."""
    try:
        cli.main(args=argv, prog_name="box", standalone_mode=False)
    except click.exceptions.Abort:
        sys.exit(130)
    except click.MissingParameter as err:
        if not isinstance(err.param, click.Argument) or err.ctx is None:
            print(f"box: {err.format_message()} (see 'box --help')", file=sys.stderr)
            sys.exit(125)
        # docker exits 1, not 125, when only arguments are missing: `box rm $(box ps -aq)` with nothing to remove.
        path = err.ctx.command_path
        print(f"box: '{path}' requires at least 1 argument (see '{path} --help')", file=sys.stderr)
        sys.exit(1)
    except click.ClickException as err:
        print(f"box: {err.format_message()} (see 'box --help')", file=sys.stderr)
        sys.exit(125)
    except BenchError as err:
        print(f"box: {err}", file=sys.stderr)
        sys.exit(err.exit_code if isinstance(err, BoxError) else 125)
    except OSError as err:
        print(f"box: {err}", file=sys.stderr)
        sys.exit(125)
