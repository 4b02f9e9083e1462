"""`bench`: the command line. Parses, calls one library function, prints.

Exit codes: 0 ok, 1 a failure, 2 bad input (usage, scenario file, names),
130 interrupted by Ctrl-C (what was measured stays in the store).
"""

from __future__ import annotations

import os
import re
import signal
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from bench import clean as clean_mod
from bench import doctor as doctor_mod
from bench import scenario as scenario_mod
from bench.errors import BenchError, UsageError
from bench.runner import Lineup, RunOptions, run_suite
from bench.store import Store
from runtimes import RUNTIMES, build_image, runtime_names

DEFAULT_REPORTS = Path(os.environ.get("ISOBENCH_REPORTS", "reports"))

err_console = Console(stderr=True)
out_console = Console()


class RichProgress:
    """The runner's Progress, drawn as a rich progress bar on stderr."""

    def __init__(self, progress: Progress) -> None:
        self._progress, self._task = progress, None

    def begin(self, label: str, total: int) -> None:
        self._task = self._progress.add_task(label, total=total)

    def advance(self) -> None:
        self._progress.advance(self._task)

    def note(self, text: str) -> None:
        self._progress.console.print(f"[yellow]{text}[/yellow]", highlight=False)


def _store_option(f):
    return click.option("--store", "store_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
                        help="results database [default: REPORTS/isobench.sqlite]")(f)


def _reports_option(f):
    return click.option("--reports", "reports_dir", type=click.Path(file_okay=False, path_type=Path),
                        default=DEFAULT_REPORTS, show_default=True, help="where reports and the store go")(f)


def _lang_option(f):
    return click.option("--lang", type=click.Choice(["en", "es"]), default="en", show_default=True,
                        help="language of the HTML report (es: Spanish)")(f)


def _scenarios_option(f):
    return click.option("--scenarios", "scenario_dir", type=click.Path(file_okay=False, exists=True, path_type=Path),
                        default=scenario_mod.DEFAULT_DIR, show_default=True, help="directory of scenario files")(f)


def _no_report_option(f):
    return click.option("--no-report", is_flag=True, help="do not write the HTML report at the end")(f)


def _from_option(f):
    return click.option("--from", "other_stores", multiple=True,
                        type=click.Path(dir_okay=False, exists=True, path_type=Path),
                        help="another results file (e.g. a student's isobench.sqlite), repeatable; "
                             "sessions are looked up in every file")(f)


def _stores(store_path: Path | None, reports_dir: Path, other_stores: tuple[Path, ...]) -> list[Path]:
    """The store files to read: --store (or the default one, if it exists), then every --from."""
    main = store_path or reports_dir / "isobench.sqlite"
    return ([main] if store_path or main.exists() else []) + list(other_stores)


def _open_store(store_path: Path | None, reports_dir: Path) -> Store:
    return Store(store_path or reports_dir / "isobench.sqlite")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """isobench: the same workload under native, chroot, containers and VMs, measured side by side."""


@cli.command()
@click.argument("names", nargs=-1)
@click.option("-r", "--runtime", "runtimes", multiple=True, type=click.Choice(runtime_names()),
              help="run only these runtimes (repeatable); native always runs as the baseline")
@click.option("-n", "--repetitions", type=click.IntRange(1, 10_000), help="measured runs per runtime (overrides the scenario)")
@click.option("--quick", is_flag=True, help="few, small runs: a check in minutes, not for conclusions")
@_scenarios_option
@_no_report_option
@_lang_option
@_store_option
@_reports_option
def run(names, runtimes, repetitions, quick, scenario_dir, no_report, lang, store_path, reports_dir) -> None:
    """Run scenarios: `all`, names, or paths to .toml files."""
    scenarios = scenario_mod.select(names, scenario_dir)
    options = RunOptions(quick=quick, repetitions=repetitions, runtimes=tuple(runtimes),
                         command="bench " + " ".join(sys.argv[1:]))
    # One run per state directory at a time; what a killed earlier run left is removed first.
    with clean_mod.run_lock(), _open_store(store_path, reports_dir) as store:
        _print_removed(clean_mod.clean())
        _print_interrupted(store)
        err_console.print("building the image (cached after the first time)…")
        image = build_image()
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        try:
            with Progress(*columns, console=err_console, transient=False) as bar:
                session = run_suite(scenarios, store, image, options, RichProgress(bar), lineup=Lineup.registered())
        except KeyboardInterrupt:
            err_console.print(f"interrupted: finished runs are kept in {store.path}; `bench report` builds a report from them")
            sys.exit(130)
        _print_summary(store, session)
        click.echo(f"session {session} stored in {store.path}")
        if not no_report:
            from bench.report import write_report  # pandas and plotly: only now, after the runs

            click.echo(f"report: {write_report(store, reports_dir, session, lang)}")


def _print_summary(store: Store, session: str) -> None:
    from bench.report import summary_table
    from bench.report import text as text_report

    data = store.load(session)
    out_console.print(text_report.rich_table(data, summary_table(data)))  # fits 100 columns: short figure labels


class _Duration(click.ParamType):
    """A time as a teacher types it: 20s, 90s, 2m, or plain seconds (20)."""

    name = "duration"

    def convert(self, value, param, ctx) -> float:
        if isinstance(value, (int, float)):
            return float(value)
        match = re.fullmatch(r"(\d+(?:\.\d*)?)\s*(s|m|min)?", value.strip().lower())
        if not match:
            self.fail(f"{value!r} is not a time: write e.g. 20s, 90s or 2m", param, ctx)
        seconds = float(match[1]) * (60.0 if match[2] in ("m", "min") else 1.0)
        if not seconds > 0:
            self.fail(f"{value!r}: the race must last some time, e.g. 20s", param, ctx)
        return seconds


@cli.command()
@click.option("-r", "--runtime", "runtimes", multiple=True, required=True, type=click.Choice(runtime_names()),
              help="a lane: a runtime to race (repeat it: two or more, e.g. -r box -r libvirt)")
@click.option("--for", "duration", type=_Duration(), default="20s", show_default=True,
              help="how long lanes keep starting (20s, 2m); a start under way at the end is let finish")
@click.option("--warmup", type=click.IntRange(0, 1000), default=0, show_default=True,
              help="store each lane's first starts as warm-ups (they are drawn and counted all the same)")
@click.option("--scenario", "scenario_name", default="startup", show_default=True,
              help="the scenario whose workload each lane starts (a one-at-a-time one: startup, cpu, memory…)")
@_scenarios_option
@_no_report_option
@_lang_option
@_store_option
@_reports_option
def race(runtimes, duration, warmup, scenario_name, scenario_dir, no_report, lang, store_path, reports_dir) -> None:
    """Race runtimes live, side by side: each starts the workload again and again; stored as a session."""
    from bench.race import RaceOptions, check_options, run_race
    from bench.raceboard import RichBoard

    (scenario,) = scenario_mod.select([scenario_name], scenario_dir)
    if scenario.density is not None or scenario.mode == "iso":
        raise UsageError(f"scenario {scenario.name!r} cannot race: a lane starts one instance at a time "
                         "(try startup, cpu or memory)")
    options = RaceOptions(runtimes=tuple(runtimes), duration_s=duration, warmup=warmup,
                          command="bench " + " ".join(sys.argv[1:]))
    lineup = Lineup.registered()
    check_options(options, lineup)  # bad lanes fail before the image is built
    with clean_mod.run_lock(), _open_store(store_path, reports_dir) as store:
        _print_removed(clean_mod.clean())
        _print_interrupted(store)
        err_console.print("building the image (cached after the first time)…")
        image = build_image()
        try:
            with RichBoard(err_console, scenario.name) as board:
                result = run_race(scenario, store, image, options, board, lineup=lineup)
        except KeyboardInterrupt:  # while the runtimes were being set up, before the race began
            err_console.print(f"interrupted before the race began; the session is kept in {store.path}")
            sys.exit(130)
        for line in result.summary_lines():
            out_console.print(line, highlight=False)
        click.echo(f"session {result.session} ({result.status}) stored in {store.path}")
        if result.interrupted:
            click.echo(f"`bench report --session {result.session}` builds its report")
            sys.exit(130)
        if not no_report:
            from bench.report import write_report  # pandas and plotly: only now, after the race

            click.echo(f"report: {write_report(store, reports_dir, result.session, lang)}")


@cli.command()
@click.option("--session", "session_ids", multiple=True,
              help="session id [default: the newest with runs]; repeat it to put sessions side by side")
@_from_option
@_lang_option
@_store_option
@_reports_option
def report(session_ids, other_stores, lang, store_path, reports_dir) -> None:
    """Rebuild the HTML report from the store(s), without running anything."""
    from bench.report import write_report, write_side_by_side
    from bench.report.sources import load_sessions

    if len(session_ids) <= 1 and not other_stores:
        with _open_store(store_path, reports_dir) as store:
            click.echo(f"report: {write_report(store, reports_dir, session_ids[0] if session_ids else None, lang)}")
        return
    click.echo(f"report: {write_side_by_side(load_sessions(_stores(store_path, reports_dir, other_stores), session_ids), reports_dir, lang)}")


@cli.command()
@click.argument("session_a")
@click.argument("session_b")
@_from_option
@_store_option
@_reports_option
def compare(session_a, session_b, other_stores, store_path, reports_dir) -> None:
    """Compare two sessions figure by figure: the ratio B / A, and whether it is beyond the noise."""
    from bench.report.compare import HEADER, change_rows, compare_sessions, comparison_notes
    from bench.report.sources import load_sessions

    a, b = load_sessions(_stores(store_path, reports_dir, other_stores), [session_a, session_b])
    changes = compare_sessions(a, b)
    table = Table(*HEADER, title=f"A = {a.info.id}, B = {b.info.id}: medians")
    for row in change_rows(changes):
        table.add_row(*row)
    out_console.print(table)
    for note in comparison_notes(a, b, changes):
        out_console.print(note, highlight=False)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "pytest-benchmark"]), default="json",
              show_default=True, help="json: the whole session; csv: one row per sample; "
              "pytest-benchmark: its JSON, for `pytest-benchmark compare`")
@click.option("--session", help="session id [default: the newest with runs]")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="file to write [default: stdout]")
@_store_option
@_reports_option
def export(fmt, session, output, store_path, reports_dir) -> None:
    """Export a session's raw results for other tools."""
    from bench.report.export import export as export_session

    with _open_store(store_path, reports_dir) as store:
        text = export_session(store.load(session), fmt)
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as err:
        raise UsageError(f"export: cannot write {output}: {err.strerror}; pass -o with a writable path") from None
    click.echo(f"{fmt} export: {output}")


@cli.command()
@_store_option
@_reports_option
def sessions(store_path, reports_dir) -> None:
    """List the sessions in the store."""
    with _open_store(store_path, reports_dir) as store:
        store.mark_interrupted()  # a session whose process is gone is not running, however it died
        table = Table("session", "started (UTC)", "status", "command")
        for s in store.sessions():
            table.add_row(s.id, s.started_at, s.status, s.command)
        out_console.print(table)


@cli.command(name="list")
@click.option("--scenarios", "scenario_dir", type=click.Path(file_okay=False, exists=True, path_type=Path),
              default=scenario_mod.DEFAULT_DIR, show_default=True)
def list_(scenario_dir) -> None:
    """List scenarios, and runtimes with whether they can run here."""
    table = Table("scenario", "workload", "runs", "question", title="Scenarios")
    for s in scenario_mod.load_all(scenario_dir):
        table.add_row(s.name, " ".join([s.mode, *s.args]), f"{s.warmup}+{s.repetitions}", s.description)
    out_console.print(table)
    rt = Table("runtime", "available", "what it is / why not", title="Runtimes")
    for r in RUNTIMES:
        a = r.available()
        rt.add_row(r.name, "yes" if a.ok else "[red]no[/red]", r.summary if a.ok else f"{a.reason} — fix: {a.fix}")
    out_console.print(rt)


@cli.command()
def image() -> None:
    """Build the one image (or find it in the cache) and print its root directory."""
    click.echo(build_image().rootfs)


def _print_removed(removed: list[clean_mod.Removed]) -> None:
    for item in removed:
        err_console.print(f"clean: {item.line()}", highlight=False)


def _print_interrupted(store: Store) -> list[str]:
    """Mark the store's sessions whose `bench run` is gone (killed, crashed) as interrupted, and say so."""
    gone = store.mark_interrupted()
    for sid in gone:
        err_console.print(f"clean: session {sid} marked interrupted: its bench run is gone", highlight=False)
    return gone


@cli.command()
@_store_option
@_reports_option
def clean(store_path, reports_dir) -> None:
    """Remove what killed runs left behind (processes, containers, cgroups, mounts, loop devices, domains, trees)."""
    with clean_mod.run_lock():
        removed = clean_mod.clean()
        main_store = store_path or reports_dir / "isobench.sqlite"
        if main_store.exists():  # `bench clean` never creates a store
            with Store(main_store) as store:
                _print_interrupted(store)
    for item in removed:
        click.echo(item.line())
    click.echo(f"{sum(not r.error for r in removed)} orphan(s) removed" if removed else "nothing to clean")
    if any(r.error for r in removed):
        sys.exit(1)


@cli.command()
def doctor() -> None:
    """Check this host and print the exact fix for anything missing."""
    checks = doctor_mod.diagnose()
    for c in checks:
        mark = "[green]ok[/green]  " if c.ok else "[red]MISSING[/red]"
        line = f"{mark} {c.name}" + (f": {c.detail}" if c.detail else "")
        out_console.print(line + (f"\n         fix: [bold]{c.fix}[/bold]" if not c.ok and c.fix else ""), highlight=False)
    if not all(c.ok for c in checks):
        sys.exit(1)


def main(argv: list[str] | None = None) -> None:
    """Entry point: BenchError → one line on stderr and its exit code; no traceback."""
    try:
        cli.main(args=argv, prog_name="bench", standalone_mode=False)
    except click.exceptions.Abort:
        err_console.print("interrupted")
        sys.exit(130)
    except click.UsageError as err:
        hint = f" (see: bench {err.ctx.info_name if err.ctx and err.ctx.parent else ''} --help)".replace("  ", " ")
        print(f"error: {err.format_message()}{hint}", file=sys.stderr)
        sys.exit(2)
    except click.ClickException as err:
        print(f"error: {err.format_message()}", file=sys.stderr)
        sys.exit(err.exit_code)
    except BenchError as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(err.exit_code)
    except KeyboardInterrupt:  # outside click's own handling, e.g. while it unwinds
        err_console.print("interrupted")
        sys.exit(130)
    finally:
        # Everything is stored and printed: a Ctrl-C now, while Python shuts
        # down, would only turn the exit status into "killed by SIGINT". Only
        # as the process's entry point (argv None): a library or test caller
        # keeps its Ctrl-C, and so do the children it starts later.
        if argv is None:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
