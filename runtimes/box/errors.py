"""box's errors, with Docker's exit codes.

``BoxError`` is a ``BenchError`` (one line, no traceback at the command
line) whose exit code follows Docker's: 125 when box itself fails, 126
when the command cannot be run, 127 when it cannot be found.
"""

from __future__ import annotations

from runtimes.kernel.errors import SetupError


class BoxError(SetupError):
    pass


class NoSuchImage(BoxError):
    pass


class NoSuchContainer(BoxError):
    pass


class Conflict(BoxError):
    """The operation conflicts with the object's state (e.g. removing a running container)."""
