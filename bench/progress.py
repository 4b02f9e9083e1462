"""How the runner tells its caller what it is doing, without printing: the ``Progress`` protocol.

Its own module so that the runner and the density steps (``bench.density``),
which both report progress, need not import each other.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def begin(self, label: str, total: int) -> None: ...
    def advance(self) -> None: ...
    def note(self, text: str) -> None: ...


class NoProgress:
    """For library callers and tests that want no progress output."""

    def begin(self, label: str, total: int) -> None: ...
    def advance(self) -> None: ...
    def note(self, text: str) -> None: ...
