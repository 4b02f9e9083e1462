"""The board `bench race` draws: one panel per lane, its count in big digits, for a projector.

It fits the terminal it is drawn on (80×24 at the least) without scrolling:
the digits are five rows tall when every lane fits so, three rows (half
blocks) when not, and one plain line per lane on a terminal too small even
for that. ``render`` is a pure function of a ``RaceView`` and a size, so it is
tested without a terminal; ``RichBoard`` redraws it in place with rich's
``Live``, from the race's own thread (no refresh thread of rich's).
"""

from __future__ import annotations

import dataclasses
from types import TracebackType

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from bench.race import LaneView, RaceView, format_seconds

# A 3×5 pixel font: each digit five rows of three pixels ("1" = ink).
_FONT = {
    "0": ("111", "101", "101", "101", "111"),
    "1": ("010", "110", "010", "010", "111"),
    "2": ("111", "001", "111", "100", "111"),
    "3": ("111", "001", "111", "001", "111"),
    "4": ("101", "101", "111", "001", "001"),
    "5": ("111", "100", "111", "001", "111"),
    "6": ("111", "100", "111", "101", "111"),
    "7": ("111", "001", "001", "001", "001"),
    "8": ("111", "101", "111", "101", "111"),
    "9": ("111", "101", "111", "001", "111"),
}
# A terminal cell is about twice as tall as wide: a pixel is two cells side by side (large), or half a cell
# stacked with its neighbour below in one half-block character (small). Either way it comes out square.
_HALF = {("1", "1"): "█", ("1", "0"): "▀", ("0", "1"): "▄", ("0", "0"): " "}


@dataclasses.dataclass(frozen=True)
class _Size:
    rows: int          # lines of a lane's panel inside its border
    digit_cols: int    # columns a digit takes, the gap after it included


LARGE, SMALL = _Size(5, 8), _Size(3, 4)
INFO_COLS = 36         # the lane's words beside its count
CHROME_ROWS = 2        # the header line and the footer line


def big_digits(number: int, size: _Size) -> list[str]:
    """``number`` drawn in the pixel font: five lines (LARGE) or three (SMALL)."""
    glyphs = [_FONT[c] for c in str(number)]
    if size is LARGE:
        return [" ".join("".join("██" if p == "1" else "  " for p in g[row]) for g in glyphs) for row in range(5)]
    padded = [(*g, "000") for g in glyphs]  # a sixth, empty row, so the rows pair up
    return [" ".join("".join(_HALF[top, bottom] for top, bottom in zip(g[2 * r], g[2 * r + 1])) for g in padded)
            for r in range(3)]


def _lane_rows(lane: LaneView) -> list[Text]:
    """The lane's words, most important first (a small panel shows the first three)."""
    if lane.state == "skipped":
        state = Text(f"skipped: {lane.note}", style="yellow")
    elif lane.state == "setting up":
        state = Text("setting up…", style="dim")
    elif lane.current_s is not None:
        state = Text(f"starting… {lane.current_s:4.1f} s", style="bold green")
    elif lane.state == "done":
        state = Text("stopped", style="cyan")
    else:
        state = Text("between starts", style="green")
    ready = "–" if lane.median_ready_s is None else format_seconds(lane.median_ready_s)
    last = "" if lane.last_ready_s is None else f" · last {format_seconds(lane.last_ready_s)}"
    exited = "–" if lane.median_exit_s is None else format_seconds(lane.median_exit_s)
    failed = Text(f" · {lane.failed} failed", style="red") if lane.failed else Text("")
    return [Text(lane.name, style="bold"), state, Text(f"ready  median {ready}{last}"),
            Text(f"exited median {exited}"), Text(f"time {lane.clock_s:5.1f} s").append_text(failed)]


def _small_rows(lane: LaneView) -> list[Text]:
    rows = _lane_rows(lane)
    return [Text.assemble(rows[0], "  ", rows[1]), rows[2], rows[4]]


def _panel(lane: LaneView, size: _Size, width: int) -> Panel:
    rows = _lane_rows(lane) if size is LARGE else _small_rows(lane)
    digits = big_digits(lane.starts, size)
    room = width - 4 - len(digits[0]) - 1  # inside the border and padding, beside the digits
    words = Text("\n").join(r[:room] if r.cell_len > room else r for r in rows[:size.rows])
    # Left-justified in a column exactly as wide as the digits: justifying right would strip each line's
    # trailing blanks, and the rows of a glyph would no longer line up.
    count = Text("\n".join(digits), style="bold", no_wrap=True)
    grid = Table.grid(expand=True)
    grid.add_column(ratio=1, no_wrap=True)
    grid.add_column(width=len(digits[0]), no_wrap=True)
    grid.add_row(words, count)
    colour = {"running": "green", "done": "cyan", "skipped": "yellow"}.get(lane.state, "white")
    return Panel(grid, border_style=colour, height=size.rows + 2, width=width, padding=(0, 1))


def _header(view: RaceView, scenario: str) -> Text:
    clock = f"{min(view.elapsed_s, view.duration_s):.1f} s of {view.duration_s:g} s"
    if view.interrupted:
        tail = Text("  Ctrl-C: ending the starts under way", style="bold yellow")
    elif view.stopping:
        tail = Text("  time is up: ending the starts under way", style="bold cyan")
    else:
        tail = Text("  Ctrl-C stops", style="dim")
    return Text.assemble(Text(f"race · {scenario} · ", style="bold"), Text(clock, style="bold"), tail,
                         no_wrap=True, overflow="crop")


def _fits(size: _Size, view: RaceView, width: int, height: int) -> bool:
    longest = max((len(str(lane.starts)) for lane in view.lanes), default=1)
    return (len(view.lanes) * (size.rows + 2) + CHROME_ROWS <= height
            and INFO_COLS + 4 + longest * size.digit_cols <= width)


def _lines(view: RaceView, width: int) -> Table:
    """One plain line per lane, for a terminal too small for panels."""
    table = Table.grid(padding=(0, 1))
    for _ in range(3):
        table.add_column(no_wrap=True)
    for lane in view.lanes:
        rows = _lane_rows(lane)
        table.add_row(rows[0], Text(str(lane.starts), style="bold"), rows[2][:max(10, width - 20)])
    return table


def render(view: RaceView, width: int, height: int, scenario: str = "startup", footer: str = "") -> RenderableType:
    """The whole board for a terminal of ``width`` × ``height`` cells; never taller than ``height``."""
    width = max(width, 40)
    size = next((s for s in (LARGE, SMALL) if _fits(s, view, width, height)), None)
    body: RenderableType = (_lines(view, width) if size is None else
                            Group(*(_panel(lane, size, width) for lane in view.lanes)))
    header = _header(view, scenario)
    header.truncate(width)
    return Group(header, body, Text(footer[:width], style="dim", no_wrap=True))


class RichBoard:
    """Draws the race in place on ``console`` (the terminal), and leaves its last picture there."""

    def __init__(self, console: Console, scenario: str = "startup") -> None:
        self.console, self.scenario, self.footer = console, scenario, ""
        # Redrawn only when the race calls show (auto_refresh off: no thread of rich's touching the terminal).
        self._live = Live(console=console, auto_refresh=False, transient=False, vertical_overflow="crop")
        self._view: RaceView | None = None

    def __enter__(self) -> RichBoard:
        self._live.start()
        return self

    def __exit__(self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self._live.stop()

    def show(self, view: RaceView) -> None:
        self._view = view
        width, height = self.console.size
        # One line kept free: a board as tall as the terminal would scroll it by one when the cursor moves on.
        self._live.update(render(view, width, height - 1, self.scenario, self.footer), refresh=True)

    def note(self, text: str) -> None:
        """Shown on the board's last line, not printed above it: printing would scroll the board."""
        self.footer = text
        if self._view is not None:
            self.show(self._view)
