"""The stored data: consultations, invitations (contact details) and anonymised responses.

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
    DateTime,
    Float,
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


class OfficerRole(StrEnum):
    OFFICER = "officer"  # runs the consultation, sees contact details
    ANALYST = "analyst"  # sees results and reports, never contact details


class Stage(StrEnum):
    """Which copy of a response's answers a row belongs to.

    `draft` is the working copy every save replaces; `submitted` is what was last
    submitted, and what counts. Changes after a submission stay in the draft until the
    respondent submits again, so a half-finished change never alters a submitted response.
    """

    DRAFT = "draft"
    SUBMITTED = "submitted"


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


class QueuedJob:
    """The shape every background job's row shares: its status and progress, who asked, when.

    A job is a row of its kind's table (`ThemeRun`, `PreparedDownload`) with these columns:
    the request records it queued, one wrapper (`consult.jobs.runner.run_job`) claims it,
    reports its progress and its failure, and every page and process reads them from here,
    whichever runner does the work (a thread of the server or an RQ worker).
    """

    status: Mapped[str] = mapped_column(String(16), default="queued")
    steps_done: Mapped[int] = mapped_column(Integer, default=0)
    steps_total: Mapped[int] = mapped_column(Integer, default=1)
    message: Mapped[str] = mapped_column(Text, default="")
    requested_by: Mapped[str | None] = mapped_column(String(320))
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class ThemeRun(QueuedJob, db.Model):
    """A request to find themes (one question or all), run as a background job."""

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"), index=True)
    # The questions asked for: one id, or every free-text question ("all").
    scope: Mapped[str] = mapped_column(String(16))
    question_ids: Mapped[list[str]] = mapped_column(JSON)
    engine: Mapped[str] = mapped_column(String(40))
    settings: Mapped[dict[str, object]] = mapped_column(JSON)
    report_format: Mapped[str] = mapped_column(String(8))
    # The theme report (HTML, XLSX or JSON) the run made, offered as a download.
    report: Mapped[bytes | None] = mapped_column(LargeBinary)

    __table_args__ = (
        CheckConstraint("status in ('queued', 'running', 'finished', 'failed')", name="status_known"),
    )


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


class PreparedDownload(QueuedJob, db.Model):
    """A result download (the counts, the Board report) made by a background job.

    Making one reads every response and can take longer than a web request may, so the
    request only records it; the job stores the finished file here for the officer to fetch.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"), index=True)
    # What is made ("counts" or "board-report") and as what ("csv", "docx", ...).
    kind: Mapped[str] = mapped_column(String(32))
    format: Mapped[str] = mapped_column(String(8))
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    filename: Mapped[str] = mapped_column(String(200))
    mimetype: Mapped[str] = mapped_column(String(200))

    __table_args__ = (
        CheckConstraint("status in ('queued', 'running', 'finished', 'failed')", name="status_known"),
    )


class ThemeGroupTables(QueuedJob, db.Model):
    """A question's themes by group, protected for publication, prepared by a background job.

    The protection takes seconds on a large consultation, so the review page never works it
    out itself: a job does and stores the tables here (`tables`, as the page shows them)
    with `inputs`, a digest of everything they were worked out from (the answers' themes
    and groups, the themes' names and order, the threshold). The page shows them only while
    the review still gives the same digest, and says they are out of date otherwise.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"), index=True)
    theme_set_id: Mapped[int] = mapped_column(ForeignKey("theme_set.id", ondelete="CASCADE"), index=True)
    inputs: Mapped[str | None] = mapped_column(String(64))
    tables: Mapped[dict[str, object] | None] = mapped_column(JSON)

    __table_args__ = (
        CheckConstraint("status in ('queued', 'running', 'finished', 'failed')", name="status_known"),
    )


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
