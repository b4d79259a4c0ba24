"""Emails asked for on the site, waiting for the background job that sends them.

Asking (a sign-in link, a respondent's own link) stores a `RequestedEmail` row and does
nothing else, whatever the address: whether an account or invitation exists is looked at
only by the job (`consult.jobs.email_job`), so the request's timing says nothing about it.
The job claims one row at a time, sends it with no transaction open, and deletes it; a
mail server that cannot be reached leaves the row waiting for the next run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from consult.extensions import db
from consult.models import RequestedEmail

SIGN_IN_LINK = "sign-in-link"
SELF_SERVICE = "self-service"
# A row claimed longer ago than this was being sent by a process that stopped: send it again.
CLAIM_TIMEOUT = dt.timedelta(minutes=15)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def canonical_mailbox(address: str) -> str:
    """The mailbox an address delivers to, as limits count it: case folded, `+tag` removed.

    `Victim+1@Example.org` and `victim@example.org` reach one inbox, so they share one
    count and one waiting email.
    """
    local, at, domain = address.strip().casefold().rpartition("@")
    if not at:
        return domain
    return f"{local.split('+', 1)[0]}@{domain}"


def request_email(
    kind: str,
    address: str,
    link_root: str,
    *,
    consultation_id: int | None = None,
    languages: tuple[str, ...] = (),
) -> bool:
    """Store an email to send to `address` (its link under `link_root`), unless one of `kind`
    already waits for its mailbox.

    Returns whether a row was added. The same statements run whoever the address belongs to.
    """
    mailbox = canonical_mailbox(address)
    waiting = db.session.scalar(
        select(RequestedEmail.id).where(RequestedEmail.kind == kind, RequestedEmail.mailbox == mailbox)
    )
    if waiting is not None:
        return False
    row = RequestedEmail(
        kind=kind,
        address=address.strip(),
        mailbox=mailbox,
        consultation_id=consultation_id,
        languages=",".join(languages),
        link_root=link_root,
        created_at=_now(),
        attempts=0,
    )
    try:
        with db.session.begin_nested():  # another request for the mailbox may have just added one
            db.session.add(row)
    except IntegrityError:
        return False
    return True


@dataclass(frozen=True)
class Claimed:
    """A waiting email this process now sends (the row's fields, not the row)."""

    id: int
    kind: str
    address: str
    consultation_id: int | None
    languages: tuple[str, ...]
    link_root: str


def claim_next() -> Claimed | None:
    """Claim the oldest waiting email nobody is sending (and flush); None when there is none."""
    stale = _now() - CLAIM_TIMEOUT
    candidates = db.session.scalars(
        select(RequestedEmail)
        .where(or_(RequestedEmail.claimed_at.is_(None), RequestedEmail.claimed_at < stale))
        .order_by(RequestedEmail.id)
        .limit(5)
    ).all()
    for row in candidates:
        claimed = db.session.execute(
            update(RequestedEmail)
            .where(
                RequestedEmail.id == row.id,
                or_(RequestedEmail.claimed_at.is_(None), RequestedEmail.claimed_at < stale),
            )
            .values(claimed_at=_now(), attempts=RequestedEmail.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount == 1:
            languages = tuple(part for part in row.languages.split(",") if part)
            return Claimed(row.id, row.kind, row.address, row.consultation_id, languages, row.link_root)
    return None


def finish(claimed: Claimed) -> None:
    """The email was sent, or there was nothing to send: forget the row and its address."""
    db.session.execute(delete(RequestedEmail).where(RequestedEmail.id == claimed.id))
    db.session.flush()


def put_back(claimed: Claimed, error: str) -> None:
    """The email could not be sent now: it waits for the next run, with the reason noted."""
    db.session.execute(
        update(RequestedEmail)
        .where(RequestedEmail.id == claimed.id)
        .values(claimed_at=None, error=error)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()


def forget_for(kind: str, address: str) -> int:
    """Drop the waiting emails of `kind` for the address's mailbox; returns how many."""
    dropped = db.session.execute(
        delete(RequestedEmail).where(
            RequestedEmail.kind == kind, RequestedEmail.mailbox == canonical_mailbox(address)
        )
    )
    return dropped.rowcount or 0


def waiting_count() -> int:
    """How many asked-for emails wait to be sent."""
    return db.session.scalar(select(func.count(RequestedEmail.id))) or 0
