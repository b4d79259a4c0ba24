"""The Board report as a document model, independent of the file format it is written to.

A `BoardReport` is a title and a list of `Part`s (Purpose of report, Summary, …, Results,
Financial implications, the methods annex); each part is a heading and a list of blocks:
`Heading` (a sub-heading), `Paragraph` (numbered or not), `BulletList`, `Table`, `Chart`,
`Quote` and `Contact`. Numbered paragraphs carry their number, running on through the
whole paper as in the LGA's Board papers, and tables and charts theirs ("Table 3",
"Figure 2"), so the Word and HTML files agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from analysis.counts.tables import SUPPRESSED_MARK

__all__ = [
    "Block",
    "BoardReport",
    "BulletList",
    "Chart",
    "Contact",
    "Heading",
    "Paragraph",
    "Part",
    "Quote",
    "Table",
    "hidden_figures",
]


@dataclass(frozen=True)
class Heading:
    """A sub-heading inside a part: level 2 (a questionnaire section) or 3 (a question)."""

    text: str
    level: int = 2
    anchor: str = ""


@dataclass(frozen=True)
class Paragraph:
    """Running text. `number` is its paragraph number (None: not numbered); `note` is smaller
    print (conditions, bases, disclosure marks)."""

    text: str
    number: int | None = None
    note: bool = False


@dataclass(frozen=True)
class BulletList:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """A real table: `columns` are the header cells; the first cell of each row heads the row.

    `numeric` marks the columns (by index) to align right. `number` is its table number in
    the paper (0 until the paper is put together)."""

    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[int, ...] = ()
    number: int = 0

    @property
    def label(self) -> str:
        """The caption as printed: "Table 3: Responses by role"."""
        return f"Table {self.number}: {self.caption}" if self.number else self.caption


@dataclass(frozen=True)
class Chart:
    """A PNG picture with its alternative text (every value in words), caption and figure number."""

    png: bytes
    alt: str
    caption: str = ""
    width_inches: float = 6.0
    number: int = 0

    @property
    def label(self) -> str:
        """The caption as printed: "Figure 2: Question 1, …"."""
        return f"Figure {self.number}: {self.caption}" if self.number else self.caption


@dataclass(frozen=True)
class Quote:
    """An approved, redacted answer quoted under its theme."""

    text: str


@dataclass(frozen=True)
class Contact:
    """The contact officer's lines (label, value), in the Board papers' order."""

    lines: tuple[tuple[str, str], ...]


Block = Heading | Paragraph | BulletList | Table | Chart | Quote | Contact


@dataclass
class Part:
    """A top-level part of the paper under its own heading (Word "Heading 1", HTML h2); a part
    with no heading (the contact officer's lines) runs on from the one before."""

    heading: str
    blocks: list[Block] = field(default_factory=list)
    anchor: str = ""


@dataclass
class BoardReport:
    """The whole paper: the Board paper's heading lines (`furniture`: the Board, the meeting
    date, the item), `title` (Word "Title", HTML h1), a line under it, then the parts.

    `checklist` is what the consultation team still has to do before the paper goes to the
    Board (`analysis.board_report.checklist`): for them, never printed in the paper.
    """

    title: str
    subtitle: str
    parts: list[Part]
    for_publication: bool = True
    furniture: tuple[str, ...] = ()
    checklist: list[str] = field(default_factory=list)
    # The protected counts the paper publishes (`count_responses`), for its release record.
    counts: Any = None
    # The theme figures it prints, per question, as the release record keeps them.
    themes_released: dict[str, Any] = field(default_factory=dict)

    def blocks(self) -> list[Block]:
        """Every block of every part, in order (for tests and checks)."""
        return [block for part in self.parts for block in part.blocks]


def hidden_figures(blocks: Iterable[Block]) -> int:
    """How many figures the tables among `blocks` show as hidden ("[c]")."""
    return sum(
        cell == SUPPRESSED_MARK
        for block in blocks
        if isinstance(block, Table)
        for row in block.rows
        for cell in row
    )
