"""Where background jobs run: an RQ queue on Redis when one is configured, else a thread here.

RQ (`JOBS_REDIS_URL`) is for deployments: jobs survive a web server restart, run in a
worker process of their own (`consult worker`) and never take a web worker's memory or
CPU. Without it, `consult serve` on a laptop runs them itself, one at a time, in a thread
of the server: nothing else to install or start. Either way a job's status and progress
are in the database (the job's row, `consult.data.jobs`), so the page reads them the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

from flask import Flask, current_app

log = logging.getLogger(__name__)
EXTENSION = "consult_jobs"
# A theme run of every question of a large consultation takes minutes, not hours.
JOB_TIMEOUT_SECONDS = 60 * 60


class EmbeddedRunner:
    """Runs jobs one at a time in a thread of this process, each in its own app context."""

    kind = "embedded"

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="consult-job")
        self.pending: list[Future[None]] = []

    def enqueue(self, job: Callable[..., None], *args: Any) -> None:
        self.pending = [f for f in self.pending if not f.done()]
        self.pending.append(self.executor.submit(self._run, job, *args))

    def _run(self, job: Callable[..., None], *args: Any) -> None:
        with self.app.app_context():
            try:
                job(*args)
            except Exception:
                log.exception("background job %s%r failed", getattr(job, "__name__", job), args)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the jobs queued so far; True if all finished within `timeout` seconds."""
        _, not_done = wait(list(self.pending), timeout=timeout)
        return not not_done


class RQRunner:
    """Queues jobs on Redis for RQ workers (`consult worker`)."""

    kind = "rq"

    def __init__(self, redis_url: str, queue_name: str) -> None:
        from redis import Redis

        self.connection = Redis.from_url(redis_url)
        self.queue_name = queue_name

    def queue(self) -> Any:
        from rq import Queue

        return Queue(self.queue_name, connection=self.connection)

    def enqueue(self, job: Callable[..., None], *args: Any) -> None:
        self.queue().enqueue(job, *args, job_timeout=JOB_TIMEOUT_SECONDS, failure_ttl=7 * 24 * 3600)


class JobQueue:
    """The app's job runner, chosen from the configuration when the app is made."""

    def init_app(self, app: Flask) -> None:
        url = app.config.get("JOBS_REDIS_URL")
        runner = RQRunner(str(url), str(app.config["JOBS_QUEUE"])) if url else EmbeddedRunner(app)
        app.extensions[EXTENSION] = runner

    @property
    def runner(self) -> EmbeddedRunner | RQRunner:
        return current_app.extensions[EXTENSION]  # type: ignore[no-any-return]

    def enqueue(self, job: Callable[..., None], *args: Any) -> None:
        """Run `job(*args)` in the background: `job` must be importable by name (RQ stores its path)."""
        self.runner.enqueue(job, *args)
