"""A shared service that is down (Redis for limits or jobs, the mail server) never stops respondents
or officers, loses nothing, and shows in the readiness check.

"Down" here is a Redis URL on a closed loopback port: every connection is refused at once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import func, select

from consult.extensions import db, limiter
from tests.conftest import (
    LEADER,
    TEST_SECRET,
    add_officer,
    csrf_token,
    issue_token,
    save_about,
    save_section,
    sign_in,
    submit,
    wait_for_jobs,
)
from tests.mailserver import MailServer, mail_server

__all__ = ["mail_server"]

CLOSED_PORT_REDIS = "redis://127.0.0.1:1/0"


def _app_with(app: Flask, **config: object) -> Flask:
    from consult import create_app

    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": TEST_SECRET,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            **config,
        }
    )


@pytest.fixture
def limits_down(app: Flask) -> Iterator[Flask]:
    """The app with its rate-limit store on a port where nothing listens."""
    down = _app_with(app, RATE_LIMIT_STORAGE_URL=CLOSED_PORT_REDIS)
    yield down
    with down.app_context():
        db.engine.dispose()
    # One Limiter object serves every app a test session makes, and it remembers that its
    # store was found dead; the next app's store is a new one, so forget that here.
    limiter._storage_dead = False


def test_with_the_limit_store_down_respondents_save_and_submit(
    limits_down: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    client = limits_down.test_client()
    with caplog.at_level(logging.WARNING):
        opened = client.get(f"/r/{issue_token(limits_down, **LEADER)}")
    assert opened.status_code in (302, 303)
    assert "RATE LIMIT STORE UNREACHABLE" in caplog.text  # loud, for whoever watches the logs
    assert next(r.levelno for r in caplog.records if "UNREACHABLE" in r.getMessage()) == logging.ERROR
    assert save_about(client, {"consent_to_be_named": "no"}).status_code == 303
    assert save_section(client, "assurance", {"q8": "Yes"}).status_code == 303
    assert submit(client).headers["Location"] == "/respond/submitted"
    # An unknown link still gets its page, not an error.
    assert client.get("/r/" + "x" * 43).status_code == 404


def test_with_the_limit_store_down_officers_sign_in_and_limits_still_count(limits_down: Flask) -> None:
    email = add_officer(limits_down)
    limits_down.config["SIGN_IN_ATTEMPTS_PER_CLIENT"] = 3
    attacker = limits_down.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    codes = [sign_in(attacker, email, "not the password!").status_code for _ in range(4)]
    assert codes == [400, 400, 400, 429]  # counted in this process's memory meanwhile
    officer = limits_down.test_client()
    assert sign_in(officer, email).status_code == 303
    assert officer.get("/officer/").status_code == 200


@pytest.fixture
def store_fails_later(app: Flask) -> Iterator[Flask]:
    yield app
    limiter._storage_dead = False  # as in `limits_down`


def test_a_store_that_stops_part_way_through_saves_stops_no_one(
    store_fails_later: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    import redis

    app = store_fails_later
    client = app.test_client()
    assert client.get(f"/r/{issue_token(app, **LEADER)}").status_code in (302, 303)
    assert save_about(client, {"consent_to_be_named": "no"}).status_code == 303
    storage = limiter.storage

    def refused(*_args: object, **_kwargs: object) -> object:
        raise redis.ConnectionError("Connection refused")

    # The store stops between a request's check and its count: that request still gets its page.
    monkeypatch.setattr(storage, "incr", refused)
    assert client.get("/r/" + "y" * 43).status_code == 404
    # Then it stops answering at all.
    for name in ("get", "get_expiry", "clear"):
        monkeypatch.setattr(storage, name, refused)
    monkeypatch.setattr(storage, "check", lambda: False)
    assert save_section(client, "assurance", {"q8": "Yes"}).status_code == 303
    assert client.get("/r/" + "z" * 43).status_code == 404
    assert submit(client).headers["Location"] == "/respond/submitted"
    officer = app.test_client()
    assert sign_in(officer, add_officer(app)).status_code == 303


def test_readiness_names_the_store_that_is_down(limits_down: Flask) -> None:
    client = limits_down.test_client()
    assert client.get("/healthz").status_code == 200  # alive
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json["status"] == "not ready"
    assert ready.json["dependencies"]["database"] == "ok"
    assert ready.json["dependencies"]["rate_limit_store"].startswith("down")


def test_readiness_is_ready_when_everything_answers(app: Flask) -> None:
    ready = app.test_client().get("/readyz")
    assert ready.status_code == 200
    assert ready.json == {"status": "ready", "dependencies": {"database": "ok", "job_queue": "ok"}}


def test_with_the_job_queue_down_an_asked_for_link_waits_and_is_sent_later(
    app: Flask, mail_server: MailServer, caplog: pytest.LogCaptureFixture
) -> None:
    from consult.cli import main
    from consult.models import RequestedEmail

    queue_down = _app_with(app, JOBS_REDIS_URL=CLOSED_PORT_REDIS)
    mail_server.configure(queue_down)
    email = add_officer(queue_down)
    client = queue_down.test_client()
    page = client.get("/sign-in/email-link")
    with caplog.at_level(logging.ERROR):
        asked = client.post("/sign-in/email-link", data={"csrf_token": csrf_token(page.data), "email": email})
    assert asked.status_code == 200 and b"Check your email" in asked.data
    assert "the job queue could not be reached" in caplog.text
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json["dependencies"]["job_queue"].startswith("down")
    with queue_down.app_context():
        assert db.session.scalar(select(func.count(RequestedEmail.id))) == 1
        db.engine.dispose()
    assert mail_server.messages == []
    result = app.test_cli_runner().invoke(main, ["mail", "requested"])
    assert result.exit_code == 0, result.output
    assert [m["To"] for m in mail_server.messages] == [email]


def test_with_the_mail_server_down_an_asked_for_link_waits(app: Flask, mail_server: MailServer) -> None:
    email = add_officer(app)
    mail_server.stop()
    client = app.test_client()
    page = client.get("/sign-in/email-link")
    asked = client.post("/sign-in/email-link", data={"csrf_token": csrf_token(page.data), "email": email})
    wait_for_jobs(app)
    assert asked.status_code == 200
    mail_server.start()
    client.post("/sign-in/email-link", data={"csrf_token": csrf_token(page.data), "email": "x@lga.example"})
    wait_for_jobs(app)  # the next job sends what waited
    assert [m["To"] for m in mail_server.messages] == [email]
