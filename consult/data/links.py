"""Respondent links: issuing tokens and recognising them.

A token is 256 bits from `secrets`. It is shown once, in the link, and never stored:
the invitation keeps its SHA-256 digest, the response is found by an HMAC of it under
the consultation's response key (see `consult.models`).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, bindparam, select, update

from consult.data.clock import today
from consult.extensions import db
from consult.models import Consultation, Invitation, Origin, Response

TOKEN_BYTES = 32
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$")


@dataclass(frozen=True)
class IssuedLink:
    invitation: Invitation
    token: str


@dataclass(frozen=True)
class LinkHolder:
    """What a valid token gives access to; this, not the token, goes in the session."""

    consultation_id: int
    invitation_id: int
    response_key_hash: str
    # The digest of the link this holder came through: once the invitation's link is
    # reissued or revoked, a session opened through the earlier link no longer matches.
    link_digest: str


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def response_key_hash(consultation: Consultation, token: str) -> str:
    if consultation.response_key is None:
        raise LookupError("this consultation's response key has been destroyed")
    return hmac.new(consultation.response_key, token.encode("ascii"), hashlib.sha256).hexdigest()


def issue_link(
    consultation: Consultation,
    *,
    name: str | None = None,
    email: str | None = None,
    organisation: str | None = None,
    role: str | None = None,
    organisation_type: str | None = None,
    region: str | None = None,
    kind: Origin = Origin.ISSUED,
) -> IssuedLink:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    invitation = Invitation(
        consultation_id=consultation.id,
        token_digest=token_digest(token),
        kind=kind.value,
        name=name,
        email=email,
        organisation=organisation,
        role=role,
        organisation_type=organisation_type,
        region=region,
        issued_on=today(),
    )
    db.session.add(invitation)
    db.session.flush()
    return IssuedLink(invitation, token)


class AlreadyResponded(LookupError):
    """The invitation's holder has submitted: a new link would let them submit a second response."""


def mint_link(invitation: Invitation) -> str:
    """A new token for an existing invitation; any earlier link of it, and every session
    opened through one, stops working.

    Refused (`AlreadyResponded`) once the invitation has a submitted response: the response
    is keyed by the old token, which is not stored, so a new link would start a second one.
    The check and the change are one conditional update, so a submission racing the
    reissue either lands first (and the reissue is refused) or is refused itself.
    """
    token = secrets.token_urlsafe(TOKEN_BYTES)
    changed = db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.responded.is_(False))
        .values(token_digest=token_digest(token), issued_on=today(), revoked_on=None)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(invitation)
    if changed.rowcount != 1:
        raise AlreadyResponded(f"invitation {invitation.id} has already responded")
    return token


def mark_responded(invitation: Invitation | Record, holder: LinkHolder) -> bool:
    """Record that the invitation's holder has submitted, if `holder`'s link is still its live link.

    False (nothing changed) when the link has been reissued or revoked meanwhile: the caller
    must then roll back the submission, so one invitation never counts twice.
    """
    changed = db.session.execute(
        update(Invitation)
        .where(
            Invitation.id == invitation.id,
            Invitation.token_digest == holder.link_digest,
            Invitation.revoked_on.is_(None),
        )
        .values(responded=True)
        .execution_options(synchronize_session=False)
    )
    return changed.rowcount == 1


def revoke(invitation: Invitation) -> None:
    """Stop the invitation's link working, and every session opened through it."""
    invitation.revoked_on = today()
    db.session.flush()


def is_current_link(invitation: Invitation | Record, holder: LinkHolder) -> bool:
    """Whether `holder` came through the invitation's live link (not an earlier, reissued one)."""
    return (
        invitation.revoked_on is None
        and invitation.token_digest is not None
        and hmac.compare_digest(invitation.token_digest, holder.link_digest)
    )


def recognise(token: str) -> LinkHolder | None:
    """The holder of `token`, or None for any token that is not a live link.

    Every kind of failure gives the same answer, so a caller cannot tell an unknown
    token from a revoked one or one whose consultation was purged.
    """
    if not _TOKEN_SHAPE.match(token):
        return None
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_digest == token_digest(token)))
    if invitation is None or invitation.revoked_on is not None:
        return None
    consultation = invitation.consultation
    if consultation.response_key is None:
        return None
    return LinkHolder(
        consultation.id, invitation.id, response_key_hash(consultation, token), token_digest(token)
    )


def live_invitation(holder: LinkHolder) -> Invitation | None:
    """The holder's invitation if its link is still live (not revoked, reissued or purged)."""
    invitation = db.session.get(Invitation, holder.invitation_id)
    if invitation is None or not is_current_link(invitation, holder):
        return None
    if invitation.consultation_id != holder.consultation_id:
        return None
    return invitation


class Record:
    """One table row as read for a respondent's request: its columns as read-only attributes.

    Respondent pages only read the invitation, consultation and response (every write
    locks and reads again what it changes), so a plain Core row serves them without the
    ORM's per-object bookkeeping, which cost as much as the rest of a page view.
    """

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{name}: a respondent's record is read-only")

    def __repr__(self) -> str:
        return f"Record(id={self.__dict__.get('id')!r})"


_invitations, _consultations, _responses = (
    Invitation.__table__,
    Consultation.__table__,
    Response.__table__,
)
_PARTS = [(table, [c.name for c in table.c]) for table in (_invitations, _consultations, _responses)]
# Every respondent request runs this: built once, each request binds its two values.
_INVITATION_AND_RESPONSE = (
    select(*(column for table, _ in _PARTS for column in table.c))
    .select_from(
        _invitations.join(_consultations, _consultations.c.id == _invitations.c.consultation_id).outerjoin(
            _responses,
            and_(
                _responses.c.key_hash == bindparam("key_hash"),
                _responses.c.consultation_id == _consultations.c.id,
            ),
        )
    )
    .where(_invitations.c.id == bindparam("invitation_id"))
)


def _split(row: Any) -> list[Record | None]:
    records: list[Record | None] = []
    offset = 0
    for _, names in _PARTS:
        values = dict(zip(names, row[offset : offset + len(names)], strict=True))
        records.append(None if values["id"] is None else Record(values))
        offset += len(names)
    return records


def live_invitation_and_response(holder: LinkHolder) -> tuple[Record, Record, Record | None] | None:
    """`live_invitation`: the invitation, its consultation and the holder's response, in one query.

    Read-only records (see `Record`); a write loads what it changes under its lock.
    """
    row = db.session.execute(
        _INVITATION_AND_RESPONSE,
        {"key_hash": holder.response_key_hash, "invitation_id": holder.invitation_id},
    ).first()
    if row is None:
        return None
    invitation, consultation, response = _split(row)
    assert invitation is not None and consultation is not None
    if not is_current_link(invitation, holder) or invitation.consultation_id != holder.consultation_id:
        return None
    return invitation, consultation, response
