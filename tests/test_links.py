"""Links: recognised, redeemed into the session, and refused alike whatever the fault."""

from __future__ import annotations

import secrets

from flask import Flask
from flask.testing import FlaskClient

from consult.data import links
from consult.extensions import db
from consult.models import Invitation
from tests.conftest import issue_token


def test_token_has_256_bits_and_only_its_digest_is_stored(app: Flask) -> None:
    token = issue_token(app)
    assert len(token) == 43  # 32 bytes, URL-safe base64 without padding
    with app.app_context():
        invitation = db.session.scalars(db.select(Invitation)).one()
        assert invitation.token_digest == links.token_digest(token)
        assert token not in {str(getattr(invitation, c.key)) for c in Invitation.__table__.columns}


def test_redeeming_a_link_redirects_to_a_url_without_the_token(app: Flask, client: FlaskClient) -> None:
    token = issue_token(app)
    response = client.get(f"/r/{token}")
    assert response.status_code == 303
    assert response.headers["Location"] == "/respond/"
    assert token not in response.headers["Location"]
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
    start = client.get("/respond/")
    assert start.status_code == 200
    assert b"Taking Stock" in start.data


def test_unknown_mangled_and_revoked_links_get_the_same_page(app: Flask, client: FlaskClient) -> None:
    token = issue_token(app)
    revoked = issue_token(app)
    with app.app_context():
        invitation = db.session.scalar(
            db.select(Invitation).where(Invitation.token_digest == links.token_digest(revoked))
        )
        links.revoke(invitation)
        db.session.commit()
    candidates = [
        secrets.token_urlsafe(32),  # unknown
        token[:-1] + ("A" if token[-1] != "A" else "B"),  # one character changed
        token[:20],  # truncated
        token + "x",  # too long
        "not a token at all",
        "%00%ff",
        revoked,
    ]
    pages = set()
    for candidate in candidates:
        response = client.get(f"/r/{candidate}")
        assert response.status_code == 404, candidate
        assert b"This link is not valid" in response.data
        pages.add(response.data)
    assert len(pages) == 1
    # A refused link leaves no respondent access behind.
    assert client.get("/respond/").status_code == 401


def test_revoking_a_link_ends_access_already_in_a_session(app: Flask, client: FlaskClient) -> None:
    token = issue_token(app)
    client.get(f"/r/{token}")
    assert client.get("/respond/").status_code == 200
    with app.app_context():
        invitation = db.session.scalar(
            db.select(Invitation).where(Invitation.token_digest == links.token_digest(token))
        )
        links.revoke(invitation)
        db.session.commit()
    assert client.get("/respond/").status_code == 401
