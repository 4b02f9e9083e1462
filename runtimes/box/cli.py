"""`box`: the command line a Docker class uses, over the engine in container.py.

    box run [-it] [-d] [--rm] [--name N] [-m MEM] [--cpus N] [--pids-limit N]
            [-e K=V] [-v HOST:CTR[:ro]] [--security-opt seccomp=unconfined] IMAGE [CMD...]
    box ps [-a] [-q] [-f status=exited]     box rm [-f] C...     box container prune
    box pull [-q] NAME[:TAG|@DIGEST]        box images      box rmi IMAGE...
    box import SOURCE NAME[:TAG]
    box logs C      box exec [-it] C CMD    box stop C...        box inspect X...
    box version

This module only dispatches: it reads the verb and imports that verb's
module from ``commands/`` (one per verb, as crun has one file per command),
so `box run` pays for the engine and nothing else — no command-line
library, no image puller. The options are parsed Docker's way by
``commands/options.py``.

Exit codes as Docker's: 125 when box itself fails (bad flags included),
126 when the command cannot be run, 127 when it is not found, else the
command's own; 1 where docker's daemon refuses (`box pull` failing, `rm`
or `rmi` of what is not there or is in use, an unknown `ps -f` filter) and
where arguments are missing (`box rm $(box ps -aq)` with nothing to remove),
as the docker client exits then. Every error is one line on stderr.
docs/box.md's "box beside Docker" table lists what else agrees and differs.
"""

from __future__ import annotations

import gc
import importlib
import sys

from runtimes.box.commands import GROUPS, VERBS
from runtimes.box.commands.options import UsageProblem, shown, top_help


def _verb(args: list[str]) -> tuple[str, list[str]]:
    """(module name under commands/, the verb's own arguments); help and unknown verbs end here."""
    first = args[0] if args else "--help"
    if first in ("-h", "--help"):
        print(top_help())
        raise SystemExit(0)
    if first in GROUPS:
        second = args[1] if len(args) > 1 else "--help"
        if second in ("-h", "--help"):
            print(top_help(first))
            raise SystemExit(0)
        if f"{first} {second}" not in VERBS:
            raise UsageProblem(f"unknown command: box {first} {shown(second)} (see 'box {first} --help')")
        return VERBS[f"{first} {second}"][0], args[2:]
    if first.startswith("-"):
        raise UsageProblem(f"unknown flag: {shown(first)} (see 'box --help')")
    if first not in VERBS:
        raise UsageProblem(f"unknown command: box {shown(first)} (see 'box --help')")
    return VERBS[first][0], args[1:]


def main(argv: list[str] | None = None) -> None:
    """Entry point: every error is one line on stderr, with Docker's exit codes."""
    args = sys.argv[1:] if argv is None else list(argv)
    command = argv is None  # run as the `box` command, not called from Python (the tests call main)
    try:
        module, rest = _verb(args)
        if command:
            # Importing the verb allocates tens of thousands of objects, each batch of which would wake the
            # cycle collector for nothing (none of them is garbage): off while importing, then what was
            # imported is set aside for good (gc.freeze), so later collections skip it. ~15% of the imports.
            gc.disable()
        verb = importlib.import_module(f"runtimes.box.commands.{module}")
        if command:
            gc.freeze()
            gc.enable()
        code = verb.main(rest)
    except UsageProblem as err:
        code = _say(err, err.exit_code)
    except KeyboardInterrupt:
        code = 130
    except Exception as err:  # noqa: BLE001 — sorted below: what the user can act on is one line, a bug is not
        code = _failure(err)
    if code:
        sys.exit(code)


def _failure(err: Exception) -> int:
    """A BenchError or OSError as one line with its exit code; anything else is a bug and keeps its traceback."""
    from runtimes.box.errors import BoxError  # loaded already by whichever verb raised
    from runtimes.kernel.errors import BenchError

    if isinstance(err, BenchError):
        return _say(err, err.exit_code if isinstance(err, BoxError) else 125)
    if isinstance(err, OSError):
        return _say(err, 125)
    raise err


def _say(err: Exception, code: int) -> int:
    """``err`` on one line of stderr, whatever a name in it holds (a typed line break is shown as \\n)."""
    sys.stdout.flush()
    print("box: " + str(err).replace("\r", "\\r").replace("\n", "\\n"), file=sys.stderr)
    return code
