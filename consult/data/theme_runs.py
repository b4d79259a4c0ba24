"""Theme runs: requests to find themes, their status and progress, kept in the database.

A run is recorded before its job is queued, so that the page can show it whatever runs
it (a thread of the server, or an RQ worker in another process) and after a reload.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, update

from consult.extensions import db
from consult.models import Consultation, ThemeRun

QUEUED = "queued"
RUNNING = "running"
FINISHED = "finished"
FAILED = "failed"
UNFINISHED = (QUEUED, RUNNING)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


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
        status=QUEUED,
        steps_done=0,
        steps_total=1,
        message="Waiting to start",
        requested_by=requested_by,
        requested_at=_now(),
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


def start(run: ThemeRun, steps_total: int) -> None:
    run.status, run.started_at, run.steps_total, run.steps_done = RUNNING, _now(), steps_total, 0
    run.message = "Reading the answers"
    db.session.flush()


def advance(run: ThemeRun, message: str, steps: int = 1) -> None:
    """Move the run on by `steps` (never past its total) and say what it is doing."""
    run.steps_done = min(run.steps_total, run.steps_done + steps)
    run.message = message[:500]
    db.session.flush()


def finish(run: ThemeRun, report: bytes, message: str) -> None:
    run.status, run.finished_at, run.report = FINISHED, _now(), report
    run.steps_done, run.message = run.steps_total, message
    db.session.flush()


def fail(run: ThemeRun, message: str) -> None:
    run.status, run.finished_at, run.message = FAILED, _now(), message[:500]
    db.session.flush()


def abandon_unfinished(consultation_id: int | None = None, reason: str = "") -> int:
    """Mark queued and running runs failed (their runner is gone); returns how many."""
    query = update(ThemeRun).where(ThemeRun.status.in_(UNFINISHED))
    if consultation_id is not None:
        query = query.where(ThemeRun.consultation_id == consultation_id)
    result = db.session.execute(
        query.values(status=FAILED, finished_at=_now(), message=reason or "Stopped before it finished")
    )
    db.session.flush()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
