"""The public self-service page: a link by email, the address not kept, shared rate limits."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from consult.data import consultations
from consult.extensions import db
from consult.models import Invitation
from tests.conftest import csrf_token, invitee, require_redis, wait_for_jobs
from tests.mailserver import MailServer, links_in, mail_server, plain_text
from tests.test_invitations import csv_bytes, upload

__all__ = ["mail_server"]

REDIS_URL = "redis://127.0.0.1:6379/1"


def ask(client: FlaskClient, email: str) -> object:
    page = client.get("/get-a-link")
    assert page.status_code == 200
    response = client.post("/get-a-link", data={"csrf_token": csrf_token(page.data), "email": email})
    wait_for_jobs(client.application)  # the email is sent by a background job
    return response


def everything_stored(app: Flask) -> str:
    """Every value in every table, as one text, to search for what must not be kept."""
    with app.app_context():
        parts = []
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(sa.select(table)):
                parts.extend(_as_text(v) for v in row)
        return "\n".join(parts)


def _as_text(value: object) -> str:
    """Bytes that are not text (token digests, nonces) as hex: their raw bytes can hold any character."""
    if isinstance(value, bytes | memoryview):
        raw = bytes(value)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw.hex()
    return str(value)


def test_the_home_page_links_to_the_page_while_open(app: Flask, client: FlaskClient) -> None:
    assert b'href="/get-a-link"' in client.get("/").data
    with app.app_context():
        consultations.set_dates(
            consultations.get_by_slug("taking-stock"), dt.date(2015, 1, 1), dt.date(2015, 3, 31)
        )
        db.session.commit()
    assert b'href="/get-a-link"' not in client.get("/").data
    page = client.get("/get-a-link")
    assert b"This consultation closed" in page.data and b"<form" not in page.data


def test_a_link_is_emailed_and_the_address_is_not_kept(
    app: Flask, client: FlaskClient, mail_server: MailServer, caplog: pytest.LogCaptureFixture
) -> None:
    address = f"Someone.{uuid.uuid4().hex[:8]}@Partner.example.org"
    caplog.set_level(logging.DEBUG)
    response = ask(client, address)
    assert response.status_code == 200
    assert b"Check your email" in response.data
    (message,) = mail_server.messages
    assert message["To"] == address.lower()
    (token,) = links_in(message)
    assert "If you did not ask for this link" in plain_text(message)
    redeemed = app.test_client().get(f"/r/{token}")
    assert redeemed.status_code == 303 and redeemed.headers["Location"].endswith("/respond/")

    with app.app_context():
        (invitation,) = db.session.scalars(select(Invitation))
        assert invitation.kind == "self_service" and invitation.email is None and invitation.name is None
    stored = everything_stored(app).lower()
    assert address.lower() not in stored and address.split("@")[0].lower() not in stored
    assert "@" not in stored.replace("officer@", "")
    ours = [r for r in caplog.records if not r.name.startswith("mail.log")]  # not the test SMTP server's
    assert not any(address.lower() in r.getMessage().lower() for r in ours)


def test_the_page_says_the_same_whether_or_not_the_address_is_known(
    app: Flask, officer_client: FlaskClient, mail_server: MailServer
) -> None:
    upload(officer_client, csv_bytes([invitee(1)]))
    invited = invitee(1)[1]
    visitor = app.test_client()
    known = ask(visitor, invited)
    unknown = ask(visitor, f"new.{uuid.uuid4().hex[:8]}@example.org")
    assert known.status_code == unknown.status_code == 200
    assert known.data == unknown.data
    already, fresh = mail_server.messages
    assert links_in(already) == [] and "on the list of people the consultation team invite" in plain_text(
        already
    )
    assert len(links_in(fresh)) == 1
    with app.app_context():  # no second link for someone on the list
        kinds = sorted(db.session.scalars(select(Invitation.kind)))
        assert kinds == ["invited", "self_service"]


def test_a_malformed_address_is_refused_with_a_clear_message(
    app: Flask, client: FlaskClient, mail_server: MailServer
) -> None:
    response = ask(client, "not an address")
    assert response.status_code == 400
    assert b"Enter an email address in the correct format, like name@example.org" in response.data
    assert b'value="not an address"' in response.data
    assert ask(client, "").status_code == 400
    assert mail_server.messages == []


def test_an_expired_page_is_shown_again_with_the_address_kept(
    app: Flask, client: FlaskClient, mail_server: MailServer
) -> None:
    response = client.post("/get-a-link", data={"csrf_token": "stale", "email": "a@example.org"})
    assert response.status_code == 400
    assert b"The page had expired" in response.data and b'value="a@example.org"' in response.data


def test_per_address_limit_sends_nothing_more_but_says_the_same(
    app: Flask, client: FlaskClient, mail_server: MailServer
) -> None:
    app.config["SELF_SERVICE_PER_ADDRESS"] = 2
    address = f"limit.{uuid.uuid4().hex[:8]}@example.org"
    pages = [ask(app.test_client(), address) for _ in range(4)]
    assert [p.status_code for p in pages] == [200] * 4
    assert len({p.data for p in pages}) == 1
    assert len(mail_server.messages) == 2


def test_per_client_limit_refuses_further_requests(
    app: Flask, client: FlaskClient, mail_server: MailServer
) -> None:
    app.config["SELF_SERVICE_PER_CLIENT"] = 3
    client.environ_base["REMOTE_ADDR"] = f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.9"
    codes = [ask(client, f"c{i}.{uuid.uuid4().hex[:6]}@example.org").status_code for i in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    assert b"too many requests for links from this device" in ask(client, "x@example.org").data
    assert len(mail_server.messages) == 3


def test_when_mail_fails_the_email_waits_and_nothing_is_lost(
    app: Flask, client: FlaskClient, mail_server: MailServer
) -> None:
    from consult.cli import main

    mail_server.stop()
    address = f"down.{uuid.uuid4().hex[:6]}@example.org"
    response = ask(client, address)
    assert response.status_code == 200 and b"Check your email" in response.data
    with app.app_context():
        assert all(i.revoked_on is not None for i in db.session.scalars(select(Invitation)))
    assert address in everything_stored(app)  # kept, waiting, while the email is not sent
    mail_server.start()
    result = app.test_cli_runner().invoke(main, ["mail", "requested"])
    assert result.exit_code == 0, result.output
    assert [m["To"] for m in mail_server.messages] == [address]
    assert len(links_in(mail_server.messages[0])) == 1
    assert address not in everything_stored(app)  # and forgotten once sent


def test_every_spelling_of_one_inbox_counts_as_one(
    app: Flask, client: FlaskClient, mail_server: MailServer
) -> None:
    app.config["SELF_SERVICE_PER_ADDRESS"] = 2
    tag = uuid.uuid4().hex[:8]
    spellings = [f"victim.{tag}@example.org", f"Victim.{tag}+1@Example.org", f"VICTIM.{tag}+x@example.ORG"]
    pages = [ask(app.test_client(), address) for address in spellings * 2]
    assert [p.status_code for p in pages] == [200] * 6
    assert len(mail_server.messages) == 2


def test_no_new_row_while_an_email_for_the_inbox_waits(app: Flask, mail_server: MailServer) -> None:
    from consult.data import requested_emails
    from consult.models import RequestedEmail

    mail_server.stop()
    for address in ("wait@example.org", "Wait+2@example.org", "wait@example.org"):
        ask(app.test_client(), address)
    with app.app_context():
        assert db.session.scalar(select(sa.func.count(RequestedEmail.id))) == 1
        assert requested_emails.canonical_mailbox(" Wait+2+3@Example.ORG ") == "wait@example.org"


def test_the_whole_site_has_an_hourly_cap(app: Flask, mail_server: MailServer) -> None:
    app.config["REQUESTED_EMAILS_PER_HOUR"] = 3
    codes = []
    for i in range(5):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"198.51.100.{i}"
        codes.append(ask(client, f"site{i}.{uuid.uuid4().hex[:6]}@example.org").status_code)
    assert codes == [200, 200, 200, 429, 429]
    assert len(mail_server.messages) == 3


@pytest.fixture
def shared_apps(app: Flask, mail_server: MailServer) -> Iterator[tuple[Flask, Flask]]:
    """Two app instances (as two gunicorn workers would be) sharing Redis for rate limits."""
    from consult import create_app

    store = require_redis(REDIS_URL)
    secret = f"test-secret-{uuid.uuid4().hex}"
    prefix = f"consult-test:{uuid.uuid4().hex}:"  # this test's limit keys, and no one else's
    config = {
        "TESTING": True,
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "RATE_LIMIT_STORAGE_URL": REDIS_URL,
        "RATE_LIMIT_KEY_PREFIX": prefix,
        "SELF_SERVICE_PER_ADDRESS": 3,
        "SELF_SERVICE_PER_CLIENT": 1000,
        "SELF_SERVICE_WINDOW": 120,
    }
    first, second = create_app(dict(config)), create_app(dict(config))
    mail_server.configure(first)
    mail_server.configure(second)
    yield first, second
    if keys := list(store.scan_iter(match=f"{prefix}*")):
        store.delete(*keys)
    for app_ in (first, second):
        with app_.app_context():
            db.engine.dispose()


def test_the_address_limit_is_shared_between_app_instances_through_redis(
    shared_apps: tuple[Flask, Flask], mail_server: MailServer
) -> None:
    first, second = shared_apps
    address = f"shared.{uuid.uuid4().hex[:8]}@example.org"
    codes = [
        ask(first.test_client(), address).status_code,
        ask(second.test_client(), address).status_code,
        ask(first.test_client(), address).status_code,
        ask(second.test_client(), address).status_code,  # the fourth, on the other instance
    ]
    assert codes == [200, 200, 200, 200]
    assert len(mail_server.messages) == 3  # one instance alone would have allowed a fourth


def test_the_client_limit_is_shared_between_app_instances_through_redis(
    shared_apps: tuple[Flask, Flask], mail_server: MailServer
) -> None:
    first, second = shared_apps
    for app_ in shared_apps:
        app_.config["SELF_SERVICE_PER_CLIENT"] = 2
    clients = [first.test_client(), second.test_client()]
    for c in clients:
        c.environ_base["REMOTE_ADDR"] = "192.0.2.77"
    codes = [ask(clients[i % 2], f"n{i}.{uuid.uuid4().hex[:6]}@example.org").status_code for i in range(3)]
    assert codes == [200, 200, 429]
