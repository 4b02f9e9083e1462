"""box's command line without root: the Docker-style option parser, and what `box run` imports.

The parser (runtimes/box/commands/options.py) replaces click for box, so
its reading of a command line is checked here as docker's pflag reads it;
the import check keeps `box run`'s start-up from growing back (make perf
measures the time itself).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from runtimes.box.commands import VERBS
from runtimes.box.commands import run as run_verb
from runtimes.box.commands.options import MissingArguments, UsageProblem, parse
from tests.conftest import REPO


def test_short_flags_cluster_and_values_attach_as_docker_reads_them() -> None:
    opts, args = parse(run_verb.VERB, ["-it", "-m64m", "--name=web", "-e", "A=1", "--env", "B=2", "--rm",
                                       "busybox", "sh", "-c", "echo -m --rm"])
    assert (opts["interactive"], opts["tty"], opts["rm"], opts["detach"]) == (True, True, True, False)
    assert (opts["memory"], opts["name"], opts["env"]) == (64 * 2**20, "web", ["A=1", "B=2"])
    assert args == ["busybox", "sh", "-c", "echo -m --rm"]  # run's options end at the image


def test_a_flag_may_say_false_and_a_value_may_follow_in_a_cluster() -> None:
    opts, args = parse(run_verb.VERB, ["--rm=false", "-dm", "8m", "img"])
    assert (opts["rm"], opts["detach"], opts["memory"], args) == (False, True, 8 * 2**20, ["img"])


def test_double_dash_ends_the_options() -> None:
    _, args = parse(run_verb.VERB, ["--", "-image-"])
    assert args == ["-image-"]


@pytest.mark.parametrize("argv, words", [
    (["--bogus", "img"], "unknown flag: \"--bogus\""),
    (["-x", "img"], "unknown shorthand flag: \"x\" in \"-x\""),
    (["-m"], "flag needs an argument"),
    (["-m", "1k", "img"], "the minimum memory limit is 6m"),
    (["--cpus", "nan", "img"], "from 0.01 to 1024"),
    (["--name", "a\nb", "img"], "invalid container name"),
    (["-v", "/a:b", "img"], "both paths must be absolute"),
    (["--rm=maybe", "img"], "a flag takes no value"),
])
def test_bad_flags_are_one_line_and_exit_125(argv: list[str], words: str) -> None:
    with pytest.raises(UsageProblem) as refused:
        parse(run_verb.VERB, argv)
    assert refused.value.exit_code == 125 and words in str(refused.value) and "\n" not in str(refused.value)


def test_missing_arguments_exit_1_as_the_docker_client_does() -> None:
    with pytest.raises(MissingArguments) as missing:
        parse(run_verb.VERB, ["--rm"])
    assert missing.value.exit_code == 1 and str(missing.value).startswith('"box run" requires at least 1 argument')


def test_help_lists_every_option_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        parse(run_verb.VERB, ["--help"])
    shown = capsys.readouterr().out
    assert done.value.code == 0 and shown.startswith("Usage:  box run [OPTIONS] IMAGE [COMMAND] [ARG...]")
    for option in run_verb.VERB.options:
        assert option.flags[-1] in shown


def test_every_verb_module_declares_its_verb() -> None:
    import importlib

    for name, (module, _) in VERBS.items():
        assert importlib.import_module(f"runtimes.box.commands.{module}").VERB.name == name


def test_box_run_imports_no_command_line_library_no_puller_and_no_typing() -> None:
    """What `box run` loads: the engine and the kernel steps; not click, rich, the registry client or typing."""
    code = "import sys, runtimes.box.cli, runtimes.box.commands.run; print(' '.join(sorted(sys.modules)))"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    loaded = set(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                env=env).stdout.split())
    unwanted = {"click", "rich", "requests", "runtimes.box.pull", "runtimes.box.registry", "runtimes.base",
                "typing", "subprocess", "tarfile", "tempfile", "socket", "datetime", "random", "argparse"}
    assert loaded & unwanted == set()
    assert {"runtimes.box.container", "runtimes.box.contain", "runtimes.kernel.seccomp"} <= loaded
