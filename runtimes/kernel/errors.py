"""The errors the runtimes raise: one line each, with the exit code a command line uses.

Every error a user can fix is a ``BenchError`` (the name is isobench's): a
command line (`bench`, `box`, `vz`) catches only these, prints one line
``error: ...`` and exits with the error's ``exit_code``; anything else is a
bug and keeps its traceback. They live at the bottom floor so that a runtime
can raise them without importing the harness above it; ``bench.errors``
re-exports them and adds the harness's own (scenario files, the store).
"""

from __future__ import annotations

from runtimes.kernel.messages import Field, Message, say


class BenchError(Exception):
    """A failure the user can act on; ``str()`` is the whole one-line message.

    Raised with a ``Message`` (``InstanceError(say("instance.still-running", ...))``),
    it keeps it as ``message``, so a stored session can show it in any language;
    ``str()`` is then its English.
    """

    exit_code: int = 1
    message: Message | None = None

    def __init__(self, *args: object) -> None:
        if len(args) == 1 and isinstance(args[0], Message):
            self.message = args[0]
            args = (str(args[0]),)
        super().__init__(*args)


class UsageError(BenchError):
    """Bad input on the command line or in a file: exit code 2."""

    exit_code = 2


class SetupError(BenchError):
    """The runtime itself could not set a container up (Docker's exit code 125: the failure is not the command's)."""

    exit_code = 125


class RuntimeUnavailable(BenchError):
    """A runtime cannot run on this host; carries the reason and the fix."""

    def __init__(self, runtime: str, reason: Field, fix: Field = "") -> None:
        self.runtime, self.reason, self.fix = runtime, str(reason), str(fix)
        super().__init__(say("unavailable.fix", runtime=runtime, reason=reason, fix=fix) if fix
                         else say("unavailable", runtime=runtime, reason=reason))


class InstanceError(BenchError):
    """An instance failed to start, become ready or exit in time."""


class ImageError(BenchError):
    """The one root filesystem could not be built."""
