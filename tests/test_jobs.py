"""One job model: claimed once, progress within its total, failures in plain words; and
what a job reads never takes SQLite's write lock."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from consult import database
from consult.data import consultations, jobs, prepared_downloads
from consult.extensions import db
from consult.jobs.runner import JobError, JobProgress, run_job
from consult.models import PreparedDownload


def _queued(app: Flask) -> int:
    with app.app_context():
        consultation = consultations.get_by_slug("taking-stock")
        assert consultation is not None
        download_id = prepared_downloads.record_download(consultation, "counts", "csv", "a@lga.example").id
        db.session.commit()
        return download_id


def _stored(app: Flask, download_id: int) -> PreparedDownload:
    with app.app_context():
        download = db.session.get(PreparedDownload, download_id)
        assert download is not None
        db.session.expunge(download)
        return download


def test_a_job_is_claimed_by_one_runner_only(app: Flask) -> None:
    download_id = _queued(app)
    with app.app_context():
        assert jobs.claim(PreparedDownload, download_id, "Starting", steps_total=3)
        db.session.commit()
        assert not jobs.claim(PreparedDownload, download_id, "Starting again")
        db.session.commit()
    stored = _stored(app, download_id)
    assert stored.status == "running" and stored.message == "Starting" and stored.steps_total == 3
    assert stored.started_at is not None


def test_progress_stays_within_its_total_and_an_expected_failure_says_why(app: Flask) -> None:
    download_id = _queued(app)
    seen: list[tuple[int, int]] = []

    def work(progress: JobProgress) -> None:
        progress("Reading", steps=1, steps_total=2)
        seen.append((_stored(app, download_id).steps_done, _stored(app, download_id).steps_total))
        progress("Too far", steps=5)
        seen.append((_stored(app, download_id).steps_done, _stored(app, download_id).steps_total))
        raise JobError("the input was not usable\nwith detail nobody needs")

    with app.app_context():
        assert run_job(
            PreparedDownload, download_id, work, starting="Starting", failure="It could not be made"
        )
        assert not run_job(PreparedDownload, download_id, work, starting="Again", failure="Not twice")
    assert seen == [(1, 2), (2, 2)]
    stored = _stored(app, download_id)
    assert stored.status == "failed" and stored.message == "It could not be made: the input was not usable"


def test_an_unexpected_error_fails_the_job_in_plain_words_and_is_raised(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    download_id = _queued(app)

    def work(progress: JobProgress) -> None:
        raise RuntimeError("secret internals")

    with app.app_context(), caplog.at_level(logging.ERROR), pytest.raises(RuntimeError):
        run_job(PreparedDownload, download_id, work, starting="Starting", failure="It could not be made")
    assert _stored(app, download_id).message == "It could not be made: an unexpected error"
    assert "PreparedDownload" in caplog.text


def test_a_finished_job_keeps_its_result_and_full_progress(app: Flask) -> None:
    download_id = _queued(app)

    def work(progress: JobProgress) -> None:
        progress("Making", steps=1)
        jobs.finish(PreparedDownload, download_id, "Ready to download", content=b"made")

    with app.app_context():
        run_job(PreparedDownload, download_id, work, starting="Starting", failure="Failed", steps_total=3)
    stored = _stored(app, download_id)
    assert (stored.status, stored.content, stored.steps_done, stored.steps_total) == (
        "finished",
        b"made",
        3,
        3,
    )


def test_the_page_of_a_running_download_shows_its_progress(app: Flask, analyst_client: FlaskClient) -> None:
    download_id = _queued(app)
    with app.app_context():
        jobs.claim(PreparedDownload, download_id, "Reading the responses", steps_total=3)
        jobs.advance(PreparedDownload, download_id, "Making the counts")
        db.session.commit()
    page = analyst_client.get(f"/officer/downloads/{download_id}").get_data(as_text=True)
    assert "Making the counts" in page and "Progress: 1 of 3 steps" in page
    assert '<progress id="run-progress" max="3" value="1">' in page


def test_reading_takes_no_write_lock_and_refuses_writes_on_sqlite(app: Flask, backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("SQLite's locks")
    other = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"], connect_args={"timeout": 0})
    try:
        with app.app_context(), database.reading():
            assert consultations.get_by_slug("taking-stock") is not None  # a transaction is open
            with other.connect() as connection:
                # Another writer gets the lock at once (no busy wait allowed) while this one reads.
                connection.exec_driver_sql("BEGIN IMMEDIATE")
                connection.exec_driver_sql("ROLLBACK")
            with pytest.raises(database.WriteInReadingTransaction):
                db.session.execute(sa.text("UPDATE consultation SET title = title"))
    finally:
        other.dispose()
