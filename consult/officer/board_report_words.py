"""The officer's words for the Board report: read, check and save (audited).

The words are checked by the same rules as the command line's TOML file
(`analysis.board_report.words.BoardWords.from_mapping`), so the two never disagree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy import select

from analysis.board_report.words import TEXT_FIELDS, BoardWords
from analysis.plain_text import without_control_characters
from consult.data import audit
from consult.extensions import db
from consult.models import BoardReportWords, Consultation

__all__ = ["FIELDS", "save_words", "saved_words", "stored_words"]

# The form's fields, in the order the report shows them (contact_* are the contact's lines).
FIELDS = (
    "title",
    "board",
    "meeting_date",
    "item",
    "report_for",
    "purpose",
    "summary",
    "recommendations",
    "action",
    "contact_name",
    "contact_position",
    "contact_phone",
    "contact_email",
    "background",
    "financial_implications",
)

# The fields that may run over several lines (the rest are one line each).
MULTILINE_FIELDS = frozenset({*TEXT_FIELDS, "recommendations"})


def stored_words(consultation: Consultation) -> BoardReportWords | None:
    """The consultation's saved words, or None if none were ever saved."""
    return db.session.scalar(
        select(BoardReportWords).where(BoardReportWords.consultation_id == consultation.id)
    )


def _text(row: BoardReportWords, name: str) -> str:
    """A saved field as form-shaped text: "" if empty, a date as 2015-01-20."""
    value = getattr(row, name)
    return value.isoformat() if isinstance(value, dt.date) else value or ""


def _mapping(values: Mapping[str, str]) -> dict[str, object]:
    """Form-shaped values (contact_* flat) as the words' mapping (contact as a table)."""
    data: dict[str, object] = {k: values.get(k, "") for k in FIELDS if not k.startswith("contact_")}
    data["contact"] = {
        k.removeprefix("contact_"): values.get(k, "") for k in FIELDS if k.startswith("contact_")
    }
    return data


def saved_words(consultation: Consultation) -> BoardWords:
    """The words as the report uses them (all parts empty if none were saved)."""
    row = stored_words(consultation)
    if row is None:
        return BoardWords()
    # Words saved before control characters were refused are read without them, so neither
    # this page nor the report fails on them; saving the form again asks for them to go.
    saved = {k: without_control_characters(_text(row, k), multiline=k in MULTILINE_FIELDS) for k in FIELDS}
    return BoardWords.from_mapping(_mapping(saved), where="saved words")


def save_words(
    consultation: Consultation, values: Mapping[str, str], officer_email: str | None
) -> BoardWords:
    """Check and store `values` (the form's fields); raise `WordsError` and store nothing if bad.

    Records who saved and which parts changed in the audit log (never the words themselves,
    which may be long). Flushes; the caller commits.
    """
    clean = {k: (values.get(k) or "").replace("\r\n", "\n").strip() for k in FIELDS}
    words = BoardWords.from_mapping(_mapping(clean), where="the Board report's words")
    row = stored_words(consultation)
    if row is None:
        row = BoardReportWords(consultation_id=consultation.id, **{k: "" for k in FIELDS})
        db.session.add(row)
    # Stored as checked: the meeting date as a date, what the report is for in the papers' order.
    stored = {**clean, "meeting_date": words.meeting_date, "report_for": ",".join(words.report_for)}
    before = {k: _text(row, k) for k in FIELDS}
    for name in FIELDS:
        setattr(row, name, stored[name])
    changed = [k for k in FIELDS if _text(row, k) != before[k]]
    row.updated_at = dt.datetime.now(dt.UTC)
    row.updated_by = officer_email
    db.session.flush()
    audit.record(
        "saved the Board report words",
        officer_email,
        f"{consultation.slug}: Board report words saved"
        + (f" ({', '.join(k.replace('_', ' ') for k in changed)} changed)" if changed else " (no change)"),
    )
    return words
