"""Emails waiting to be sent: invitations and reminders, and links people asked for."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
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


class OutboxMessage(db.Model):
    """An email to send, kept so that an interrupted send resumes without sending twice.

    It holds the invitation it is for, never the link: the link is minted at sending.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"), index=True)
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("invitation.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    batch: Mapped[str] = mapped_column(String(32), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("kind in ('invitation', 'reminder')", name="kind_known"),
        CheckConstraint("status in ('pending', 'sending', 'sent', 'failed')", name="status_known"),
    )


class RequestedEmail(db.Model):
    """An email someone asked for on the site (a sign-in link, a respondent's own link), waiting.

    The request stores this row and nothing else, whoever asked, so that asking takes the
    same time whether or not the address has an account; a background job then decides
    what (if anything) to send, mints the link, sends it and deletes the row. The address
    is kept only while the email waits; a mail server that is down leaves the row waiting.
    `mailbox` is the address as its limits count it (case folded, `+tag` removed): one
    row per mailbox and kind, so asking again while one waits adds nothing.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(320))
    mailbox: Mapped[str] = mapped_column(String(320))
    consultation_id: Mapped[int | None] = mapped_column(ForeignKey("consultation.id", ondelete="CASCADE"))
    languages: Mapped[str] = mapped_column(String(32), default="")
    # The root of the link to send (BASE_URL; in development, the address the request came to).
    link_root: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    claimed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("kind", "mailbox", name="uq_requested_email_kind_mailbox"),
        CheckConstraint("kind in ('sign-in-link', 'self-service')", name="kind_known"),
    )
