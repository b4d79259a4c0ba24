"""The Board report as a document model, independent of the file format it is written to.

A `BoardReport` is a title and a list of `Part`s (Purpose of report, Summary, …, Results,
Financial implications, the methods annex); each part is a heading and a list of blocks:
`Heading` (a sub-heading), `Paragraph` (numbered or not), `BulletList`, `Table`, `Chart`,
`Quote` and `Contact`. Numbered paragraphs carry their number, running on through the
whole paper as in the LGA's Board papers, so the Word and HTML files agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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
]


@dataclass(frozen=True)
class Heading:
    """A sub-heading inside a part: level 2 (a questionnaire section) or 3 (a question)."""

    text: str
    level: int = 2
    anchor: str = ""


@dataclass(frozen=True)
class Paragraph:
    """Running text. `number` is its paragraph number (None: not numbered); `missing` marks
    the plain "not yet written" note standing in for the officer's words; `note` is smaller
    print (conditions, bases, disclosure marks)."""

    text: str
    number: int | None = None
    missing: bool = False
    note: bool = False


@dataclass(frozen=True)
class BulletList:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """A real table: `columns` are the header cells; the first cell of each row heads the row.

    `numeric` marks the columns (by index) to align right."""

    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[int, ...] = ()


@dataclass(frozen=True)
class Chart:
    """A PNG picture with its alternative text (every value in words)."""

    png: bytes
    alt: str
    width_inches: float = 6.0


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
    """A top-level part of the paper under its own heading (Word "Heading 1", HTML h2)."""

    heading: str
    blocks: list[Block] = field(default_factory=list)
    anchor: str = ""


@dataclass
class BoardReport:
    """The whole paper: `title` (Word "Title", HTML h1), a line under it, then the parts."""

    title: str
    subtitle: str
    parts: list[Part]
    for_publication: bool = True
    # The protected counts the paper publishes (`count_responses`), for its release record.
    counts: Any = None

    def blocks(self) -> list[Block]:
        """Every block of every part, in order (for tests and checks)."""
        return [block for part in self.parts for block in part.blocks]
