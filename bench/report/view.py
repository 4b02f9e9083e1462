"""The report as plain data: what each section shows, before any HTML is written.

Builders (bench.report.sections, overview, vm, page) turn a session into these dataclasses;
templates under bench/report/templates/ turn them into the page (bench.report.render). Tests
check the data here — a cell's value, unit and flags, a section's paragraphs — not the HTML.

Text fields are plain strings, escaped when rendered; a few are ``markupsafe.Markup`` built by
``Catalogue.html`` from the report's own trusted texts, with every field filled in escaped.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Union


@dataclasses.dataclass(frozen=True)
class Cell:
    """One table cell: what it shows, and the figure behind it.

    ``notes`` are shown muted after the text, each on a line of its own when ``stacked``
    (a density cell: IQR, then the ratio), else after a space ("(not significant)").
    ``why`` opens on a click: (what it stands for, the one-sentence explanation).
    """

    text: str = ""
    notes: tuple[str, ...] = ()
    stacked: bool = False
    css: str = ""                     # sc-pass, sc-fail, sc-mixed, sc-none, muted
    header: bool = False              # a <th>
    colspan: int = 1
    left: bool = False                # a wide text column, aligned left
    why: tuple[str, str] | None = None
    value: float | None = None        # the figure shown, in its stored unit (seconds, bytes, a ratio)
    unit: str = ""
    flags: frozenset[str] = frozenset()  # baseline, not_significant, no_baseline, passed, failed, mixed, not_run,
    #                                      high_spread, emulated (marked where shown, linked to their warning line)
    title: str = ""                   # a tooltip: what a compact cell ("✔") or a mark ("≈") means in full
    colour: str = ""                  # a runtime's family colour (bench.report.families), under its column heading
    rotated: bool = False             # a narrow column heading written upwards (the scorecard's runtimes)


@dataclasses.dataclass(frozen=True)
class Row:
    cells: tuple[Cell, ...]
    css: str = ""                     # sc-group (a heading row), total


@dataclasses.dataclass(frozen=True)
class Table:
    css: str                          # figures, overview, scorecard, density, meta, setup, daemons, phases
    head: tuple[Cell, ...]
    rows: tuple[Row, ...]
    foot: Row | None = None

    def column(self, index: int) -> list[Cell]:
        """The cells of one column, heading rows (one cell spanning all) left out."""
        return [r.cells[index] for r in self.rows if len(r.cells) > index and r.cells[0].colspan == 1]

    def row(self, first: str) -> Row:
        """The row whose first cell reads ``first`` (a runtime, a check)."""
        return next(r for r in self.rows if r.cells and r.cells[0].text == first)


@dataclasses.dataclass(frozen=True)
class Paragraph:
    text: str
    css: str = ""                     # sub, note, explain, muted
    lead: str = ""                    # a bold lead-in: "What this shows"


@dataclasses.dataclass(frozen=True)
class Heading:
    text: str                         # a heading inside a section (<h3>)


@dataclasses.dataclass(frozen=True)
class Chart:
    """A plotly figure as its dict, drawn into the div ``div_id`` with the page's one plotly.js."""

    div_id: str
    figure: dict[str, Any]


@dataclasses.dataclass(frozen=True)
class Reference:
    """A published figure as a section lists it (bench.report.literature)."""

    number: int
    label: str
    claim: str
    cite: str                         # citation, where. Checked: how.


@dataclasses.dataclass(frozen=True)
class References:
    heading: str
    items: tuple[Reference, ...]


@dataclasses.dataclass(frozen=True)
class TableBlock:
    table: Table


Block = Union[Paragraph, Heading, Chart, References, TableBlock]


def kind(block: Block) -> str:
    """The block's template under templates/blocks/ (``paragraph``, ``chart`` …)."""
    return {Paragraph: "paragraph", Heading: "heading", Chart: "chart", References: "references",
            TableBlock: "table"}[type(block)]


@dataclasses.dataclass(frozen=True)
class Section:
    """One <section>: an anchor, a heading, and its blocks in reading order."""

    id: str
    heading: str
    blocks: tuple[Block, ...] = ()
    template: str = "section"         # templates/sections/<template>.html.j2
    shown: int = -1                   # how many leading blocks are on show; the rest in a collapsed <details> (-1: all)

    def of(self, cls: type) -> list[Any]:
        """The blocks of one kind, in order: ``section.of(Paragraph)``."""
        return [b for b in self.blocks if isinstance(b, cls)]

    def tables(self) -> list[Table]:
        return [b.table for b in self.of(TableBlock)]


@dataclasses.dataclass(frozen=True)
class Answer:
    """One of the first screen's four answers: its question, a sentence from this session's figures, a chart."""

    id: str
    title: str
    takeaway: str
    chart: Chart | None = None


@dataclasses.dataclass(frozen=True)
class WarningGroup:
    """One kind of caveat: one line with the count, the affected figures behind a click."""

    kind: str                         # vm_emulated, busy_host, in_vm, skipped, high_spread, other
    title: str
    items: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class LiteratureItem:
    label: str
    source: str                       # citation, where


@dataclasses.dataclass(frozen=True)
class Page:
    """The whole report: the first screen, the warnings, one section per scenario, then the appendices."""

    lang: str
    title: str                        # the browser tab's: the session id(s)
    subtitles: tuple[str, ...]        # one line per session: id, start, host, kernel, generated
    intro: str
    overview: Section
    warnings: tuple[str, ...]
    sections: tuple[Section, ...]     # scenarios, then the VM's, the runtimes', the host(s)'
    literature: tuple[LiteratureItem, ...]
    command: str
    answers: tuple[Answer, ...] = ()  # the first screen's four charts (bench.report.answers)
    families: tuple[tuple[str, str], ...] = ()  # (name, colour) of each family present, in order: the legend
    warning_groups: tuple[WarningGroup, ...] = ()  # the warnings, one line per kind (bench.report.checks)
