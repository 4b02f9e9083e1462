"""How `box pull` shows its progress: one line per layer, Docker's words, a rich progress bar each.

    Using default tag: latest
    latest: Pulling from library/busybox
    3f4d90098f5b  Downloading  ━━━━━━━━━━━━━━━╸━━━━━━━  1.2/2.1 MB  4.0 MB/s
    Digest: sha256:…
    Status: Downloaded newer image for busybox:latest
    docker.io/library/busybox:latest

On a terminal the bars move; into a file or pipe only the final state of
each layer is written, so logs stay readable.
"""

from __future__ import annotations

from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TaskID, TextColumn, TransferSpeedColumn

from runtimes.box.pull import PullResult


class RichProgress:
    """A PullProgress (pull.py) drawn with rich; use as a context manager around the pull."""

    def __init__(self, out: TextIO) -> None:
        self.console = Console(file=out, highlight=False, soft_wrap=True)
        self.bars = Progress(TextColumn("{task.description}"), TextColumn("{task.fields[status]:<17}"),
                             BarColumn(bar_width=30), DownloadColumn(), TransferSpeedColumn(),
                             console=self.console, auto_refresh=self.console.is_terminal)
        self.tasks: dict[str, TaskID] = {}

    def __enter__(self) -> "RichProgress":
        return self

    def __exit__(self, *exc: object) -> None:
        if self.tasks:
            self.bars.stop()

    def status(self, line: str) -> None:
        self.console.print(line, markup=False)

    def layer(self, short_id: str, total_bytes: int, status: str) -> None:
        if not self.tasks:
            self.bars.start()  # only once there is a layer: a pull that fails first draws no empty display
        if short_id not in self.tasks:
            self.tasks[short_id] = self.bars.add_task(short_id, total=total_bytes, status=status)
        done = status in ("Already exists", "Download complete", "Pull complete")
        self.bars.update(self.tasks[short_id], status=status, **({"completed": total_bytes} if done else {}))

    def advance(self, short_id: str, nbytes: int) -> None:
        self.bars.advance(self.tasks[short_id], nbytes)


def summary(result: PullResult) -> list[str]:
    """The three lines Docker ends a pull with."""
    what = (f"Image is up to date for {result.reference}" if result.up_to_date
            else f"Downloaded newer image for {result.reference}")
    return [f"Digest: {result.repo_digest}", f"Status: {what}", result.reference.canonical]
