"""Counts for the officers' dashboard: invited, started and submitted."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from consult.extensions import db
from consult.models import Consultation, Invitation, Origin, Response, Status


@dataclass(frozen=True)
class Summary:
    invited: int
    started: int
    submitted: int

    @property
    def response_rate(self) -> float | None:
        return self.submitted / self.invited if self.invited else None


def summary(consultation: Consultation) -> Summary:
    """Whole-consultation counts; invited counts the invitation list only."""
    invited = db.session.scalar(
        select(func.count(Invitation.id)).where(
            Invitation.consultation_id == consultation.id, Invitation.kind == Origin.INVITED
        )
    )
    started, submitted = db.session.execute(
        select(
            func.count(Response.id),
            func.count(Response.id).filter(Response.status == Status.SUBMITTED),
        ).where(Response.consultation_id == consultation.id)
    ).one()
    return Summary(invited=invited or 0, started=started or 0, submitted=submitted or 0)
