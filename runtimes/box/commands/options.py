"""A small Docker-style option parser: what box's verbs need of click or argparse, without their start-up.

Each verb declares a ``Verb`` with its ``Option``s; ``parse`` reads the
command line the way docker's (spf13/pflag) does:

- ``-it`` is ``-i -t``; a short option's value may follow in the same word (``-m64m``) or the next;
- ``--name web`` and ``--name=web``; a flag may say ``--rm=false``; a repeatable option gives a list;
- ``--`` ends the options; for `run` and `exec` the first argument does too (what follows is the command's);
- ``-h``/``--help`` prints the verb's help on stdout.

Refusals are ``UsageProblem``s, one line each, with docker's exit codes:
125 for a bad flag or value ("invalid argument … for … flag"), 1 when only
arguments are missing (``"box rm" requires at least 1 argument``, which
is what `box rm $(box ps -aq)` says with nothing to remove).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator

from runtimes.box.commands import GROUPS, VERBS

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms of every `box run`)
if TYPE_CHECKING:
    from typing import Any


class UsageProblem(Exception):
    """A command line box refuses before doing anything; ``str()`` is the one line, without "box: "."""

    exit_code = 125


class MissingArguments(UsageProblem):
    exit_code = 1  # as the docker client: only a missing argument, not a bad flag


# Plain classes rather than dataclasses: making a dataclass compiles its methods at import, about half
# a millisecond each, and every verb imports this module (dataclasses are used where that cost is paid once).
class Option:
    """One option: its flags, where its value goes, and how its text becomes a value."""

    __slots__ = ("flags", "dest", "help", "metavar", "convert", "repeat", "default")

    def __init__(self, flags: tuple[str, ...], dest: str, help: str, metavar: str | None = None,
                 convert: Callable[[str], object] | None = None, repeat: bool = False, default: object = None) -> None:
        self.flags = flags          # ("-m", "--memory"): at most one short, one long
        self.dest = dest            # the key in what ``parse`` returns
        self.help = help
        self.metavar = metavar      # the value's kind in --help ("string", "bytes"…); None: a flag
        self.convert = convert      # raises ValueError with the reason when it refuses
        self.repeat = repeat        # may be given again: the values in a list
        self.default = default

    @property
    def takes_value(self) -> bool:
        return self.metavar is not None

    def names(self) -> str:
        return ", ".join(self.flags)


class Verb:
    """A verb's command line: its usage, options, how many arguments, and whether options may follow them."""

    __slots__ = ("name", "arguments", "options", "least", "most", "interspersed")

    def __init__(self, name: str, arguments: str, options: tuple[Option, ...] = (), least: int = 0,
                 most: int | None = None, interspersed: bool = True) -> None:
        self.name = name                    # "run", "container prune"
        self.arguments = arguments          # usage after [OPTIONS]: "IMAGE [COMMAND] [ARG...]"
        self.options = options
        self.least = least                  # positional arguments needed
        self.most = most                    # None: no limit
        self.interspersed = interspersed    # options may follow arguments (not for run and exec)

    @property
    def summary(self) -> str:
        return VERBS[self.name][1]


HELP = Option(("-h", "--help"), "help", "Print usage")


def parse(verb: Verb, argv: list[str]) -> tuple[dict[str, Any], list[str]]:
    """(option values by ``dest``, positional arguments) of ``argv``; prints help and exits 0 on -h."""
    values: dict[str, Any] = {o.dest: ([] if o.repeat else (False if not o.takes_value else o.default))
                                 for o in verb.options}
    by_flag = {flag: o for o in (*verb.options, HELP) for flag in o.flags}
    arguments: list[str] = []
    words = iter(argv)
    for word in words:
        if word == "--" or (arguments and not verb.interspersed):
            arguments += [] if word == "--" else [word]
            arguments += list(words)
            break
        if not word.startswith("-") or word == "-":
            arguments.append(word)
            continue
        if word.startswith("--"):
            name, eq, attached = word.partition("=")
            option = by_flag.get(name)
            if option is None:
                raise UsageProblem(f"unknown flag: {shown(name)} (see 'box {verb.name} --help')")
            _take(verb, option, values, attached if eq else None, words, name)
            continue
        for i, letter in enumerate(word[1:], start=1):  # a cluster of short flags: -it, -dm 64m, -m64m
            option = by_flag.get(f"-{letter}")
            if option is None:
                raise UsageProblem(f"unknown shorthand flag: {shown(letter)} in {shown(word)} "
                                   f"(see 'box {verb.name} --help')")
            rest = word[i + 1:]
            if option.takes_value:
                value = rest.removeprefix("=") if rest else None
                _take(verb, option, values, value, words, f"'{letter}' in {shown(word)}")
                break
            _take(verb, option, values, None, words, shown(word))
    if len(arguments) < verb.least:
        plural = "s" if verb.least > 1 else ""
        raise MissingArguments(f'"box {verb.name}" requires at least {verb.least} argument{plural} '
                               f"(see 'box {verb.name} --help')")
    if verb.most is not None and len(arguments) > verb.most:
        raise UsageProblem(f'"box {verb.name}" accepts at most {verb.most} argument{"s" if verb.most > 1 else ""}, '
                           f"got {len(arguments)} (see 'box {verb.name} --help')")
    return values, arguments


def _take(verb: Verb, option: Option, values: dict[str, Any], attached: str | None, words: Iterator[str],
          said: str) -> None:
    """Record one occurrence of ``option``; its value is ``attached`` or the next word."""
    if option is HELP:
        print(help_text(verb))
        raise SystemExit(0)
    if not option.takes_value:
        if attached not in (None, "true", "false"):
            raise UsageProblem(f'invalid argument {shown(attached)} for "{option.names()}" flag: '
                               f"a flag takes no value, or true or false (see 'box {verb.name} --help')")
        values[option.dest] = attached != "false"
        return
    text = attached if attached is not None else next(words, None)
    if text is None:
        raise UsageProblem(f"flag needs an argument: {said} (see 'box {verb.name} --help')")
    try:
        value = option.convert(text) if option.convert else text
    except ValueError as err:
        raise UsageProblem(f'invalid argument {shown(text)} for "{option.names()}" flag: {err} '
                           f"(see 'box {verb.name} --help')") from None
    if option.repeat:
        values[option.dest].append(value)
    else:
        values[option.dest] = value


def shown(text: str) -> str:
    """``text`` in double quotes as typed, or as a Python literal if it holds a line break or such: one line."""
    return f'"{text}"' if text.isprintable() and '"' not in text else repr(text)


def help_text(verb: Verb) -> str:
    """Docker's --help layout: usage, the summary, then the options in two columns."""
    rows = [(("    " if o.flags[0].startswith("--") else "") + o.names() + (f" {o.metavar}" if o.metavar else ""),
             o.help + _default(o)) for o in (*verb.options, HELP)]
    width = max(len(left) for left, _ in rows) + 3
    lines = [f"Usage:  box {verb.name} [OPTIONS] {verb.arguments}".rstrip(), "", verb.summary, "", "Options:"]
    lines += [f"  {left.ljust(width)}{right}" for left, right in rows]
    return "\n".join(lines)


def _default(option: Option) -> str:
    return f" (default {option.default})" if option.takes_value and option.default is not None else ""


def top_help(group: str | None = None) -> str:
    """`box --help` (or `box container --help`): every verb and its summary, from ``VERBS`` alone."""
    if group is None:
        listed = {name: summary for name, (_, summary) in VERBS.items() if " " not in name} | GROUPS
        head = ["Usage:  box [OPTIONS] COMMAND", "", "box: isobench's own container runtime, with Docker's everyday "
                "commands.", "", "Options:", "  -h, --help   Print usage", "", "Commands:"]
        tail = ["", "Run 'box COMMAND --help' for more information on a command."]
    else:
        listed = {name.split(" ", 1)[1]: summary for name, (_, summary) in VERBS.items()
                  if name.startswith(f"{group} ")}
        head = [f"Usage:  box {group} COMMAND", "", GROUPS[group], "", "Commands:"]
        tail = ["", f"Run 'box {group} COMMAND --help' for more information on a command."]
    width = max(len(name) for name in listed) + 3
    return "\n".join([*head, *(f"  {name.ljust(width)}{summary}" for name, summary in sorted(listed.items())), *tail])


def out(text: str = "", *, err: bool = False, end: str = "\n") -> None:
    """One line (or more) on stdout, or stderr; click.echo's job, without click."""
    stream = sys.stderr if err else sys.stdout
    stream.write(text + end)
    stream.flush()  # in order with what the container writes to the same descriptors
