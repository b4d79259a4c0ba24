"""The mail-merge file: name, email and link for teams that send links through their own system.

Only a link's digest is stored, so a link can be shown just once, when it is minted:
making the file mints new links, and any earlier link of the same person stops working.
"""

from __future__ import annotations

from sqlalchemy import select

from analysis.csv_output import csv_text
from consult.data import links
from consult.extensions import db
from consult.mail.sending import INVITATION, REMINDER, check_open, in_flight, link_url, listed
from consult.models import Consultation, Invitation

MAIL_MERGE_NEW = "new"
MAIL_MERGE_NOT_RESPONDED = "not_responded"


def mail_merge(consultation: Consultation, scope: str, base_url: str) -> list[tuple[str, str, str]]:
    """(name, email, link) for each person in `scope`, minting new links.

    `new`: people with no link yet. `not_responded`: everyone who has not submitted —
    their earlier links stop working. People with an email waiting in the outbox are left out.
    """
    check_open(consultation)
    where = [*listed(consultation), ~in_flight(INVITATION), ~in_flight(REMINDER)]
    if scope == MAIL_MERGE_NEW:
        where.append(Invitation.token_digest.is_(None))
    else:
        where.append(Invitation.responded.is_(False))
    rows = []
    for invitation in db.session.scalars(select(Invitation).where(*where).order_by(Invitation.id)):
        try:
            token = links.mint_link(invitation)
        except links.AlreadyResponded:
            continue  # submitted since the list was read: their link stays as it is
        rows.append((invitation.name or "", invitation.email or "", link_url(base_url, token)))
    return rows


def mail_merge_csv(rows: list[tuple[str, str, str]]) -> str:
    """The mail-merge rows as CSV, every cell made safe to open in a spreadsheet."""
    return csv_text(["name", "email", "link"], rows)
