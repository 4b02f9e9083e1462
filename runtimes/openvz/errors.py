"""vz's errors: one line each, with vzctl-like exit codes at the command line.

``VzError`` is a ``BenchError``, so `bench` and `vz` both print it as one
line without a traceback. ``exit_code`` follows isobench's convention:
1 when something failed, 2 when the input was wrong (a bad CTID, size, IP…).
"""

from __future__ import annotations

from runtimes.kernel.errors import BenchError


class VzError(BenchError):
    exit_code = 1


class BadInput(VzError):
    """A value that can never be right: bad CTID, size, IP address, hostname, config line."""

    exit_code = 2


class NoSuchContainer(VzError):
    pass


class Conflict(VzError):
    """The operation does not fit the CT's state (starting a running CT, destroying one that runs)."""
