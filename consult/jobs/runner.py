"""The one way a background job runs: claim it, let it work, record how it ended.

`run_job` is what every kind of job (a theme run, a prepared download) goes through,
under either runner (a thread of the server, or an RQ worker). It claims the job's row
atomically (`consult.data.jobs.claim`), so a job delivered twice runs once; hands the work
a `JobProgress` for its progress messages; and marks the job failed if the work raises,
with the reason in plain words when the error is one the work expects.

Transactions: every change of status or progress is its own short transaction. The work
reads what it needs inside `consult.database.reading()` (on SQLite a snapshot that never
takes the write lock) and writes its result in one short transaction at the end; no
transaction is open while it computes, so respondents' saves and officers' pages carry on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app, has_app_context

from consult.data import jobs as jobs_data
from consult.extensions import db, jobs
from consult.models import QueuedJob

log = logging.getLogger(__name__)


class JobError(Exception):
    """A problem a job expects and can put in plain words (bad input, too few answers)."""


@dataclass(frozen=True)
class JobProgress:
    """Reports the progress of one running job, each report in a short transaction of its own."""

    kind: type[QueuedJob]
    job_id: int

    def __call__(self, message: str, steps: int = 1, steps_total: int | None = None) -> None:
        """Say what the job does now, `steps` further on (of `steps_total`, if now known)."""
        db.session.close()  # whatever the work left open is ended before the write lock is taken
        jobs_data.advance(self.kind, self.job_id, message, steps, steps_total)
        db.session.commit()


def run_job(
    kind: type[QueuedJob],
    job_id: int,
    work: Callable[[JobProgress], None],
    *,
    starting: str,
    failure: str,
    expected: tuple[type[Exception], ...] = (),
    steps_total: int = 1,
) -> bool:
    """Run job `job_id` of `kind` by calling `work(progress)`; True if it was run here.

    `starting` is the first progress message, `steps_total` how many steps the work reports
    (it may change it once it knows). `work` ends by writing its result and
    `consult.data.jobs.finish` in one transaction, which this commits. If it raises, the job
    is marked failed: "`failure`: reason", the reason being the error's first line when it
    is a `JobError` or one of `expected`, else "an unexpected error" (logged and re-raised,
    so the runner records it too).
    """
    if not has_app_context():
        raise RuntimeError("a job runs inside the app: start workers with `consult worker`")
    db.session.close()
    claimed = jobs_data.claim(kind, job_id, starting, steps_total)
    db.session.commit()
    if not claimed:
        # Done already, abandoned or taken by another runner: never run twice; but say so,
        # for whoever runs the worker.
        log.warning("%s %s not run: it is no longer queued", kind.__name__, job_id)
        return False
    try:
        work(JobProgress(kind, job_id))
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        known = isinstance(exc, (JobError, *expected))
        reason = str(exc).splitlines()[0] if known and str(exc) else "an unexpected error"
        jobs_data.fail(kind, job_id, f"{failure}: {reason}")
        db.session.commit()
        if not known:
            log.exception("%s %s failed", kind.__name__, job_id)
            raise
    finally:
        db.session.close()
    return True


def queue_job(job: Callable[[int], None], kind: type[QueuedJob], job_id: int, unavailable: str) -> None:
    """Queue `job(job_id)` for a job row the request has just committed (the job must find it,
    whichever process runs it). If the queue cannot be reached nothing will run it, so the row
    is marked failed with `unavailable`, the sentence its page then shows, and committed."""
    try:
        jobs.enqueue(job, job_id)
    except Exception as exc:  # the queue (Redis) could not be reached: nothing runs
        current_app.logger.error("could not queue %s %s: %s", kind.__tablename__, job_id, exc)
        jobs_data.fail(kind, job_id, unavailable)
        db.session.commit()
