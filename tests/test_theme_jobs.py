"""Theme runs as background jobs: the request only queues; the page shows progress; the
themes are stored as the question's draft theme set. Embedded runner and RQ on Redis."""

from __future__ import annotations

import re
import subprocess
import uuid
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from analysis.themes.engines import default_engine
from consult.extensions import db
from consult.models import AuditEvent, Origin, Theme, ThemeAnswer, ThemeAnswerTheme, ThemeRun, ThemeSet
from tests.conftest import csrf_token, require_redis
from tests.test_dashboard import LEADER, add_response
from tests.themes.conftest import TOPICS

REDIS_TEST_URL = "redis://127.0.0.1:6379/2"


def topic_answer(i: int) -> str:
    topic = sorted(TOPICS)[i % len(TOPICS)]
    return TOPICS[topic][(i // len(TOPICS)) % 5] + f" (point {i})"


def add_answers(app: Flask, count: int, start: int = 0, question: str = "q3") -> None:
    for i in range(start, start + count):
        add_response(app, origin=Origin.SELF_SERVICE, profile=LEADER, answers={question: topic_answer(i)})


@pytest.fixture
def seeded(app: Flask) -> Flask:
    add_answers(app, 40)
    return app


def start_run(client: FlaskClient, question: str = "q3", fmt: str = "json") -> int:
    page = client.get("/officer/themes")
    assert page.status_code == 200
    response = client.post(
        f"/officer/themes/{question}",
        data={f"{question}-csrf_token": csrf_token(page.data), f"{question}-format": fmt},
    )
    assert response.status_code == 303, response.data[:300]
    match = re.fullmatch(r"/officer/themes/runs/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def wait_embedded(app: Flask) -> None:
    assert app.extensions["consult_jobs"].wait(timeout=180), "the theme run did not finish"


def run_status(app: Flask, run_id: int) -> ThemeRun:
    with app.app_context():
        run = db.session.get(ThemeRun, run_id)
        assert run is not None
        db.session.expunge(run)
        return run


def test_a_run_is_queued_and_its_page_shows_progress_then_the_stored_set(
    seeded: Flask, analyst_client: FlaskClient
) -> None:
    run_id = start_run(analyst_client)
    page = analyst_client.get(f"/officer/themes/runs/{run_id}").data.decode()
    # Unfinished runs offer a plain refresh link (no JavaScript needed); finished ones do not.
    assert "Theme run" in page
    wait_embedded(seeded)
    run = run_status(seeded, run_id)
    assert run.status == "finished" and run.steps_done == run.steps_total and run.started_at
    page = analyst_client.get(f"/officer/themes/runs/{run_id}").data.decode()
    assert "Finished" in page and "Refresh" not in page
    assert 'href="/officer/themes/q3"' in page
    download = analyst_client.get(f"/officer/themes/runs/{run_id}/report")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == 'attachment; filename="taking-stock-q3-themes.json"'
    assert download.json["themes"]
    with seeded.app_context():
        theme_set = db.session.query(ThemeSet).one()
        engine = default_engine()  # the semantic engine where its extra is installed
        assert (theme_set.question_id, theme_set.engine, theme_set.status, theme_set.version) == (
            "q3",
            engine,
            "draft",
            1,
        )
        assert theme_set.answers_included == 40 and theme_set.settings["engine"] == engine
        assert theme_set.run_at is not None and theme_set.created_at is not None
        themes = db.session.query(Theme).filter_by(theme_set_id=theme_set.id).all()
        assert len(themes) >= 2 and all(t.origin == "machine" and t.key_terms for t in themes)
        answers = db.session.query(ThemeAnswer).all()
        assert len(answers) == 40 and {a.state for a in answers} == {"machine"}
        linked = db.session.query(ThemeAnswerTheme).count()
        assert linked == sum(1 for a in answers if a.machine_theme_id is not None) > 0
        events = [e.action for e in db.session.query(AuditEvent)]
        assert "found themes" in events
    overview = analyst_client.get("/officer/themes/q3")
    assert overview.status_code == 200 and "Machine draft, not yet reviewed" in overview.data.decode()


def test_a_run_with_too_few_answers_fails_with_a_clear_message(
    app: Flask, officer_client: FlaskClient
) -> None:
    add_answers(app, 12)
    run_id = start_run(officer_client, "all")
    wait_embedded(app)
    run = run_status(app, run_id)
    assert run.status == "finished"  # q3 has 12; the other questions are left out, not failed
    add_answers(app, 3, question="q21")
    with app.app_context():
        from consult.data import consultations, theme_runs

        consultation = consultations.get_by_slug("taking-stock")
        run = theme_runs.record_run(
            consultation,
            "q21",
            ["q21"],
            engine="core",
            settings={"engine": "core"},
            report_format="json",
            requested_by=None,
        )
        db.session.commit()
        from consult.jobs.theme_job import run_theme_job

        run_theme_job(run.id)
        failed = db.session.get(ThemeRun, run.id)
        assert failed.status == "failed"
        assert (
            failed.message
            == "The themes could not be found: too few submitted answers: at least 10 are needed"
        )
    page = officer_client.get(f"/officer/themes/runs/{run.id}").data.decode()
    assert "Not finished" in page and "too few submitted answers" in page


def test_the_request_never_runs_the_job(seeded: Flask, analyst_client: FlaskClient) -> None:
    """With the runner busy, the POST returns at once and the run waits, queued."""
    import threading

    runner = seeded.extensions["consult_jobs"]
    release = threading.Event()
    runner.enqueue(release.wait, 60)  # occupies the single job thread
    try:
        run_id = start_run(analyst_client)
        assert run_status(seeded, run_id).status == "queued"
        page = analyst_client.get(f"/officer/themes/runs/{run_id}").data.decode()
        assert "Waiting to start" in page and 'id="refresh-run"' in page and "run_progress.js" in page
    finally:
        release.set()
    wait_embedded(seeded)
    assert run_status(seeded, run_id).status == "finished"


@pytest.fixture
def rq_app(seeded: Flask) -> Iterator[Flask]:
    """The app queueing on RQ (Redis database 2, a queue of its own for this test)."""
    connection = require_redis(REDIS_TEST_URL)
    from consult.extensions import jobs

    seeded.config.update(JOBS_REDIS_URL=REDIS_TEST_URL, JOBS_QUEUE=f"consult-test-{uuid.uuid4().hex[:8]}")
    jobs.init_app(seeded)
    yield seeded
    from rq import Queue

    queue = Queue(seeded.config["JOBS_QUEUE"], connection=connection)
    queue.empty()
    queue.delete(delete_jobs=True)


def test_rq_runner_queues_on_redis_and_a_worker_runs_it(rq_app: Flask, analyst_client: FlaskClient) -> None:
    from redis import Redis
    from rq import Queue, SimpleWorker

    from consult.jobs.worker import PromptWorker

    # rq's in-process worker, with `consult worker`'s prompt stop when the queue is empty.
    class PromptSimpleWorker(PromptWorker, SimpleWorker):
        pass

    run_id = start_run(analyst_client, fmt="html")
    connection = Redis.from_url(REDIS_TEST_URL)
    queue = Queue(rq_app.config["JOBS_QUEUE"], connection=connection)
    assert queue.count == 1 and run_status(rq_app, run_id).status == "queued"
    page = analyst_client.get(f"/officer/themes/runs/{run_id}").data.decode()
    assert "Waiting to start" in page and "consult worker" in page
    with rq_app.app_context():
        PromptSimpleWorker([queue], connection=connection).work(burst=True)
    run = run_status(rq_app, run_id)
    assert run.status == "finished" and run.report and run.report.startswith(b"<!DOCTYPE html")
    with rq_app.app_context():
        assert db.session.query(ThemeSet).one().answers_included == 40


def test_rq_unreachable_fails_the_run_with_a_message(seeded: Flask, analyst_client: FlaskClient) -> None:
    from consult.extensions import jobs

    seeded.config.update(JOBS_REDIS_URL="redis://127.0.0.1:1/2")
    jobs.init_app(seeded)
    run_id = start_run(analyst_client)
    run = run_status(seeded, run_id)
    assert run.status == "failed" and "job queue is not available" in run.message


def test_abandoned_runs_are_marked_stopped(seeded: Flask) -> None:
    with seeded.app_context():
        from consult.data import consultations, theme_runs

        consultation = consultations.get_by_slug("taking-stock")
        run = theme_runs.record_run(
            consultation, "q3", ["q3"], engine="core", settings={}, report_format="json", requested_by=None
        )
        db.session.commit()
        assert theme_runs.abandon_unfinished(reason="Stopped: the server was stopped while it ran") == 1
        db.session.commit()
        assert db.session.get(ThemeRun, run.id).status == "failed"


def stored_status(app: Flask, run_id: int) -> str:
    """The run's status as a new connection reads it: what another process wrote, whatever this
    process's pooled connections hold."""
    import sqlalchemy as sa

    engine = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with engine.connect() as connection:
            return connection.execute(
                sa.text("SELECT status FROM theme_run WHERE id = :id"), {"id": run_id}
            ).scalar_one()
    finally:
        engine.dispose()


def _worker_report(app: Flask, worker: subprocess.CompletedProcess[str]) -> str:
    """What the worker said and what RQ recorded of failed jobs, for a failure message."""
    from redis import Redis
    from rq import Queue

    queue = Queue(app.config["JOBS_QUEUE"], connection=Redis.from_url(REDIS_TEST_URL))
    failed = [queue.fetch_job(job_id) for job_id in queue.failed_job_registry.get_job_ids()]
    reasons = [(job.latest_result().exc_string if job and job.latest_result() else None) for job in failed]
    return f"queued: {queue.count}; failed: {reasons}; worker said: {worker.stderr[-3000:]}"


@pytest.mark.own_database
def test_worker_command_runs_queued_runs_in_its_own_process(
    rq_app: Flask, analyst_client: FlaskClient
) -> None:
    """`consult worker --burst`, started as in production (its own process, configured from
    the environment, on a database of this test's own), runs the queued run with RQ, then
    stops when the queue is empty."""
    import os
    import subprocess
    import sys

    run_id = start_run(analyst_client)
    env = {
        **os.environ,
        "CONSULT_DATABASE_URL": rq_app.config["SQLALCHEMY_DATABASE_URI"],
        "CONSULT_SECRET_KEY": "a-worker-secret-key-long-enough",
        "CONSULT_BASE_URL": "https://consult.example.gov.uk",
        "CONSULT_JOBS_REDIS_URL": REDIS_TEST_URL,
        "CONSULT_JOBS_QUEUE": rq_app.config["JOBS_QUEUE"],
    }
    worker = subprocess.run(
        [sys.executable, "-m", "consult.cli", "worker", "--burst"], env=env, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    assert worker.returncode == 0, worker.stderr[-2000:]
    assert stored_status(rq_app, run_id) == "finished", _worker_report(rq_app, worker)
    without = {k: v for k, v in env.items() if k != "CONSULT_JOBS_REDIS_URL"}
    refused = subprocess.run(
        [sys.executable, "-m", "consult.cli", "worker"],
        env=without,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode != 0
    assert "No job queue is configured: set CONSULT_JOBS_REDIS_URL" in refused.stderr
