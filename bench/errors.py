"""The one error hierarchy of isobench.

Every error a user can fix (bad scenario file, unknown runtime, unusable store)
is a ``BenchError``. The command line catches only these, prints one line
``error: ...`` and exits with the error's ``exit_code``; anything else is a bug
and keeps its traceback.

The errors a runtime raises are defined below the runtimes, in
``runtimes.kernel.errors``, and re-exported here; the harness adds its own.
"""

from __future__ import annotations

from runtimes.kernel.errors import (
    BenchError,
    ImageError,
    InstanceError,
    RuntimeUnavailable,
    UsageError,
)


class ScenarioError(UsageError):
    """A scenario file that cannot be used: names the file, the key and the fix."""


class StoreError(BenchError):
    """The results store cannot be opened, read or written."""


class StoreInputError(StoreError):
    """A --store path that cannot be a store, or a session id not in it: bad input, exit code 2."""

    exit_code = 2


__all__ = ["BenchError", "ImageError", "InstanceError", "RuntimeUnavailable", "ScenarioError", "StoreError",
           "StoreInputError", "UsageError"]
