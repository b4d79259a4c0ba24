"""Theme runs: requests to find themes, their status and progress, kept in the database.

A run is recorded before its job is queued, so that the page can show it whatever runs
it (a thread of the server, or an RQ worker in another process) and after a reload. A run
is one kind of queued job: its status and progress are kept and changed by `consult.data.jobs`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from consult.data import jobs
from consult.data.jobs import FAILED, FINISHED, QUEUED, RUNNING, UNFINISHED
from consult.extensions import db
from consult.models import Consultation, ThemeRun

__all__ = [
    "FAILED",
    "FINISHED",
    "QUEUED",
    "RUNNING",
    "UNFINISHED",
    "abandon_unfinished",
    "get_run",
    "recent_runs",
    "record_run",
]


def record_run(
    consultation: Consultation,
    scope: str,
    question_ids: list[str],
    *,
    engine: str,
    settings: dict[str, Any],
    report_format: str,
    requested_by: str | None,
) -> ThemeRun:
    """A new queued run of `question_ids` ("all" or one question's id as its `scope`)."""
    run = ThemeRun(
        consultation_id=consultation.id,
        scope=scope,
        question_ids=list(question_ids),
        engine=engine,
        settings=settings,
        report_format=report_format,
        **jobs.queued_values(requested_by),
    )
    db.session.add(run)
    db.session.flush()
    return run


def get_run(consultation: Consultation, run_id: int) -> ThemeRun | None:
    return db.session.scalar(
        select(ThemeRun).where(ThemeRun.id == run_id, ThemeRun.consultation_id == consultation.id)
    )


def recent_runs(consultation: Consultation, limit: int = 5) -> list[ThemeRun]:
    """The latest runs, newest first (without loading their reports)."""
    from sqlalchemy.orm import defer

    return list(
        db.session.scalars(
            select(ThemeRun)
            .options(defer(ThemeRun.report))
            .where(ThemeRun.consultation_id == consultation.id)
            .order_by(ThemeRun.id.desc())
            .limit(limit)
        )
    )


def abandon_unfinished(consultation_id: int | None = None, reason: str = "") -> int:
    """Mark queued and running runs failed (their runner is gone); returns how many."""
    return jobs.abandon_unfinished(ThemeRun, reason, consultation_id)
