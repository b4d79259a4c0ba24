"""The officer's words in a Board report: purpose, summary, recommendations and the rest.

Only the consultation team knows these, so they are given to the report rather than made
up: from a small TOML file at the command line (`load_words`), or from the form on the
officer dashboard in the web app (`BoardWords.from_mapping`). A part left out is left out
of the paper (never filler text); `analysis.board_report.checklist` tells the team what
is still to write.

The TOML file (every key optional; see docs/board-report-words.example.toml):

    board = "Improvement and Innovation Board"
    meeting_date = 2015-01-20
    item = "4"
    report_for = ["information", "discussion"]
    title = "Sector-led improvement: results of the Taking Stock consultation"
    purpose = "To report the results of the consultation."
    summary = \"\"\"First paragraph.

    Second paragraph.\"\"\"
    recommendations = ["That the Board notes the results.", "That …"]
    action = "Officers to …"
    background = "…"
    financial_implications = "There are no additional financial implications arising from this report."

    [contact]
    name = "…"
    position = "…"
    phone = "020 7664 3000"
    email = "someone@local.gov.uk"

Text parts may hold several paragraphs separated by a blank line.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analysis.errors import AnalysisError
from analysis.plain_text import control_character_problem

__all__ = [
    "CONTACT_FIELDS",
    "FURNITURE_FIELDS",
    "MAX_LENGTH",
    "REPORT_FOR",
    "TEXT_FIELDS",
    "BoardWords",
    "WordsError",
    "load_words",
    "paragraphs",
]

# The parts written as running text, with the heading each goes under in the report.
TEXT_FIELDS = {
    "purpose": "Purpose of report",
    "summary": "Summary",
    "action": "Action",
    "background": "Background",
    "financial_implications": "Financial implications",
}
CONTACT_FIELDS = {"name": "Contact officer", "position": "Position", "phone": "Phone no", "email": "E-mail"}
MAX_LENGTH = 20_000
_SHORT_LENGTH = 200
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^[0-9+() .-]{6,30}$")

# The Board paper's heading: which Board, which meeting, which item, and what it is for.
FURNITURE_FIELDS = {
    "board": "Board",
    "meeting_date": "Meeting date",
    "item": "Item number",
    "report_for": "What the report is for",
}
#: What a Board paper can be for ("For information and discussion."), in the papers' order.
REPORT_FOR = ("information", "discussion", "decision")
_ITEM_LENGTH = 20


class WordsError(AnalysisError):
    """The officer's words cannot be used as given; the message names the part and why.

    `part` is the key at fault ("summary", "contact.email", …; "" for the whole file) and
    `problem` the message without the file's name, for a form to show beside the field.
    """

    def __init__(self, where: str, problem: str, part: str = "") -> None:
        super().__init__(f"{where}: {problem}")
        self.part = part
        self.problem = problem


def paragraphs(text: str | None) -> list[str]:
    """`text` split into paragraphs at blank lines, each with its lines joined by spaces."""
    if not text:
        return []
    blocks = re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip())
    return [
        " ".join(line.strip() for line in block.splitlines() if line.strip())
        for block in blocks
        if block.strip()
    ]


@dataclass(frozen=True)
class BoardWords:
    """The officer's words; an empty string (or empty list) is a part not yet written.

    `recommendations` is a list, one recommendation each. `contact` maps "name",
    "position", "phone" and "email" to text (absent keys not given). `board`,
    `meeting_date`, `item` and `report_for` (some of `REPORT_FOR`, in that order) head the
    paper as in the Board's papers.
    """

    title: str = ""
    board: str = ""
    meeting_date: dt.date | None = None
    item: str = ""
    report_for: tuple[str, ...] = ()
    purpose: str = ""
    summary: str = ""
    recommendations: tuple[str, ...] = ()
    action: str = ""
    background: str = ""
    financial_implications: str = ""
    contact: Mapping[str, str] = field(default_factory=dict)

    @property
    def has_contact(self) -> bool:
        return any(self.contact.get(name) for name in CONTACT_FIELDS)

    @property
    def report_for_sentence(self) -> str:
        """ "For information and discussion." ("" if not given)."""
        if not self.report_for:
            return ""
        names = list(self.report_for)
        joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        return f"For {joined}."

    @property
    def item_label(self) -> str:
        """ "Item 4" ("" if not given; kept as typed if it already says "Item …")."""
        if not self.item:
            return ""
        return self.item if self.item.lower().startswith(("item", "agenda")) else f"Item {self.item}"

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, where: str = "the words") -> BoardWords:
        """Check `data` (as read from TOML or a form) and return the words, or raise `WordsError`.

        Unknown keys are errors (a misspelt key would otherwise vanish from the report);
        `recommendations` may be a list of strings or one string with one recommendation
        per line; `contact` is a table of name, position, phone and email.
        """
        allowed = {"title", "recommendations", "contact", *TEXT_FIELDS, *FURNITURE_FIELDS}
        if unknown := sorted(set(data) - allowed):
            raise WordsError(
                where, f"unknown key {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})", unknown[0]
            )
        values: dict[str, Any] = {}
        title = _text(data, "title", where, _SHORT_LENGTH * 2)
        if "\n" in title:
            raise WordsError(where, "the title must be one line", "title")
        values["title"] = title
        for name, limit in (("board", _SHORT_LENGTH), ("item", _ITEM_LENGTH)):
            values[name] = _text(data, name, where, limit)
            if "\n" in values[name]:
                raise WordsError(where, f"The {FURNITURE_FIELDS[name].lower()} must be one line", name)
        values["meeting_date"] = _meeting_date(data.get("meeting_date"), where)
        values["report_for"] = _report_for(data.get("report_for"), where)
        for name in TEXT_FIELDS:
            values[name] = _text(data, name, where, MAX_LENGTH, multiline=True)
        values["recommendations"] = _recommendations(data.get("recommendations"), where)
        values["contact"] = _contact(data.get("contact"), where)
        return cls(**values)


def _text(
    data: Mapping[str, Any], name: str, where: str, limit: int, part: str = "", *, multiline: bool = False
) -> str:
    part = part or name
    label = part.replace(".", " ").replace("_", " ")
    value = data.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise WordsError(where, f"{label} must be text in quotes, not {type(value).__name__}", part)
    value = value.strip()
    # A one-line part's line breaks are left to its own "must be one line" message.
    checked = value if multiline else value.replace("\r", "").replace("\n", "")
    if problem := control_character_problem(checked, label.capitalize(), multiline=multiline):
        raise WordsError(where, problem, part)
    if len(value) > limit:
        raise WordsError(
            where, f"{label.capitalize()} must be {limit:,} characters or fewer (it has {len(value):,})", part
        )
    return value


def _meeting_date(value: object, where: str) -> dt.date | None:
    """A TOML date (2015-01-20), or the same written as text; None if not given."""
    part = "meeting_date"
    example = "like 2015-01-20 (year, month, day)"
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        raise WordsError(where, f"The meeting date must be a date without a time, {example}", part)
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise WordsError(where, f"The meeting date must be a real date, {example} (not {value!r})", part)


def _report_for(value: object, where: str) -> tuple[str, ...]:
    """Some of `REPORT_FOR`, as a list or as text separated by commas, in the papers' order."""
    part = "report_for"
    if value is None:
        return ()
    if isinstance(value, str):
        items: list[object] = [v for v in value.split(",") if v.strip()]
    elif isinstance(value, list):
        items = list(value)
    else:
        raise WordsError(where, f"report_for must be a list of texts, not {type(value).__name__}", part)
    chosen = set()
    for item in items:
        word = str(item).strip().lower().removeprefix("for ").strip() if isinstance(item, str) else None
        if word not in REPORT_FOR:
            raise WordsError(where, f"The report can be for {', '.join(REPORT_FOR)}, not {item!r}", part)
        chosen.add(word)
    return tuple(word for word in REPORT_FOR if word in chosen)


def _recommendations(value: object, where: str) -> tuple[str, ...]:
    part = "recommendations"
    if value is None:
        return ()
    if isinstance(value, str):
        # Checked whole: splitlines() would also split at some control characters, hiding them.
        if problem := control_character_problem(value, "Recommendations", multiline=True):
            raise WordsError(where, problem, part)
        items = [line.strip() for line in value.splitlines()]
    elif isinstance(value, list):
        items = []
        for number, item in enumerate(value, start=1):
            if not isinstance(item, str):
                raise WordsError(
                    where, f"recommendation {number} must be text in quotes, not {type(item).__name__}", part
                )
            if not item.strip():
                raise WordsError(where, f"recommendation {number} is empty", part)
            items.append(" ".join(item.split()))
    else:
        raise WordsError(where, f"recommendations must be a list of texts, not {type(value).__name__}", part)
    items = [item for item in items if item]
    for number, item in enumerate(items, start=1):
        if problem := control_character_problem(item, f"Recommendation {number}"):
            raise WordsError(where, problem, part)
    if sum(len(item) for item in items) > MAX_LENGTH:
        raise WordsError(where, f"Recommendations must be {MAX_LENGTH:,} characters or fewer together", part)
    return tuple(items)


def _contact(value: object, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise WordsError(
            where, "contact must be a table ([contact] with name, position, phone, email)", "contact"
        )
    if unknown := sorted(set(value) - set(CONTACT_FIELDS)):
        raise WordsError(
            where,
            f"unknown key {unknown[0]!r} in contact (allowed: {', '.join(CONTACT_FIELDS)})",
            f"contact.{unknown[0]}",
        )
    contact = {}
    for name in CONTACT_FIELDS:
        text = _text(value, name, where, _SHORT_LENGTH, f"contact.{name}")
        if "\n" in text:
            raise WordsError(where, f"The contact's {name} must be one line", f"contact.{name}")
        if text:
            contact[name] = text
    if (email := contact.get("email")) and not _EMAIL.match(email):
        raise WordsError(
            where,
            "Enter the contact's email address in the correct format, like name@example.gov.uk "
            f"(not {email!r})",
            "contact.email",
        )
    if (phone := contact.get("phone")) and not _PHONE.match(phone):
        raise WordsError(
            where,
            f"Enter the contact's phone number using digits, spaces, brackets, + or -, like 020 7664 3000 "
            f"(not {phone!r})",
            "contact.phone",
        )
    return contact


def load_words(path: str | Path) -> BoardWords:
    """Read and check the officer's words from a TOML file; `WordsError` says what is wrong."""
    file = Path(path)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise WordsError(str(file), "file not found") from None
    except UnicodeDecodeError:
        raise WordsError(str(file), "not UTF-8 text") from None
    except OSError as exc:
        raise WordsError(str(file), f"cannot be read ({exc.strerror or exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise WordsError(str(file), f"not valid TOML ({exc})") from None
    return BoardWords.from_mapping(data, where=str(file))
