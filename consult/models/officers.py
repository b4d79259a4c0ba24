"""The consultation team's accounts, their sessions and sign-in links, and the audit trail."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.extensions import db


class OfficerRole(StrEnum):
    OFFICER = "officer"  # runs the consultation, sees contact details
    ANALYST = "analyst"  # sees results and reports, never contact details


class Officer(db.Model):
    """A member of the consultation team (officer) or an analyst."""

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    created_on: Mapped[dt.date] = mapped_column(Date)
    disabled_on: Mapped[dt.date | None] = mapped_column(Date)

    __table_args__ = (CheckConstraint("role in ('officer', 'analyst')", name="role_known"),)


class OfficerSession(db.Model):
    """A signed-in officer's session, held on the server so that signing out ends it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officer.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    officer: Mapped[Officer] = relationship()


class SignInLink(db.Model):
    """A one-time sign-in link for an officer (printed by `consult officers add`)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officer.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEvent(db.Model):
    """Who did what to the consultation, and when; never a response's content or a token."""

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    officer_email: Mapped[str | None] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text, default="")
