"""Readiness: whether each service the app depends on answers, for a load balancer and an operator.

`/healthz` stays the liveness check (the process answers at all); `/readyz` asks the
database, the rate-limit store (when one is configured) and the job queue, and answers
503 naming what is down. A rate-limit store that is down does not stop respondents (the
limits fall back to each process's memory), but the operator must know: it is reported.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask.wrappers import Response
from sqlalchemy import text

from consult.extensions import db, limiter

bp = Blueprint("readiness", __name__)
# How long one check may wait for a service before calling it down.
CHECK_TIMEOUT_SECONDS = 1.0


def _database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
    except Exception as exc:  # any driver error means the same: no database
        db.session.rollback()
        return f"down: {exc.__class__.__name__}"
    return "ok"


def _rate_limit_store() -> str | None:
    if not current_app.config.get("RATE_LIMIT_STORAGE_URL"):
        return None  # kept in this process's memory: nothing to reach
    return "ok" if limiter.storage.check() else "down: not answering (limits kept in each process's memory)"


def _job_queue() -> str:
    url = current_app.config.get("JOBS_REDIS_URL")
    if not url:
        return "ok"  # jobs run in a thread of this process
    from redis import Redis, RedisError

    try:
        connection = Redis.from_url(
            str(url), socket_connect_timeout=CHECK_TIMEOUT_SECONDS, socket_timeout=CHECK_TIMEOUT_SECONDS
        )
        try:
            connection.ping()
        finally:
            connection.close()
    except (RedisError, OSError) as exc:
        return f"down: {exc.__class__.__name__}"
    return "ok"


def dependencies() -> dict[str, str]:
    """Each dependency's state, "ok" or "down: why" (the rate-limit store only when configured)."""
    states = {"database": _database(), "job_queue": _job_queue()}
    if (store := _rate_limit_store()) is not None:
        states["rate_limit_store"] = store
    return states


@bp.get("/readyz")
def ready() -> tuple[Response, int]:
    states = dependencies()
    ready_now = all(state == "ok" for state in states.values())
    body = jsonify(status="ready" if ready_now else "not ready", dependencies=states)
    return body, 200 if ready_now else 503
