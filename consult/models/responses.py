"""Consultations, the invitations that hold contact details, and anonymised responses.

Anonymity by design, as the paper promises: an `Invitation` keeps a SHA-256 digest of its link token;
a `Response` is keyed by an HMAC of the same token under the consultation's response key.
Neither the token nor any link between the two is stored, so the database alone cannot
join a response to a person. Responses carry dates, never times.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from analysis.counts.disclosure import DEFAULT_THRESHOLD
from consult.extensions import db


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class Channel(StrEnum):
    WEB = "web"
    EMAIL = "email"
    PAPER = "paper"
    OTHER = "other"


class Origin(StrEnum):
    """How a response came in, for counting invited and self-service respondents apart."""

    INVITED = "invited"  # a link sent to someone on the invitation list
    SELF_SERVICE = "self_service"  # a link someone asked for from the public page
    ISSUED = "issued"  # a link printed by `consult links new`
    KEYED_IN = "keyed_in"  # entered by an officer from an email or paper response


class Consultation(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    questionnaire: Mapped[str] = mapped_column(String(80))
    opens_on: Mapped[dt.date] = mapped_column(Date)
    closes_on: Mapped[dt.date] = mapped_column(Date)
    # Key for the keyed hash that finds a response from its link; destroyed at purge.
    response_key: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    created_on: Mapped[dt.date] = mapped_column(Date)
    # Set when the contact list and response key were destroyed (`consult purge-contacts`).
    purged_on: Mapped[dt.date | None] = mapped_column(Date)
    disclosure_threshold: Mapped[int] = mapped_column(Integer, default=DEFAULT_THRESHOLD)

    __table_args__ = (CheckConstraint("closes_on >= opens_on", name="dates_in_order"),)


class Invitation(db.Model):
    """Someone who holds a link. Contact details live here and nowhere else."""

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"), index=True)
    # Empty until a link is minted (at sending); a new link replaces the digest.
    token_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default=Origin.ISSUED)
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    organisation: Mapped[str | None] = mapped_column(String(300))
    role: Mapped[str | None] = mapped_column(String(100))
    organisation_type: Mapped[str | None] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(100))
    issued_on: Mapped[dt.date] = mapped_column(Date)
    revoked_on: Mapped[dt.date | None] = mapped_column(Date)
    sent_on: Mapped[dt.date | None] = mapped_column(Date)
    reminded_on: Mapped[dt.date | None] = mapped_column(Date)
    # Whether this link's holder has submitted: reminders go only to those who have not.
    # A flag, not a date or a key, so it cannot be matched to a response.
    responded: Mapped[bool] = mapped_column(Boolean, default=False)

    consultation: Mapped[Consultation] = relationship()

    __table_args__ = (
        CheckConstraint("kind in ('invited', 'self_service', 'issued')", name="kind_known"),
        UniqueConstraint("consultation_id", "email", name="uq_invitation_consultation_email"),
    )


class Response(db.Model):
    """One link's response: coarse attributes and a version; answers in `Answer`."""

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"), index=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    # HMAC-SHA256(consultation.response_key, token); emptied when the key is destroyed.
    key_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=Status.DRAFT)
    channel: Mapped[str] = mapped_column(String(16), default=Channel.WEB)
    origin: Mapped[str] = mapped_column(String(16), default=Origin.ISSUED)
    role: Mapped[str | None] = mapped_column(String(100))
    organisation_type: Mapped[str | None] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(100))
    consent_to_be_named: Mapped[bool | None] = mapped_column(Boolean)
    organisation_name: Mapped[str | None] = mapped_column(String(300))
    # "About you" as changed after submitting and not yet submitted again (the five fields
    # above, by name); None otherwise. The columns above are what counts, as the submitted
    # answers are: a change counts once it is submitted, like a changed answer.
    draft_profile: Mapped[dict[str, object] | None] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=0)
    started_on: Mapped[dt.date] = mapped_column(Date)
    updated_on: Mapped[dt.date] = mapped_column(Date)
    submitted_on: Mapped[dt.date | None] = mapped_column(Date)
    has_unsubmitted_changes: Mapped[bool] = mapped_column(Boolean, default=False)

    consultation: Mapped[Consultation] = relationship()

    __table_args__ = (
        CheckConstraint("status in ('draft', 'submitted')", name="status_known"),
        CheckConstraint("channel in ('web', 'email', 'paper', 'other')", name="channel_known"),
        CheckConstraint("origin in ('invited', 'self_service', 'issued', 'keyed_in')", name="origin_known"),
        CheckConstraint("organisation_name is null or consent_to_be_named", name="named_only_with_consent"),
    )


class Answer(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(16))
    question_id: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("response_id", "stage", "question_id", name="uq_answer_response_stage_question"),
        CheckConstraint("stage in ('draft', 'submitted')", name="stage_known"),
    )
