"""The audit log: who signed in, imported, sent, exported, changed dates or purged, and when.

Never records the content of a response or a link token.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from consult.extensions import db
from consult.models import AuditEvent


def record(action: str, officer_email: str | None, detail: str = "") -> AuditEvent:
    event = AuditEvent(at=dt.datetime.now(dt.UTC), officer_email=officer_email, action=action, detail=detail)
    db.session.add(event)
    db.session.flush()
    return event


def recent(limit: int = 200) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
        )
    )
