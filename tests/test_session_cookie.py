"""The respondent's session cookie: re-signed when changed or due, expiring after the last visit."""

from __future__ import annotations

import time
from unittest import mock

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import issue_token

PAGE = "/respond/section/principles"


def _signed_cookies(response: object) -> list[str]:
    headers = response.headers.get_all("Set-Cookie")  # type: ignore[attr-defined]
    return [h for h in headers if h.startswith("consult_session=")]


def test_a_fresh_cookie_is_not_re_signed_on_every_page(app: Flask, client: FlaskClient) -> None:
    redeemed = client.get(f"/r/{issue_token(app)}")
    assert _signed_cookies(redeemed), "opening a link starts a session"
    client.get(PAGE)  # the first page adds the CSRF token to the session: a new cookie
    page = client.get(PAGE)
    assert page.status_code == 200
    assert _signed_cookies(page) == []


def test_a_cookie_older_than_the_refresh_interval_is_re_signed(app: Flask, client: FlaskClient) -> None:
    client.get(f"/r/{issue_token(app)}")
    client.get(PAGE)
    app.config["SESSION_REFRESH_AFTER"] = 0
    page = client.get(PAGE)
    assert page.status_code == 200
    assert _signed_cookies(page), "a due cookie is signed again, moving its expiry on"


def test_a_session_expires_its_lifetime_after_it_was_last_signed(app: Flask, client: FlaskClient) -> None:
    client.get(f"/r/{issue_token(app)}")
    assert client.get(PAGE).status_code == 200
    lifetime = app.permanent_session_lifetime.total_seconds()
    later = time.time() + lifetime + 60
    with mock.patch("itsdangerous.timed.time.time", return_value=later):
        assert client.get(PAGE).status_code == 401  # "your session has ended"


def _open(app: Flask, cookie: str) -> dict:
    from flask import request

    with app.test_request_context(headers={"Cookie": f"{app.config['SESSION_COOKIE_NAME']}={cookie}"}):
        session = app.session_interface.open_session(app, request)
        assert session is not None
        return session


def test_a_remembered_cookie_gives_each_request_its_own_copy(app: Flask) -> None:
    cookie = app.session_interface.get_signing_serializer(app).dumps({"respondent": {"key": "k1"}})
    for _ in range(3):  # the first opening verifies and remembers; the others reuse it
        session = _open(app, cookie)
        assert session["respondent"] == {"key": "k1"}
        session["respondent"]["key"] = "changed in place"


def test_a_remembered_cookie_is_refused_once_tampered_or_the_secret_changes(app: Flask) -> None:
    cookie = app.session_interface.get_signing_serializer(app).dumps({"respondent": {"key": "k1"}})
    assert _open(app, cookie)["respondent"] == {"key": "k1"}
    # A character inside the signature (the last one may carry only padding bits).
    tampered = cookie[:-5] + ("A" if cookie[-5] != "A" else "B") + cookie[-4:]
    assert dict(_open(app, tampered)) == {}
    app.secret_key = "another secret key, long enough to be real"
    assert dict(_open(app, cookie)) == {}
