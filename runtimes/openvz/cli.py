"""`vz`: vzctl's everyday commands, over the engine in ct.py.

    vz create CTID [--ostemplate NAME] [--diskspace SIZE] [--hostname H] [--ipadd IP]...
    vz set CTID [--ram SIZE] [--numproc N] [--cpus N] [--cpuunits N] [--hostname H]
                [--ipadd IP]... [--ipdel IP|all]... [--save]
    vz start CTID        vz stop CTID [--fast] [-t SECONDS]        vz restart CTID
    vz status CTID       vz list [-a]                              vz destroy CTID
    vz exec CTID COMMAND...                                        vz enter CTID

Exit codes: 0 ok, 1 failure, 2 bad input (one line on stderr saying what and
how to fix it); `vz exec` and `vz enter` exit with the command's own code.
"""

from __future__ import annotations

import os
import signal
import sys

import click

from runtimes.kernel.errors import BenchError
from runtimes._wait import exit_code, wait_forwarding_signals
from runtimes.openvz import config as conf
from runtimes.openvz import net
from runtimes.openvz.ct import STOP_TIMEOUT_S, Container, Engine
from runtimes.openvz.join import Started
from runtimes.openvz.errors import BadInput, VzError

FORWARDED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)


def _engine() -> Engine:
    if os.geteuid() != 0:
        raise VzError("vz needs root (namespaces, loop devices, veth, cgroups): run it with sudo")
    return Engine()


class _Parsed(click.ParamType):
    """A click type whose check is one of config.py's parsers; a bad value is a BadInput (exit 2)."""

    def __init__(self, name: str, parse) -> None:  # type: ignore[no-untyped-def]
        self.name, self._parse = name, parse

    def convert(self, value, param, ctx):  # type: ignore[no-untyped-def]
        return self._parse(value) if isinstance(value, str) else value


CTID = _Parsed("ctid", conf.parse_ctid)
DISKSPACE = _Parsed("size", lambda t: conf.parse_size(t, "--diskspace", conf.MIN_DISKSPACE))
RAM = _Parsed("size", lambda t: conf.parse_size(t, "--ram", conf.MIN_RAM))
NUMPROC = _Parsed("n", lambda t: conf.parse_int(t, "--numproc", 1, 4194304))
CPUUNITS = _Parsed("n", lambda t: conf.parse_int(t, "--cpuunits", 8, 500000))
CPUS = _Parsed("n", conf.parse_cpus)
HOSTNAME = _Parsed("name", conf.parse_hostname)
IP = _Parsed("ip", conf.parse_ip)
IP_OR_ALL = _Parsed("ip", lambda t: t if t == "all" else conf.parse_ip(t))
TEXT = _Parsed("text", lambda t: conf.check_text(t, "--description"))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """vz: OpenVZ-style system containers (isobench), managed like vzctl."""


@cli.command()
@click.argument("ctid", type=CTID)
@click.option("--ostemplate", default=conf.DEFAULT_TEMPLATE, show_default=True, help="the OS template to copy")
@click.option("--diskspace", type=DISKSPACE, default=conf.format_size(conf.DEFAULT_DISKSPACE), show_default=True,
              help="disk quota: the size of the CT's disk image (K, M, G, T)")
@click.option("--hostname", type=HOSTNAME, help="the CT's hostname")
@click.option("--ipadd", "ips", type=IP, multiple=True, help=f"an IP address from {conf.NETWORK} (repeatable)")
@click.option("--description", type=TEXT, default="", help="free text kept in the config")
def create(ctid, ostemplate, diskspace, hostname, ips, description):
    """Create a container: its disk from an OS template, and its config."""
    engine = _engine()
    click.echo(f"Creating CT {ctid} from OS template {ostemplate}: {engine.image_path(ctid)}, "
               f"{conf.format_size(diskspace)} ext4")
    engine.create(ctid, ostemplate=ostemplate, diskspace=diskspace, hostname=hostname, ips=ips, description=description)
    click.echo(f"CT {ctid} created")


@cli.command(name="set")
@click.argument("ctid", type=CTID)
@click.option("--ram", type=RAM, help="memory limit of the whole CT, e.g. 256M")
@click.option("--numproc", type=NUMPROC, help="most processes at once")
@click.option("--cpus", type=CPUS, help="CPU time, in CPUs' worth, e.g. 0.5")
@click.option("--cpuunits", type=CPUUNITS, help="relative CPU weight (default share: 1000)")
@click.option("--hostname", type=HOSTNAME)
@click.option("--ipadd", type=IP, multiple=True, help="add an IP address (repeatable)")
@click.option("--ipdel", type=IP_OR_ALL, multiple=True, help="remove an IP address, or 'all' (repeatable)")
@click.option("--description", type=TEXT)
@click.option("--save", is_flag=True, help="store in the CT's config (else: only the running CT changes)")
def set_(ctid, ram, numproc, cpus, cpuunits, hostname, ipadd, ipdel, description, save):
    """Change a container's limits and network settings."""
    if all(v is None for v in (ram, numproc, cpus, cpuunits, hostname, description)) and not ipadd and not ipdel:
        raise BadInput("nothing to set: give --ram, --numproc, --cpus, --cpuunits, --hostname, --ipadd or --ipdel")
    ct = _engine().set(ctid, ram=ram, numproc=numproc, cpus=cpus, cpuunits=cpuunits, hostname=hostname,
                       ipadd=ipadd, ipdel=ipdel, description=description, save=save)
    if ct.running:
        click.echo(f"CT {ctid}: applied to the running container")
    if save:
        click.echo(f"Saved parameters for CT {ctid}")
    else:
        click.echo(f"WARNING: not saved: CT {ctid} gets its old settings at its next start (use --save)")


@cli.command()
@click.argument("ctid", type=CTID)
@click.option("--wait", "timeout", type=click.FloatRange(0.1, 600), default=10, show_default=True,
              help="seconds to wait for its init to be ready")
def start(ctid, timeout):
    """Start a container: its init becomes PID 1 of new namespaces."""
    engine = _engine()
    config = engine.get(ctid).config
    addresses = " ".join(config.ips) or "no IP address"
    click.echo(f"Starting CT {ctid}: disk {engine.image_path(ctid)}, network vz{ctid} <-> eth0 ({addresses})")
    ct = engine.start(ctid, timeout_s=timeout)
    assert ct.state is not None
    click.echo(f"CT {ctid} is running: init is host PID {ct.state.pid}, ready in {ct.state.start_s * 1e3:.0f} ms")
    if config.ips and net.loose_rp_filter():  # vz never changes a global sysctl; it says what that one costs
        click.echo(f"warning: net.ipv4.conf.all.rp_filter is 2 (loose) on this host, so vz{ctid} checks source "
                   f"addresses loosely too: CT {ctid} could send from other addresses "
                   f"(sysctl -w net.ipv4.conf.all.rp_filter=1 makes it strict; see docs/vz.md)", err=True)


@cli.command()
@click.argument("ctid", type=CTID)
@click.option("--fast", is_flag=True, help="kill at once instead of halting through init")
@click.option("-t", "--timeout", type=click.FloatRange(0, 3600), default=STOP_TIMEOUT_S, show_default=True,
              help="seconds to wait for init to halt before SIGKILL")
def stop(ctid, fast, timeout):
    """Stop a container: halt through its init, SIGKILL after the timeout."""
    engine = _engine()
    if not engine.get(ctid).running:
        click.echo(f"CT {ctid} is not running")
        return
    click.echo(f"Stopping CT {ctid} ({'SIGKILL' if fast else 'halt through its init'}) ...")
    engine.stop(ctid, timeout_s=timeout, fast=fast)
    click.echo(f"CT {ctid} is stopped")


@cli.command()
@click.argument("ctid", type=CTID)
def restart(ctid):
    """Stop a container (if running), then start it."""
    ct = _engine().restart(ctid)
    assert ct.state is not None
    click.echo(f"CT {ctid} restarted: init is host PID {ct.state.pid}, ready in {ct.state.start_s * 1e3:.0f} ms")


@cli.command()
@click.argument("ctid", type=CTID)
def status(ctid):
    """One line, as vzctl's: exists or not, mounted or not, running or down."""
    engine = _engine()
    if not engine.exists(ctid):
        click.echo(f"CTID {ctid} deleted unmounted down")
        return
    running = engine.get(ctid).running  # the disk is mounted exactly while the CT runs (in its namespace)
    click.echo(f"CTID {ctid} exist {'mounted running' if running else 'unmounted down'}")


@cli.command(name="list")
@click.option("-a", "--all", "show_all", is_flag=True, help="also stopped containers")
def list_(show_all):
    """List containers, as vzlist does (running ones unless -a)."""
    engine = _engine()
    click.echo(f"{'CTID':>10} {'NPROC':>10} {'STATUS':<9} {'IP_ADDR':<15} HOSTNAME")
    for ct in engine.list(all=show_all):
        click.echo(_row(engine, ct))


def _row(engine: Engine, ct: Container) -> str:
    nproc = str(len(engine.processes(ct.ctid))) if ct.running else "-"
    ip = ct.config.ips[0] if ct.config.ips else "-"
    return f"{ct.ctid:>10} {nproc:>10} {'running' if ct.running else 'stopped':<9} {ip:<15} {ct.config.hostname or '-'}"


@cli.command()
@click.argument("ctid", type=CTID)
def destroy(ctid):
    """Remove a stopped container: its disk, config and logs."""
    engine = _engine()
    image = engine.image_path(ctid)
    engine.destroy(ctid)
    click.echo(f"CT {ctid} destroyed: {image} removed")


@cli.command(name="exec", context_settings={"allow_interspersed_args": False})
@click.argument("ctid", type=CTID)
@click.argument("command", nargs=-1, required=True)
def exec_(ctid, command):
    """Run a command in a running container (through /bin/sh -c, as vzctl exec), with its exit code."""
    started = _engine().exec_in(ctid, ["/bin/sh", "-c", " ".join(command)], (0, 1, 2))
    _check_started(started)
    sys.exit(exit_code(wait_forwarding_signals(started.pid, FORWARDED_SIGNALS)))


@cli.command()
@click.argument("ctid", type=CTID)
def enter(ctid):
    """An interactive root shell inside a running container (needs a terminal)."""
    from runtimes.kernel import tty

    if not os.isatty(0):
        raise BadInput("vz enter needs a terminal on its standard input; use vz exec to run commands")
    engine = _engine()
    with tty.pseudo_terminal() as (master, slave, _):
        started = engine.exec_in(ctid, ["/bin/sh"], (slave, slave, slave), tty=True, env=[r"PS1=\h:\w# "])
        _check_started(started)
        os.close(slave)
        click.echo(f"entered into CT {ctid}", err=True)
        pidfd = os.pidfd_open(started.pid)
        try:
            with tty.raw_mode(0):
                tty.proxy(master, pidfd, stdin=0)
        finally:
            os.close(pidfd)
    _, status = os.waitpid(started.pid, 0)
    click.echo(f"exited from CT {ctid}", err=True)
    sys.exit(exit_code(status))


def _check_started(started: Started) -> None:
    error = started.setup_error()
    os.close(started.error_fd)
    if error:
        os.waitpid(started.pid, 0)
        raise VzError(f"exec failed: {error}")


def main(argv: list[str] | None = None) -> None:
    """Entry point: every error is one line on stderr; 2 for bad input, 1 for a failure."""
    try:
        cli.main(args=argv, prog_name="vz", standalone_mode=False)
    except click.exceptions.Abort:
        sys.exit(130)
    except click.ClickException as err:
        print(f"vz: {err.format_message()} (see 'vz --help')", file=sys.stderr)
        sys.exit(err.exit_code)
    except BenchError as err:
        print(f"vz: {err}", file=sys.stderr)
        sys.exit(err.exit_code)
    except OSError as err:
        print(f"vz: {err}", file=sys.stderr)
        sys.exit(1)
