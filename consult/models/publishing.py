"""What goes out: the officer's words for the Board report, and the record of every release."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from consult.extensions import db


class BoardReportWords(db.Model):
    """The officer's words for the Board report, one row per consultation.

    Purpose, summary and the rest are what only the consultation team knows; the report
    leaves out any part left empty. Recommendations are one per line. The Board, meeting
    date, item number and what the report is for (`report_for`: "information",
    "discussion" and/or "decision", separated by commas) head the paper.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"), unique=True)
    title: Mapped[str] = mapped_column(String(400), default="")
    board: Mapped[str] = mapped_column(String(200), default="")
    meeting_date: Mapped[dt.date | None] = mapped_column(Date)
    item: Mapped[str] = mapped_column(String(20), default="")
    report_for: Mapped[str] = mapped_column(String(64), default="")
    purpose: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    recommendations: Mapped[str] = mapped_column(Text, default="")
    action: Mapped[str] = mapped_column(Text, default="")
    background: Mapped[str] = mapped_column(Text, default="")
    financial_implications: Mapped[str] = mapped_column(Text, default="")
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_position: Mapped[str] = mapped_column(String(200), default="")
    contact_phone: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str | None] = mapped_column(String(320))


class ReleaseGroup(db.Model):
    """A group of response versions some release covered (`analysis.releases.record`).

    Only ever added to: a group split by later responses keeps its row, its parts get rows
    of their own pointing at it. `versions` and `counts` are compressed JSON; the counts are
    exact, so this table is never shown to anyone.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    parent: Mapped[int | None] = mapped_column(Integer)
    made_by: Mapped[int] = mapped_column(Integer)
    step: Mapped[float] = mapped_column(Float)
    versions: Mapped[bytes] = mapped_column(LargeBinary)
    counts: Mapped[bytes] = mapped_column(LargeBinary)

    __table_args__ = (
        UniqueConstraint("consultation_id", "number", name="uq_release_group_consultation_number"),
    )


class Release(db.Model):
    """One output meant for publication, as published: what, when, by whom, and its figures.

    Numbered per consultation; a second release with the number of one recorded meanwhile is
    refused by the unique key, so two outputs made at once cannot both be recorded.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    made_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    made_by: Mapped[str | None] = mapped_column(String(320))
    # "counts", "board-report" or "themes", and its format ("csv", "docx", ...).
    output: Mapped[str] = mapped_column(String(32))
    format: Mapped[str] = mapped_column(String(8))
    threshold: Mapped[int] = mapped_column(Integer)
    responses: Mapped[int] = mapped_column(Integer)
    layout: Mapped[str] = mapped_column(String(32))
    # Compressed JSON: the release's details and summary, and every figure it published.
    body: Mapped[bytes] = mapped_column(LargeBinary)
    figures: Mapped[bytes] = mapped_column(LargeBinary)

    __table_args__ = (UniqueConstraint("consultation_id", "number", name="uq_release_consultation_number"),)
