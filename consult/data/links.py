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

from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import contains_eager

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


def mint_link(invitation: Invitation) -> str:
    """A new token for an existing invitation; any earlier link of it stops working."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    invitation.token_digest = token_digest(token)
    invitation.issued_on = today()
    invitation.revoked_on = None
    db.session.flush()
    return token


def mark_responded(invitation: Invitation) -> None:
    invitation.responded = True
    db.session.flush()


def revoke(invitation: Invitation) -> None:
    invitation.revoked_on = today()
    db.session.flush()


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
    return LinkHolder(consultation.id, invitation.id, response_key_hash(consultation, token))


def live_invitation(holder: LinkHolder) -> Invitation | None:
    """The holder's invitation if it is still live (not revoked or purged)."""
    invitation = db.session.get(Invitation, holder.invitation_id)
    if invitation is None or invitation.revoked_on is not None:
        return None
    if invitation.consultation_id != holder.consultation_id:
        return None
    return invitation


# Every respondent request runs this: built once, each request binds its two values
# (building the joined ORM statement cost as much as running it).
_INVITATION_AND_RESPONSE = (
    select(Invitation, Response)
    .join(Invitation.consultation)
    .outerjoin(
        Response,
        and_(Response.key_hash == bindparam("key_hash"), Response.consultation_id == Consultation.id),
    )
    .where(Invitation.id == bindparam("invitation_id"))
    .options(contains_eager(Invitation.consultation))
)


def live_invitation_and_response(holder: LinkHolder) -> tuple[Invitation, Response | None] | None:
    """`live_invitation` with its consultation and the holder's response, in one query."""
    row = db.session.execute(
        _INVITATION_AND_RESPONSE,
        {"key_hash": holder.response_key_hash, "invitation_id": holder.invitation_id},
    ).first()
    if row is None:
        return None
    invitation, response = row
    if invitation.revoked_on is not None or invitation.consultation_id != holder.consultation_id:
        return None
    return invitation, response
