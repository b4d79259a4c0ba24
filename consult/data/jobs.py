"""Queued jobs: the status and progress every kind of background job keeps in its row.

A theme run (`ThemeRun`), a prepared download (`PreparedDownload`) and a question's prepared
themes by group (`ThemeGroupTables`) are kinds of one job: all have the columns of
`consult.models.QueuedJob`. A request records a job queued and commits; a runner claims it
(`claim`: one atomic UPDATE, so a job delivered twice runs once, on SQLite and PostgreSQL
alike); the job reports progress (`advance`) and ends finished (`finish`) or failed (`fail`).
Each of these is a single UPDATE by id, so a job never has to keep its row loaded, or a
transaction open, while it works.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import case, update

from consult.extensions import db
from consult.models import PreparedDownload, QueuedJob, ThemeGroupTables, ThemeRun

QUEUED = "queued"
RUNNING = "running"
FINISHED = "finished"
FAILED = "failed"
UNFINISHED = (QUEUED, RUNNING)
# The kinds of job there are, each a table with the `QueuedJob` columns.
KINDS: tuple[type[QueuedJob], ...] = (ThemeRun, PreparedDownload, ThemeGroupTables)
# Messages are shown on the job's page; anything longer is cut.
MESSAGE_LENGTH = 500


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _by_id(kind: type[QueuedJob], job_id: int) -> Any:
    return update(kind).where(kind.id == job_id)  # type: ignore[attr-defined]


def queued_values(requested_by: str | None) -> dict[str, Any]:
    """The job columns of a newly recorded job, waiting to start."""
    return {
        "status": QUEUED,
        "steps_done": 0,
        "steps_total": 1,
        "message": "Waiting to start",
        "requested_by": requested_by,
        "requested_at": _now(),
    }


def claim(kind: type[QueuedJob], job_id: int, message: str, steps_total: int = 1) -> bool:
    """Mark job `job_id` running if it is still queued; False if it is not (done already,
    abandoned, or claimed by another runner at the same moment).

    One UPDATE with the status in its WHERE clause: the database lets exactly one of two
    runners change the row (PostgreSQL re-checks the condition after the other's commit),
    so the row count says who has it.
    """
    result = db.session.execute(
        _by_id(kind, job_id)
        .where(kind.status == QUEUED)
        .values(
            status=RUNNING,
            started_at=_now(),
            steps_done=0,
            steps_total=max(1, steps_total),
            message=message[:MESSAGE_LENGTH],
        )
    )
    return int(result.rowcount or 0) == 1  # type: ignore[attr-defined]


def advance(
    kind: type[QueuedJob], job_id: int, message: str, steps: int = 1, steps_total: int | None = None
) -> None:
    """Move running job `job_id` on by `steps` (never past its total) and say what it does.

    `steps_total`, when given, replaces the total first (a job that learns how much work
    there is once it has read its input)."""
    total = kind.steps_total if steps_total is None else max(1, steps_total)
    done = kind.steps_done + steps
    db.session.execute(
        _by_id(kind, job_id)
        .where(kind.status == RUNNING)
        .values(
            steps_total=total,
            steps_done=case((done > total, total), else_=done),
            message=message[:MESSAGE_LENGTH],
        )
    )


def finish(kind: type[QueuedJob], job_id: int, message: str, **result: Any) -> None:
    """Mark job `job_id` finished with its `result` columns (the file it made, ...)."""
    db.session.execute(
        _by_id(kind, job_id).values(
            status=FINISHED,
            finished_at=_now(),
            steps_done=kind.steps_total,
            message=message[:MESSAGE_LENGTH],
            **result,
        )
    )


def fail(kind: type[QueuedJob], job_id: int, message: str) -> None:
    """Mark job `job_id` failed, saying why in plain words."""
    db.session.execute(
        _by_id(kind, job_id).values(status=FAILED, finished_at=_now(), message=message[:MESSAGE_LENGTH])
    )


def abandon_unfinished(kind: type[QueuedJob], reason: str = "", consultation_id: int | None = None) -> int:
    """Mark queued and running jobs of `kind` failed (their runner is gone); returns how many."""
    query = update(kind).where(kind.status.in_(UNFINISHED))
    if consultation_id is not None:
        query = query.where(kind.consultation_id == consultation_id)  # type: ignore[attr-defined]
    result = db.session.execute(
        query.values(status=FAILED, finished_at=_now(), message=reason or "Stopped before it finished")
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
