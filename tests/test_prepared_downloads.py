"""Result downloads are prepared by a background job: asked for, shown in progress, then fetched."""

from __future__ import annotations

import csv
import datetime as dt
import io
import secrets
import threading

import pytest
from flask import Flask
from flask.testing import FlaskClient

from analysis.errors import AnalysisError
from consult.data import audit, prepared_downloads
from consult.data.clock import today
from consult.extensions import db
from consult.jobs import download_job
from consult.models import Consultation, PreparedDownload
from tests.conftest import csrf_token
from tests.prepared import request_download, wait_for_jobs


def _audited(app: Flask) -> list[str]:
    with app.app_context():
        return [e.detail for e in audit.recent() if e.action == "exported"]


def test_a_download_waits_shows_its_progress_then_offers_the_file(
    app: Flask, analyst_client: FlaskClient
) -> None:
    # Hold the runner (one job at a time) so the download is seen waiting, as behind a long job.
    gate = threading.Event()
    app.extensions["consult_jobs"].enqueue(gate.wait, 60)
    try:
        download_id = request_download(analyst_client, "counts", "csv")
        page = analyst_client.get(f"/officer/downloads/{download_id}").get_data(as_text=True)
        assert "Counts (CSV)" in page and "Waiting to start" in page and "analyst@lga.example" in page
        # Without JavaScript a Refresh link reloads the page; the script only polls it.
        assert f'href="/officer/downloads/{download_id}" id="refresh-run"' in page
        assert "run_progress.js" in page and 'data-unfinished="yes"' in page
        assert f"/officer/downloads/{download_id}/file" not in page
        assert analyst_client.get(f"/officer/downloads/{download_id}/file").status_code == 404
    finally:
        gate.set()
    wait_for_jobs(app)
    page = analyst_client.get(f"/officer/downloads/{download_id}").get_data(as_text=True)
    assert "Ready" in page and 'data-unfinished="no"' in page
    assert "refresh-run" not in page and "run_progress.js" not in page
    assert f'href="/officer/downloads/{download_id}/file"' in page
    assert _audited(app) == []  # asking is not exporting: fetching the file is
    file = analyst_client.get(f"/officer/downloads/{download_id}/file")
    assert file.status_code == 200 and file.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert file.headers["Content-Disposition"] == 'attachment; filename="taking-stock-counts.csv"'
    header = next(csv.reader(io.StringIO(file.data.decode("utf-8-sig"))))
    assert "question_id" in header and "segment_by" in header
    assert file.data.startswith("\ufeff".encode())  # byte order mark, so Excel reads UTF-8
    assert _audited(app) == ["taking-stock: counts (CSV)"]
    # The file stays there to fetch again (each fetch audited).
    assert analyst_client.get(f"/officer/downloads/{download_id}/file").data == file.data
    assert len(_audited(app)) == 2


def test_a_failed_download_says_why_and_offers_no_file(
    app: Flask, officer_client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreadable(consultation: Consultation, fmt: str, releases: object) -> bytes:
        raise AnalysisError("the responses could not be read\nTraceback detail")

    monkeypatch.setitem(download_job.BUILDERS, "counts", (unreadable, "The counts could not be made"))
    download_id = request_download(officer_client, "counts", "xlsx")
    wait_for_jobs(app)
    page = officer_client.get(f"/officer/downloads/{download_id}").get_data(as_text=True)
    assert "Not prepared" in page
    assert "The counts could not be made: the responses could not be read" in page
    assert "Traceback" not in page and 'data-unfinished="no"' in page
    assert f"/officer/downloads/{download_id}/file" not in page
    assert officer_client.get(f"/officer/downloads/{download_id}/file").status_code == 404


def test_an_unexpected_error_is_failed_in_plain_words(
    app: Flask, officer_client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(consultation: Consultation, fmt: str, releases: object) -> bytes:
        raise RuntimeError("secret internals")

    monkeypatch.setitem(download_job.BUILDERS, "board-report", (broken, "The Board report could not be made"))
    download_id = request_download(officer_client, "board-report", "docx", page="/officer/board-report")
    wait_for_jobs(app)
    page = officer_client.get(f"/officer/downloads/{download_id}").get_data(as_text=True)
    assert "The Board report could not be made: an unexpected error" in page
    assert "secret internals" not in page


def test_a_job_never_runs_twice(app: Flask, officer_client: FlaskClient) -> None:
    download_id = request_download(officer_client, "counts", "html")
    wait_for_jobs(app)
    with app.app_context():
        before = db.session.get(PreparedDownload, download_id)
        assert before is not None and before.status == prepared_downloads.FINISHED
        finished_at = before.finished_at
        download_job.run_download_job(download_id)
        after = db.session.get(PreparedDownload, download_id)
        assert after is not None and after.finished_at == finished_at


def test_another_consultations_or_a_missing_download_is_not_found(
    app: Flask, officer_client: FlaskClient
) -> None:
    with app.app_context():
        other = Consultation(
            slug="taking-stock-second",
            title="Taking Stock (second)",
            questionnaire="taking-stock",
            opens_on=today() - dt.timedelta(days=1),
            closes_on=today() + dt.timedelta(days=30),
            response_key=secrets.token_bytes(32),
            created_on=today(),
        )
        db.session.add(other)
        db.session.flush()
        theirs = prepared_downloads.record_download(other, "counts", "csv", "someone@else.example")
        prepared_downloads.finish(theirs, b"their counts")
        db.session.commit()
        their_id = theirs.id
    for path in (
        f"/officer/downloads/{their_id}",
        f"/officer/downloads/{their_id}/file",
        f"/officer/downloads/{their_id + 1000}",
        f"/officer/downloads/{their_id + 1000}/file",
    ):
        response = officer_client.get(path)
        assert response.status_code == 404, path
        assert b"their counts" not in response.data


def test_asking_needs_the_csrf_token_and_a_known_kind(app: Flask, officer_client: FlaskClient) -> None:
    token = csrf_token(officer_client.get("/officer/").data)
    assert officer_client.post("/officer/downloads/prepare/counts/csv").status_code == 400
    assert (
        officer_client.post("/officer/downloads/prepare/counts/csv", data={"csrf_token": "x"}).status_code
        == 400
    )
    for kind, fmt in (("counts", "docx"), ("board-report", "xlsx"), ("responses", "csv")):
        assert (
            officer_client.post(
                f"/officer/downloads/prepare/{kind}/{fmt}", data={"csrf_token": token}
            ).status_code
            == 404
        )
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(PreparedDownload.id))) == 0


def test_the_old_download_addresses_no_longer_make_files_in_the_request(officer_client: FlaskClient) -> None:
    for path in ("/officer/downloads/counts.csv", "/officer/downloads/board-report.docx"):
        assert officer_client.get(path).status_code == 404, path


def test_a_download_the_queue_cannot_take_fails_at_once(
    app: Flask, officer_client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unavailable(*args: object) -> None:
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(app.extensions["consult_jobs"], "enqueue", unavailable)
    download_id = request_download(officer_client, "counts", "csv")
    page = officer_client.get(f"/officer/downloads/{download_id}").get_data(as_text=True)
    assert "the job queue is not available" in page and "Redis is down" not in page


def test_unfinished_downloads_are_marked_stopped_when_their_runner_is_gone(app: Flask) -> None:
    with app.app_context():
        consultation = db.session.scalar(db.select(Consultation))
        assert consultation is not None
        waiting = prepared_downloads.record_download(consultation, "counts", "csv", None)
        done = prepared_downloads.record_download(consultation, "counts", "html", None)
        prepared_downloads.finish(done, b"<html></html>")
        db.session.commit()
        assert prepared_downloads.abandon_unfinished(reason="Stopped: the server was stopped") == 1
        db.session.commit()
        assert waiting.status == prepared_downloads.FAILED
        assert waiting.message == "Stopped: the server was stopped"
        assert done.status == prepared_downloads.FINISHED
