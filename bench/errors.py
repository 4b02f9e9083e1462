"""The one error hierarchy of isobench.

Every error a user can fix (bad scenario file, unknown runtime, unusable store)
is a ``BenchError``. The command line catches only these, prints one line
``error: ...`` and exits with the error's ``exit_code``; anything else is a bug
and keeps its traceback.
"""

from __future__ import annotations


class BenchError(Exception):
    """A failure the user can act on; ``str()`` is the whole one-line message."""

    exit_code: int = 1


class UsageError(BenchError):
    """Bad input on the command line or in a file: exit code 2."""

    exit_code = 2


class ScenarioError(UsageError):
    """A scenario file that cannot be used: names the file, the key and the fix."""


class StoreError(BenchError):
    """The results store cannot be opened, read or written."""


class StoreInputError(StoreError):
    """A --store path that cannot be a store, or a session id not in it: bad input, exit code 2."""

    exit_code = 2


class RuntimeUnavailable(BenchError):
    """A runtime cannot run on this host; carries the reason and the fix."""

    def __init__(self, runtime: str, reason: str, fix: str = "") -> None:
        self.runtime, self.reason, self.fix = runtime, reason, fix
        message = f"{runtime}: {reason}" + (f" ({fix})" if fix else "")
        super().__init__(message)


class InstanceError(BenchError):
    """An instance failed to start, become ready or exit in time."""


class ImageError(BenchError):
    """The one root filesystem could not be built."""
