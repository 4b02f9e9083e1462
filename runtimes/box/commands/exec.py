"""`box exec [-i] [-t] [-e KEY=VALUE] CONTAINER COMMAND [ARG...]`: run a command in a running container.

The engine joins the container's cgroup and namespaces (container.py,
``Engine.exec_in``); here is only what the caller's terminal gets, as for
`box run`: pipes in its place without -t, a fresh pty with it.
"""

from __future__ import annotations

import os

from runtimes._wait import exit_code
from runtimes.box.commands import attach, values
from runtimes.box.commands.common import engine
from runtimes.box.commands.options import Option, Verb, parse
from runtimes.kernel import tty

VERB = Verb("exec", "CONTAINER COMMAND [ARG...]", least=2, interspersed=False, options=(
    Option(("-i", "--interactive"), "interactive", "keep stdin open"),
    Option(("-t", "--tty"), "tty", "give the command a terminal"),
    Option(("-e", "--env"), "env", "KEY=VALUE (repeatable)", "list", values.env, repeat=True),
))


def main(argv: list[str]) -> int:
    opts, (ref, *command) = parse(VERB, argv)
    box = engine()
    target = box.get(ref)
    interactive, env = opts["interactive"], opts["env"]
    if opts["tty"]:
        with tty.pseudo_terminal() as (master, slave, _):
            started = box.exec_in(target, command, (slave, slave, slave), tty=True, env=env)
            attach.check_exec(started)
            os.close(slave)
            return exit_code(attach.proxy_terminal(started.pid, master, interactive))
    stdin = 0 if interactive else os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
    with tty.shield((stdin, 1, 2)) as shielded:  # never our terminal itself, as in `box run`
        started = box.exec_in(target, command, shielded.stdio, env=env)
        shielded.close_container_ends()
        attach.check_exec(started)
        return exit_code(attach.wait_relaying(started.pid, shielded, forward=()))
