"""Sending links by email (SMTP), resumably, and the mail-merge file for teams that send their own.

Invitations and reminders are first queued as `OutboxMessage` rows in a batch, then sent
one at a time:

1. claim a pending message (mark it ``sending``), mint the person's link if the email
   carries one, and commit — so the stored digest always matches the link being sent;
2. send it over SMTP, with no database transaction open;
3. mark it ``sent``, set the invitation's ``sent_on`` or ``reminded_on``, and commit.

An interrupted run leaves the rest ``pending``: sending again carries on from there and
never repeats a message already sent. A message left ``sending`` (the process stopped, or
the connection dropped, between 1 and 3) may or may not have been delivered: it is
reported and only sent again when an officer says so (`release_unconfirmed`). A message
the server refuses is ``failed``; its unsent link is withdrawn so it can be queued again.

The mail-merge file (`consult.mail.merge`) is the other way to hand out links.
Reminders go only to people on the list who were issued a link and have not submitted.
By default a reminder points to the link already sent, because a new link would leave
behind anything saved but not submitted through the old one; officers may choose to send
a new link instead.
"""

from __future__ import annotations

import datetime as dt
import secrets
import smtplib
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from sqlalchemy import exists, func, select, update

from consult.data import consultations, links
from consult.data.clock import today
from consult.data.consultations import ConsultationState
from consult.extensions import db
from consult.mail import text as mail_text
from consult.mail.smtp import MailError, MailSettings, connection
from consult.models import Consultation, Invitation, Origin, OutboxMessage

INVITATION = "invitation"
REMINDER = "reminder"
NEW_LINK_SUFFIX = "-link"  # a reminder batch whose emails carry a new link


def link_url(base_url: str, token: str) -> str:
    """The respondent's link for `token`."""
    return f"{base_url.rstrip('/')}/r/{token}"


# Queueing -------------------------------------------------------------------------------


def in_flight(kind: str) -> Any:
    """Whether the invitation has a message of `kind` waiting or being sent."""
    return exists().where(
        OutboxMessage.invitation_id == Invitation.id,
        OutboxMessage.kind == kind,
        OutboxMessage.status.in_(("pending", "sending")),
    )


def listed(consultation: Consultation) -> tuple[Any, ...]:
    """Conditions for a live invitation on the consultation's list, with an email address."""
    return (
        Invitation.consultation_id == consultation.id,
        Invitation.kind == Origin.INVITED.value,
        Invitation.email.is_not(None),
        Invitation.revoked_on.is_(None),
    )


def invitation_candidates(consultation: Consultation) -> Any:
    """People on the list who have no link yet and no invitation waiting to be sent."""
    return select(Invitation.id).where(
        *listed(consultation), Invitation.token_digest.is_(None), ~in_flight(INVITATION)
    )


def reminder_candidates(consultation: Consultation) -> Any:
    """People issued a link who have not submitted, not reminded today, none waiting."""
    return select(Invitation.id).where(
        *listed(consultation),
        Invitation.token_digest.is_not(None),
        Invitation.responded.is_(False),
        (Invitation.reminded_on.is_(None)) | (Invitation.reminded_on != today()),
        ~in_flight(REMINDER),
    )


def count_candidates(query: Any) -> int:
    """How many people a candidates query finds."""
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


def check_open(consultation: Consultation) -> None:
    """MailError unless links may still be sent: the list exists and the consultation is not closed."""
    if consultation.purged_on is not None or consultation.response_key is None:
        raise MailError("The contact list has been destroyed: there is no one to send to")
    if consultations.state(consultation) is ConsultationState.CLOSED:
        raise MailError("The consultation has closed: no more links or reminders can be sent")


def queue(consultation: Consultation, kind: str, *, new_link: bool = False) -> tuple[str, int]:
    """Queue an invitation (or a reminder) for everyone due one; returns (batch, how many)."""
    check_open(consultation)
    db.session.execute(select(Consultation.id).where(Consultation.id == consultation.id).with_for_update())
    query = invitation_candidates(consultation) if kind == INVITATION else reminder_candidates(consultation)
    batch = secrets.token_hex(8) + (NEW_LINK_SUFFIX if kind == REMINDER and new_link else "")
    now = _now()
    ids = list(db.session.scalars(query.order_by(Invitation.id)))
    db.session.add_all(
        OutboxMessage(
            consultation_id=consultation.id,
            invitation_id=i,
            kind=kind,
            status="pending",
            batch=batch,
            created_at=now,
        )
        for i in ids
    )
    db.session.flush()
    return batch, len(ids)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# Sending --------------------------------------------------------------------------------


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    remaining: int = 0
    unconfirmed: int = 0
    interrupted: str | None = None
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Claimed:
    message_id: int
    email: EmailMessage


def _claim_next(consultation_id: int, base_url: str, sender: str) -> _Claimed | bool | None:
    """Claim and prepare the next pending message and commit; None when there is none.

    Returns True for a message that was no longer due and has been dropped.
    """
    message = db.session.scalar(
        select(OutboxMessage)
        .where(OutboxMessage.consultation_id == consultation_id, OutboxMessage.status == "pending")
        .order_by(OutboxMessage.id)
        .limit(1)
    )
    if message is None:
        db.session.commit()
        return None
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id, OutboxMessage.status == "pending")
        .values(status="sending")
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # another run took it first
        db.session.commit()
        return True
    invitation = db.session.get(Invitation, message.invitation_id) if message.invitation_id else None
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None or consultation.response_key is None:
        raise MailError("The contact list has been destroyed: there is no one to send to")
    questionnaire = consultations.questionnaire_of(consultation)
    letter = _letter_for(message, invitation, consultation, questionnaire, base_url)
    if letter is None or invitation is None or not invitation.email:
        db.session.delete(message)
        db.session.commit()
        return True
    email = mail_text.to_message(letter, sender=sender, to=invitation.email)
    message_id = message.id
    db.session.commit()  # the link's digest is stored before the link leaves
    return _Claimed(message_id, email)


def _letter_for(
    message: OutboxMessage,
    invitation: Invitation | None,
    consultation: Consultation,
    questionnaire: Any,
    base_url: str,
) -> mail_text.Letter | None:
    if invitation is None or invitation.revoked_on is not None or not invitation.email:
        return None
    if message.kind == INVITATION:
        if invitation.sent_on is not None:
            return None  # already emailed: never twice
        try:
            link = link_url(base_url, links.mint_link(invitation))
        except links.AlreadyResponded:
            return None  # answered through a link given another way: a new one would count twice
        return mail_text.invitation(
            questionnaire,
            consultation.closes_on,
            invitation.name,
            link,
            _languages(questionnaire, invitation),
        )
    if invitation.responded or invitation.token_digest is None:
        return None
    new_link = message.batch.endswith(NEW_LINK_SUFFIX)
    try:
        link = link_url(base_url, links.mint_link(invitation)) if new_link else None
    except links.AlreadyResponded:
        return None  # submitted since the reminder was queued: no reminder, no new link
    sent_on = invitation.sent_on or invitation.issued_on
    return mail_text.reminder(
        questionnaire,
        consultation.closes_on,
        invitation.name,
        link,
        sent_on,
        _languages(questionnaire, invitation),
    )


def _languages(questionnaire: Any, invitation: Invitation) -> tuple[str, ...]:
    """The languages of this invitee's emails (Welsh and English for Welsh respondents, where offered)."""
    return mail_text.invitee_languages(
        consultations.offered_languages(questionnaire), invitation.region, invitation.organisation_type
    )


def _finish(message_id: int, status: str, error: str | None = None) -> None:
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        db.session.commit()
        return
    message.status = status
    message.error = error
    invitation = db.session.get(Invitation, message.invitation_id) if message.invitation_id else None
    if status == "sent":
        message.sent_at = _now()
        if invitation is not None:
            if message.kind == INVITATION:
                invitation.sent_on = today()
            else:
                invitation.reminded_on = today()
    elif status == "failed" and invitation is not None and message.kind == INVITATION:
        invitation.token_digest = None  # the unsent link is withdrawn, so it can be queued again
    db.session.commit()


def send_pending(
    consultation: Consultation, settings: MailSettings, base_url: str, time_budget: float | None = None
) -> SendReport:
    """Send queued messages one by one until none are left, the time is up, or the server fails.

    Commits after each message (see the module docstring). Safe to run again at any time.
    """
    consultation_id = consultation.id
    check_open(consultation)
    db.session.commit()  # no transaction is held while talking to the mail server
    report = SendReport()
    deadline = time.monotonic() + time_budget if time_budget else None
    with connection(settings) as smtp:
        while deadline is None or time.monotonic() < deadline:
            claimed = _claim_next(consultation_id, base_url, settings.sender)
            if claimed is None:
                break
            if claimed is True:
                report.skipped += 1
                continue
            assert isinstance(claimed, _Claimed)
            try:
                smtp.send_message(claimed.email)
            except smtplib.SMTPRecipientsRefused as exc:
                reason = _reason(exc)
                _finish(claimed.message_id, "failed", f"Address refused: {reason}")
                report.failed += 1
                report.errors.append(f"{claimed.email['To']}: {reason}")
                continue
            except smtplib.SMTPResponseException as exc:
                # A definite refusal of this message (not a dropped connection).
                reason = f"{exc.smtp_code} {exc.smtp_error.decode(errors='replace')}"
                _finish(claimed.message_id, "failed", f"Refused: {reason}")
                report.failed += 1
                report.errors.append(f"{claimed.email['To']}: {reason}")
                if 400 <= exc.smtp_code < 500:  # the server asks us to try later: stop for now
                    report.interrupted = f"The mail server stopped accepting email for now: {reason}"
                    break
                continue
            except (OSError, smtplib.SMTPException) as exc:
                # The connection dropped while sending: it may or may not have arrived.
                report.interrupted = f"The connection to the mail server was lost ({exc.__class__.__name__})"
                _note(claimed.message_id, report.interrupted)
                break
            _finish(claimed.message_id, "sent")
            report.sent += 1
    report.remaining = _count_status(consultation_id, "pending")
    report.unconfirmed = _count_status(consultation_id, "sending")
    db.session.commit()
    return report


def _reason(exc: smtplib.SMTPRecipientsRefused) -> str:
    for code, text in exc.recipients.values():
        return f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
    return "refused"


def _note(message_id: int, error: str) -> None:
    message = db.session.get(OutboxMessage, message_id)
    if message is not None:
        message.error = error
    db.session.commit()


def _count_status(consultation_id: int, status: str) -> int:
    return (
        db.session.scalar(
            select(func.count(OutboxMessage.id)).where(
                OutboxMessage.consultation_id == consultation_id, OutboxMessage.status == status
            )
        )
        or 0
    )


@dataclass(frozen=True)
class OutboxState:
    pending: int
    unconfirmed: int
    failed: int
    sent: int
    unconfirmed_people: list[tuple[str, str]]
    failed_people: list[tuple[str, str]]


def outbox_state(consultation: Consultation, limit: int = 50) -> OutboxState:
    """How the outbox stands, with the people whose email is unconfirmed or failed."""

    def people(status: str) -> list[tuple[str, str]]:
        rows = db.session.execute(
            select(Invitation.email, OutboxMessage.error)
            .join(Invitation, Invitation.id == OutboxMessage.invitation_id)
            .where(OutboxMessage.consultation_id == consultation.id, OutboxMessage.status == status)
            .order_by(OutboxMessage.id.desc())
            .limit(limit)
        )
        return [(email or "", error or "") for email, error in rows]

    return OutboxState(
        pending=_count_status(consultation.id, "pending"),
        unconfirmed=_count_status(consultation.id, "sending"),
        failed=_count_status(consultation.id, "failed"),
        sent=_count_status(consultation.id, "sent"),
        unconfirmed_people=people("sending"),
        failed_people=people("failed"),
    )


def release_unconfirmed(consultation: Consultation) -> int:
    """Put messages left 'sending' back to 'pending', once an officer has checked they did not arrive."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.consultation_id == consultation.id, OutboxMessage.status == "sending")
        .values(status="pending", error=None)
        .execution_options(synchronize_session=False)
    )
    # A released invitation may be sent again even though a link was minted for it.
    db.session.execute(
        update(Invitation)
        .where(
            Invitation.id.in_(
                select(OutboxMessage.invitation_id).where(
                    OutboxMessage.consultation_id == consultation.id,
                    OutboxMessage.status == "pending",
                    OutboxMessage.kind == INVITATION,
                )
            )
        )
        .values(sent_on=None)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    return result.rowcount or 0
