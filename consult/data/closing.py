"""Closing a consultation and destroying its contact list afterwards, so the
responses left are anonymous rather than merely pseudonymous.

`change_dates` sets the opening and closing dates and records the change in the audit
log. `purge_contacts`, allowed only once the consultation has closed, deletes every
invitation (names, email addresses, organisations, link digests) and queued email,
destroys the response key and empties every response's key hash: what remains are
responses that nobody can reach through a link or join to a person. `scrub_storage`
then rewrites the storage so deleted rows do not linger in free pages.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, func, select, text, update

from consult.data import audit, consultations
from consult.data.clock import today
from consult.data.consultations import ConsultationState
from consult.extensions import db
from consult.models import Consultation, Invitation, OutboxMessage, Response


class PurgeRefused(RuntimeError):
    """The purge cannot be done yet; the message says why, fit to show an officer."""


@dataclass(frozen=True)
class PurgeResult:
    invitations: int
    messages: int
    response_keys: int


def change_dates(
    consultation: Consultation, opens_on: dt.date | None, closes_on: dt.date | None, who: str | None
) -> list[str]:
    """Set the dates (a `DateError` if out of order); audit each change; return what changed."""
    before = (consultation.opens_on, consultation.closes_on)
    consultations.set_dates(consultation, opens_on, closes_on)
    changes = []
    for what, old, new in (
        ("opening", before[0], consultation.opens_on),
        ("closing", before[1], consultation.closes_on),
    ):
        if old != new:
            audit.record(f"changed the {what} date", who, f"{consultation.slug}: from {old} to {new}")
            changes.append(what)
    return changes


def purge_refusal(consultation: Consultation, on: dt.date | None = None) -> str | None:
    """Why contact details cannot be purged now, or None if they can."""
    if consultations.state(consultation, on) is not ConsultationState.CLOSED:
        closes = f"{consultation.closes_on.day} {consultation.closes_on:%B %Y}"
        return (
            f"The consultation is open until the end of {closes}. "
            "You can delete contact details only after it has closed."
        )
    return None


def purge_contacts(consultation: Consultation, who: str | None) -> PurgeResult:
    """Delete the contact list and the response key; raises `PurgeRefused` before closing.

    Repeating it is harmless: a second purge finds nothing left to delete.
    """
    if refusal := purge_refusal(consultation):
        raise PurgeRefused(refusal)
    messages = db.session.execute(
        delete(OutboxMessage).where(OutboxMessage.consultation_id == consultation.id)
    ).rowcount
    invitations = db.session.execute(
        delete(Invitation).where(Invitation.consultation_id == consultation.id)
    ).rowcount
    keys = (
        db.session.scalar(
            select(func.count(Response.id)).where(
                Response.consultation_id == consultation.id, Response.key_hash.is_not(None)
            )
        )
        or 0
    )
    db.session.execute(
        update(Response).where(Response.consultation_id == consultation.id).values(key_hash=None)
    )
    consultation.response_key = None
    consultation.purged_on = today()
    audit.record(
        "purged contact details",
        who,
        f"{consultation.slug}: deleted {invitations} invitations and {messages} queued emails; "
        f"destroyed the response key and {keys} response keys",
    )
    db.session.flush()
    return PurgeResult(invitations or 0, messages or 0, keys)


def scrub_storage() -> None:
    """Rewrite the database storage so that deleted rows are gone from the files too.

    SQLite keeps deleted rows in free pages and the write-ahead log until they are
    reused: VACUUM rebuilds the file and a truncating checkpoint empties the log.
    PostgreSQL keeps dead row versions until vacuumed: VACUUM FULL rewrites the tables.
    Call after committing the purge; it runs outside any transaction.
    """
    db.session.commit()
    engine = db.engine
    tables = [model.__table__.name for model in (Invitation, OutboxMessage, Response)]
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute("PRAGMA secure_delete = ON")
            cursor.execute("VACUUM")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cursor.close()
        finally:
            raw.close()
    elif engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM FULL " + ", ".join(f'"{name}"' for name in tables)))
