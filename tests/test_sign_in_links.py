"""Emailed one-time sign-in links: the way in that wrong passwords from elsewhere cannot slow."""

from __future__ import annotations

import re

from flask import Flask

from tests.conftest import add_officer, csrf_token, sign_in, wait_for_jobs
from tests.mailserver import MailServer, mail_server, plain_text

__all__ = ["mail_server"]

SIGN_IN_LINK = re.compile(r"https?://[^\s\"'<>]+(/sign-in/link/[A-Za-z0-9_-]{43})")


def ask(client, email: str) -> object:
    page = client.get("/sign-in/email-link")
    response = client.post("/sign-in/email-link", data={"csrf_token": csrf_token(page.data), "email": email})
    wait_for_jobs(client.application)  # the email is sent by a background job
    return response


def test_an_emailed_link_signs_in_while_attacks_slow_the_account(app: Flask, mail_server: MailServer) -> None:
    email = add_officer(app)
    for i in range(8):
        attacker = app.test_client()
        attacker.environ_base["REMOTE_ADDR"] = f"203.0.113.{i}"
        sign_in(attacker, email, "not the password!")
    officer = app.test_client()
    assert sign_in(officer, email).status_code == 429  # the password route is slowed down
    assert b"Get a sign-in link by email" in officer.get("/sign-in").data
    sent = ask(officer, email.upper())
    assert sent.status_code == 200 and b"Check your email" in sent.data
    (message,) = mail_server.messages
    (path,) = SIGN_IN_LINK.findall(plain_text(message))
    assert plain_text(message).count("http://consult.example/sign-in/link/") == 1  # from BASE_URL
    assert officer.get(path).status_code == 303
    assert officer.get("/officer/").status_code == 200
    assert app.test_client().get(path).status_code == 404  # once only


def test_the_page_is_the_same_whether_or_not_there_is_an_account(app: Flask, mail_server: MailServer) -> None:
    email = add_officer(app)
    known, unknown = ask(app.test_client(), email), ask(app.test_client(), "nobody@lga.example")
    assert known.status_code == unknown.status_code == 200 and known.data == unknown.data
    assert [m["To"] for m in mail_server.messages] == [email]


def test_links_per_address_and_per_client_are_limited(app: Flask, mail_server: MailServer) -> None:
    app.config["SIGN_IN_LINKS_PER_ADDRESS"] = 2
    app.config["SIGN_IN_LINKS_PER_CLIENT"] = 4
    email = add_officer(app)
    client = app.test_client()
    codes = [ask(client, email).status_code for _ in range(6)]
    assert codes == [200] * 4 + [429] * 2
    assert len(mail_server.messages) == 2  # the address's limit: the page said the same


def _outstanding_link(app: Flask, email: str) -> str:
    from consult.data import officers
    from consult.extensions import db

    with app.app_context():
        officer = officers.get_by_email(email)
        assert officer is not None
        token = officers.create_sign_in_link(officer)
        db.session.commit()
    return f"/sign-in/link/{token}"


def test_a_password_change_cancels_outstanding_links(app: Flask) -> None:
    email = add_officer(app)
    path = _outstanding_link(app, email)
    client = app.test_client()
    assert sign_in(client, email).status_code == 303
    page = client.get("/account/password")
    changed = client.post(
        "/account/password",
        data={
            "csrf_token": csrf_token(page.data),
            "current_password": "correct horse battery staple",
            "password": "a different long passphrase",
            "confirm": "a different long passphrase",
        },
    )
    assert changed.status_code == 303
    assert app.test_client().get(path).status_code == 404


def test_disabling_and_role_change_cancel_outstanding_links(app: Flask) -> None:
    from consult.cli import main

    runner = app.test_cli_runner()
    email = add_officer(app)
    before_role_change = _outstanding_link(app, email)
    assert runner.invoke(main, ["officers", "role", email, "analyst"]).exit_code == 0
    assert app.test_client().get(before_role_change).status_code == 404
    after_role_change = _outstanding_link(app, email)
    assert app.test_client().get(after_role_change).status_code == 303  # a new link works
    before_disabling = _outstanding_link(app, email)
    assert runner.invoke(main, ["officers", "disable", email]).exit_code == 0
    assert app.test_client().get(before_disabling).status_code == 404


def test_setting_the_first_password_cancels_the_other_set_password_links(app: Flask) -> None:
    from consult.data import officers
    from consult.extensions import db
    from consult.models import OfficerRole

    with app.app_context():
        officer = officers.add_officer("new@lga.example", OfficerRole.OFFICER)
        first, second = officers.create_sign_in_link(officer), officers.create_sign_in_link(officer)
        db.session.commit()
    client = app.test_client()
    assert client.get(f"/sign-in/link/{first}").headers["Location"].endswith("/account/password")
    page = client.get("/account/password")
    client.post(
        "/account/password",
        data={
            "csrf_token": csrf_token(page.data),
            "password": "a long new passphrase",
            "confirm": "a long new passphrase",
        },
    )
    assert app.test_client().get(f"/sign-in/link/{second}").status_code == 404
