"""`box run [OPTIONS] IMAGE [COMMAND] [ARG...]`: create and start a container, attached or detached.

The verb whose start-up ``make perf`` measures against `runc run`: it
imports the engine and the kernel steps it runs, and nothing to pull an
image unless the image is missing (then, as `docker run`, it says so and
pulls it first, progress on stderr: stdout is the container's).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from runtimes.box.commands import attach, values
from runtimes.box.commands.common import engine
from runtimes.box.commands.options import Option, Verb, out, parse
from runtimes.box.container import Container, Engine
from runtimes.box.contain import Volume
from runtimes.box.errors import NoSuchImage
from runtimes.kernel import seccomp
from runtimes.kernel.limits import Limits

VERB = Verb("run", "IMAGE [COMMAND] [ARG...]", least=1, interspersed=False, options=(
    Option(("-i", "--interactive"), "interactive", "keep stdin open"),
    Option(("-t", "--tty"), "tty", "give the container a terminal"),
    Option(("-d", "--detach"), "detach", "run in the background and print the container ID"),
    Option(("--rm",), "rm", "remove the container when it exits"),
    Option(("--name",), "name", "a name for the container", "string", values.container_name),
    Option(("--hostname",), "hostname", "the container's hostname (default: its short ID)", "string", values.hostname),
    Option(("-m", "--memory"), "memory", "memory limit, e.g. 64m", "bytes", values.memory),
    Option(("--cpus",), "cpus", "CPU limit, in CPUs, e.g. 0.5", "decimal", values.cpus),
    Option(("--pids-limit",), "pids", "most processes at once", "int", values.int_range(1, 1 << 22)),
    Option(("-e", "--env"), "env", "KEY=VALUE (repeatable)", "list", values.env, repeat=True),
    Option(("-v", "--volume"), "volumes", "/host:/container[:ro] (repeatable)", "list", values.volume, repeat=True),
    Option(("--security-opt",), "security_opt", "seccomp=unconfined: no seccomp filter (as Docker's flag)", "list",
           values.security_opt, repeat=True),
))


def main(argv: list[str]) -> int:
    opts, (image, *command) = parse(VERB, argv)
    box = engine()
    security_opt = opts["security_opt"]
    seccomp.program_for(seccomp.setting(security_opt))  # no filter possible: refuse before pulling anything
    try:
        box.images.resolve(image)
    except NoSuchImage:
        # As `docker run`: say so, pull it (progress on stderr: stdout is the container's), then run it.
        from runtimes.box import reference
        from runtimes.box.commands.pull import pull

        wanted = str(reference.parse(image))  # with its tag: `docker run` names no "default tag"
        out(f"Unable to find image '{wanted}' locally", err=True)
        pull(box, wanted, sys.stderr, for_run=True)
    volumes = [Volume(Path(host), target, readonly) for host, target, readonly in opts["volumes"]]
    limits = Limits(memory_bytes=opts["memory"], cpus=opts["cpus"], pids=opts["pids"])
    container = box.create(image, command, name=opts["name"], env=opts["env"], volumes=volumes,
                           hostname=opts["hostname"], limits=limits, tty=opts["tty"],
                           interactive=opts["interactive"], detach=opts["detach"], auto_remove=opts["rm"],
                           security_opt=security_opt)
    if opts["detach"]:
        start_detached(box, container)
        out(container.id)
        return 0
    return attach.run_attached(box, container, opts["interactive"], opts["tty"])


def start_detached(box: Engine, container: Container) -> None:
    """Output to the container's log file, stdin from /dev/null; nobody waits for it."""
    log = os.open(container.dir / "container.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o640)
    devnull = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
    try:
        started = box.start(container, (devnull, log, log))
    finally:
        os.close(log)
        os.close(devnull)
    attach.check_setup(box, container, started)
