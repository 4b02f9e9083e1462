"""`box run` and `box exec` from a real terminal: the caller's terminal never reaches the container.

Without ``-t`` Docker gives a container no terminal: box copies the bytes
through pipes instead (runtimes/kernel/tty.py, ``shield`` and ``relay``). A
container given the caller's terminal could read what the user types, change
the terminal's settings, or push keystrokes into it (TIOCSTI). Each test runs
box on a pty of its own, as a user's shell would, and looks from inside.
"""

from __future__ import annotations

import os
import sys
import termios
import time
from collections.abc import Iterator

import pytest

from tests.conftest import REPO
from tests.integration.test_box_cli import _wait_for_descendant, box, busybox  # noqa: F401 (a fixture)
from tests.terminal import Terminal

# For each of fd 0, 1, 2, from inside: "fdN=tty", or what it is ("pipe:[…]", "/dev/null").
# $$ (the shell), not self: inside $(…) our own fd 1 is the substitution's pipe.
SHOW_FDS = ('for fd in 0 1 2; do if [ -t $fd ]; then echo "fd$fd=tty $(stat -L -c %t:%T /proc/$$/fd/$fd)"; '
            'else echo "fd$fd=$(readlink /proc/$$/fd/$fd)"; fi; done')
# The attack: turn off echo on whatever terminal we were given (stty(1) on fd 0 and 1).
TAMPER = "stty -F /proc/$$/fd/0 -echo 2>/dev/null; stty -F /proc/$$/fd/1 -echo 2>/dev/null"


def box_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "runtimes.box", *args]


@pytest.fixture
def terminal_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO)}


@pytest.fixture
def running(busybox: str) -> Iterator[str]:  # noqa: F811 (the fixture imported above)
    """A detached container to `box exec` into."""
    started = box("run", "-d", "--name", "target", busybox, "sleep", "300")
    assert started.returncode == 0, started.stderr
    yield "target"
    box("rm", "-f", "target")


def transcript(term: Terminal, timeout: float = 30) -> tuple[int, str]:
    """All the program showed (line ends as written: the terminal adds \\r), and its exit code."""
    shown = term.read_to_end(timeout).decode(errors="replace").replace("\r\n", "\n")
    return term.wait(timeout), shown


def our_terminal(term: Terminal) -> str:
    """The device number of box's own terminal (the pty the test made), as stat %t:%T prints it."""
    rdev = os.stat(f"/proc/{term.pid}/fd/0").st_rdev
    return f"{os.major(rdev):x}:{os.minor(rdev):x}"


@pytest.mark.parametrize("how", [("run", "--rm"), ("run", "-i", "--rm"), ("exec",), ("exec", "-i")],
                         ids=["run", "run -i", "exec", "exec -i"])
def test_without_t_the_container_gets_pipes_not_our_terminal(busybox: str, terminal_env: dict[str, str],  # noqa: F811
                                                             how: tuple[str, ...], request: pytest.FixtureRequest) -> None:
    where = [request.getfixturevalue("running")] if how[0] == "exec" else [busybox]
    with Terminal.spawn(box_argv(*how, *where, "sh", "-c", f"{SHOW_FDS}; {TAMPER}; exit 7"), terminal_env) as term:
        echo_before = termios.tcgetattr(term.fd)[3] & termios.ECHO  # on a pty master: the slave's settings
        code, shown = transcript(term)
        echo_after = termios.tcgetattr(term.fd)[3] & termios.ECHO
    fds = dict(line.split("=", 1) for line in shown.splitlines() if line.startswith("fd"))
    assert code == 7, shown
    assert sorted(fds) == ["fd0", "fd1", "fd2"], shown
    assert not [fd for fd, what in fds.items() if what.startswith("tty")], f"our terminal reached the container: {fds}"
    assert fds["fd1"].startswith("pipe:") and fds["fd1"] == fds["fd2"], fds  # one pipe: order kept as on a terminal
    assert fds["fd0"].startswith("pipe:") if "-i" in how else fds["fd0"] == "/dev/null", fds
    assert echo_before and echo_after, "the container turned off echo on the caller's terminal"


def test_output_arrives_whole_and_in_order(busybox: str, terminal_env: dict[str, str]) -> None:  # noqa: F811
    script = "echo one; echo two >&2; echo three; echo four >&2; seq 1 20000; echo last >&2; exit 3"
    with Terminal.spawn(box_argv("run", "--rm", busybox, "sh", "-c", script), terminal_env) as term:
        code, shown = transcript(term)
    expected = "one\ntwo\nthree\nfour\n" + "".join(f"{n}\n" for n in range(1, 20001)) + "last\n"
    assert code == 3
    assert shown == expected, shown[-200:]


def test_interactive_stdin_passes_through_until_ctrl_d(busybox: str, terminal_env: dict[str, str]) -> None:  # noqa: F811
    script = 'while read -r line; do echo "got:$line"; done; echo "stdin ended"'
    with Terminal.spawn(box_argv("run", "-i", "--rm", busybox, "sh", "-c", script), terminal_env) as term:
        _wait_for_descendant(term.pid, "sh")
        term.write(b"hello there\r")
        term.read_until(b"got:hello there\r\n", timeout=30)
        term.write(b"second\r")
        term.read_until(b"got:second\r\n")
        term.write(b"\x04")  # Ctrl-D on an empty line: our terminal reads an end of file; so does the container
        term.read_until(b"stdin ended\r\n")
        assert term.wait() == 0


@pytest.mark.parametrize("interactive", [False, True], ids=["run", "run -i"])
def test_ctrl_c_reaches_the_command(busybox: str, terminal_env: dict[str, str], interactive: bool) -> None:  # noqa: F811
    argv = box_argv("run", *(["-i"] if interactive else []), "--rm", busybox, "sleep", "30")
    with Terminal.spawn(argv, terminal_env) as term:
        _wait_for_descendant(term.pid, "sleep")
        started = time.monotonic()
        term.write(b"\x03")  # our terminal makes it SIGINT for box, which passes it on
        assert term.wait(timeout=15) == 130  # 128 + SIGINT: the command itself ended, as with Docker
        assert time.monotonic() - started < 10
    assert box("ps", "-a", "-q").stdout == ""


def test_with_t_the_container_gets_a_fresh_pty_and_nothing_else(busybox: str, terminal_env: dict[str, str]) -> None:  # noqa: F811
    with Terminal.spawn(box_argv("run", "-t", "--rm", busybox, "sh", "-c", SHOW_FDS), terminal_env) as term:
        ours = our_terminal(term)
        code, shown = transcript(term)
    fds = dict(line.split("=", 1) for line in shown.splitlines() if line.startswith("fd"))
    assert code == 0 and sorted(fds) == ["fd0", "fd1", "fd2"], shown
    devices = {what.split()[-1] for what in fds.values()}
    assert all(what.startswith("tty ") for what in fds.values()) and len(devices) == 1, fds
    assert ours not in devices, f"the container got the caller's terminal {ours}, not a pty of its own"
