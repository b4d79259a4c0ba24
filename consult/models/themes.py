"""Themes of free-text answers: the engine's draft and the analysts' review of it."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from consult.extensions import db


class Stage(StrEnum):
    """Which copy of a response's answers a row belongs to.

    `draft` is the working copy every save replaces; `submitted` is what was last
    submitted, and what counts. Changes after a submission stay in the draft until the
    respondent submits again, so a half-finished change never alters a submitted response.
    """

    DRAFT = "draft"
    SUBMITTED = "submitted"


class ThemeSet(db.Model):
    """The themes of one free-text question: the engine's draft, then the analysts' review.

    One per (consultation, question): a re-run updates it in place and keeps the review.
    `version` counts the saved changes to the set (1: untouched, so a re-run may replace
    it); conflicts between analysts are caught per theme and per answer (`Theme.version`,
    `ThemeAnswer.version`), so that editing one theme never makes another's form stale.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"))
    question_id: Mapped[str] = mapped_column(String(16))
    engine: Mapped[str] = mapped_column(String(40))
    settings: Mapped[dict[str, object]] = mapped_column(JSON)
    answers_included: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    run_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (
        UniqueConstraint("consultation_id", "question_id", name="uq_theme_set_consultation_question"),
        CheckConstraint("status in ('draft', 'reviewed')", name="status_known"),
    )


class Theme(db.Model):
    """A theme of a theme set: found by the engine ("machine") or made by an analyst."""

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_set_id: Mapped[int] = mapped_column(ForeignKey("theme_set.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    key_terms: Mapped[list[str]] = mapped_column(JSON)
    position: Mapped[int] = mapped_column(Integer)
    origin: Mapped[str] = mapped_column(String(16))
    # Bumped by every saved change to the theme itself (name, description, a merge into it),
    # so that a form saved over a newer change to the same theme is caught; changes to other
    # themes leave it alone. `last_change_id` is the audit entry of that change: who, when, what.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    last_change_id: Mapped[int | None] = mapped_column(ForeignKey("audit_event.id", ondelete="SET NULL"))

    __table_args__ = (CheckConstraint("origin in ('machine', 'analyst')", name="origin_known"),)


class ThemeAnswer(db.Model):
    """One answer in a theme set, its review state, quote approval and flag.

    The answer's text stays in `answer` (found through the response's public id): it is
    never copied here. `machine_theme_id` is the engine's theme for it, kept to count how
    many of the engine's assignments analysts changed.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_set_id: Mapped[int] = mapped_column(ForeignKey("theme_set.id", ondelete="CASCADE"))
    response_public_id: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), default="machine")
    machine_theme_id: Mapped[int | None] = mapped_column(Integer)
    quote_approved: Mapped[bool] = mapped_column(Boolean, default=False)
    flag: Mapped[str | None] = mapped_column(String(16))
    # Bumped by every saved change to this answer (its themes, quote approval, flag, state):
    # see `Theme.version`.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    last_change_id: Mapped[int | None] = mapped_column(ForeignKey("audit_event.id", ondelete="SET NULL"))

    __table_args__ = (
        UniqueConstraint("theme_set_id", "response_public_id", name="uq_theme_answer_set_response"),
        CheckConstraint("state in ('machine', 'suggested', 'reviewed')", name="state_known"),
        CheckConstraint("flag is null or flag in ('identifying', 'abusive')", name="flag_known"),
        CheckConstraint("not (quote_approved and flag is not null)", name="flagged_never_quoted"),
    )


class ThemeAnswerTheme(db.Model):
    """Which themes an answer is in: none, one or several."""

    theme_answer_id: Mapped[int] = mapped_column(
        ForeignKey("theme_answer.id", ondelete="CASCADE"), primary_key=True
    )
    theme_id: Mapped[int] = mapped_column(
        ForeignKey("theme.id", ondelete="CASCADE"), primary_key=True, index=True
    )
