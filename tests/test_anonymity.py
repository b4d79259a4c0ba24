"""Anonymity by design: no token or contact detail where a response or export can reach it."""

from __future__ import annotations

import logging

import pytest
from flask import Flask
from flask.testing import FlaskClient

from consult.data import consultations, links
from consult.data.export import response_rows
from consult.extensions import db
from consult.models import Invitation, Response
from consult.web.security import RedactTokens, redact_tokens
from tests.conftest import LEADER, database_text, issue_token, save_about, save_section, submit

CONTACT = {
    "name": "Ann Example-Leader",
    "email": "ann.leader@anytown.example",
    "organisation": "Anytown Borough",
}


def test_journey_leaves_no_token_or_contact_detail_with_the_response(
    app: Flask, client: FlaskClient, backend: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    token = issue_token(app, **CONTACT, **LEADER)
    client.get(f"/r/{token}")
    save_about(client, {"consent_to_be_named": "no"})
    save_section(client, "principles", {"q1": "Don't know", "q3": "Answer text"})
    submit(client)

    everything = database_text(app, backend)
    assert token not in everything
    assert "Answer text" in everything  # the dump does see the stored data
    with app.app_context():
        response = db.session.scalars(db.select(Response)).one()
        invitation = db.session.scalars(db.select(Invitation)).one()
        # The response and invitation share no key: the link's two hashes differ.
        assert response.key_hash != invitation.token_digest
        assert response.organisation_name is None
        response_values = {str(getattr(response, c.key)) for c in Response.__table__.columns}
        for detail in CONTACT.values():
            assert detail not in response_values
        rows = response_rows(
            consultations.get_by_slug("taking-stock"),
            consultations.questionnaire_of(consultations.get_by_slug("taking-stock")),
        )
    exported = repr(rows)
    for secret in (token, *CONTACT.values()):
        assert secret not in exported
    assert token not in caplog.text


def test_a_database_copy_cannot_join_response_to_invitation(app: Flask, client: FlaskClient) -> None:
    """Without the token, no column of an invitation computes a response's key."""
    import hashlib
    import hmac

    token = issue_token(app, **CONTACT, **LEADER)
    client.get(f"/r/{token}")
    save_section(client, "assurance", {"q8": "Yes"})
    with app.app_context():
        response = db.session.scalars(db.select(Response)).one()
        invitation = db.session.scalars(db.select(Invitation)).one()
        key = response.consultation.response_key
        for column in Invitation.__table__.columns:
            value = str(getattr(invitation, column.key)).encode()
            assert hmac.new(key, value, hashlib.sha256).hexdigest() != response.key_hash
        assert links.response_key_hash(response.consultation, token) == response.key_hash


def test_tokens_are_redacted_from_logs() -> None:
    token = "FjmkcdWzGqYpjSWjr1Ib7UEsdpSjELy8V0mGjdR_Ydg"
    assert token not in redact_tokens(f'127.0.0.1 - - "GET /r/{token} HTTP/1.1" 303 -')
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, '"GET /r/%s HTTP/1.1"', (token,), None)
    RedactTokens().filter(record)
    assert token not in record.getMessage() and "/r/[link]" in record.getMessage()


@pytest.mark.parametrize(
    "path",
    [
        "/R/{token}",  # any case: a typed or altered link still carries a live token
        "/r/%41{token}",  # a percent-encoded token
        "/%72/{token}",  # an encoded prefix the server decodes to /r/ before routing
        "/%52%2F{token}",
        "%2fr%2F{token}",
        "/SIGN-IN/LINK/{token}",
        "/sign%2Din/link/{token}",
        "/Sign-In/Link/{token}?next=/",
    ],
)
def test_tokens_are_redacted_however_the_path_is_written(path: str) -> None:
    token = "FjmkcdWzGqYpjSWjr1Ib7UEsdpSjELy8V0mGjdR_Ydg"
    line = redact_tokens(f'127.0.0.1 - - "GET {path.format(token=token)} HTTP/1.1" 404 -')
    assert token not in line and "[link] HTTP/1.1\" 404 -" in line.replace("?next=/", "")


def test_paths_that_carry_no_token_are_logged_as_they_are() -> None:
    for line in ('"GET /rx/abc HTTP/1.1"', '"GET /respond/section/q3 HTTP/1.1"', '"GET /sign-in HTTP/1.1"'):
        assert redact_tokens(line) == line


def test_no_client_address_or_agent_is_stored(app: Flask, client: FlaskClient, backend: str) -> None:
    client.get(
        f"/r/{issue_token(app)}",
        headers={"User-Agent": "Agent/9.9-unique"},
        environ_base={"REMOTE_ADDR": "198.51.100.77"},
    )
    save_section(client, "assurance", {"q8": "Yes"})
    everything = database_text(app, backend)
    assert "198.51.100.77" not in everything and "Agent/9.9-unique" not in everything


def test_one_filter_redacts_every_token_bearing_path_from_every_log(caplog: pytest.LogCaptureFixture) -> None:
    from consult import create_app

    token = "FjmkcdWzGqYpjSWjr1Ib7UEsdpSjELy8V0mGjdR_Ydg"
    app = create_app({"TESTING": True, "SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    for name in ("werkzeug", "gunicorn.access", "gunicorn.error", app.logger.name):
        assert any(isinstance(f, RedactTokens) for f in logging.getLogger(name).filters), name
    for path in (f"/r/{token}", f"/sign-in/link/{token}", f"/r/{token}?x=1", f"/sign-in/link/{token}#top"):
        line = redact_tokens(f'"GET {path} HTTP/1.1" 200')
        assert token not in line and "[link]" in line, path
    caplog.set_level(logging.ERROR, logger=app.logger.name)
    try:
        raise ValueError(f"while serving /sign-in/link/{token}")
    except ValueError:
        app.logger.exception("Exception on /sign-in/link/%s [GET]", token)
    assert caplog.records and all(token not in r.getMessage() for r in caplog.records)
    assert token not in caplog.text
