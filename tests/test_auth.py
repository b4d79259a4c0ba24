"""Officer sign-in: Argon2id passwords, server-side sessions, throttling, one-time links."""

from __future__ import annotations

import datetime as dt
import time

import argon2
import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from consult.cli import main
from consult.data import officers
from consult.extensions import db
from consult.models import AuditEvent, Officer, OfficerSession
from tests.conftest import OFFICER_PASSWORD, add_officer, csrf_token, sign_in


def test_sign_in_and_out(app: Flask, client: FlaskClient) -> None:
    email = add_officer(app)
    assert client.get("/officer/").status_code == 302
    response = sign_in(client, email.upper())
    assert response.status_code == 303 and response.headers["Location"] == "/officer/"
    assert b"Signed in as officer@lga.example" in client.get("/officer/").data
    page = client.get("/officer/")
    out = client.post("/sign-out", data={"csrf_token": csrf_token(page.data)})
    assert out.status_code == 303
    assert client.get("/officer/").status_code == 302
    with app.app_context():
        actions = [e.action for e in db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id))]
        assert actions == ["signed in", "signed out"]
        assert db.session.scalars(db.select(OfficerSession)).one().ended_at is not None


def test_password_is_stored_as_argon2id(app: Flask) -> None:
    add_officer(app)
    with app.app_context():
        stored = db.session.scalars(db.select(Officer)).one().password_hash
    assert stored.startswith("$argon2id$") and OFFICER_PASSWORD not in stored


def test_copied_cookie_stops_working_after_sign_out(app: Flask, client: FlaskClient) -> None:
    sign_in(client, add_officer(app))
    cookie = client.get_cookie("consult_session").value
    thief = app.test_client()
    thief.set_cookie("consult_session", cookie)
    assert thief.get("/officer/").status_code == 200
    client.post("/sign-out", data={"csrf_token": csrf_token(client.get("/officer/").data)})
    assert thief.get("/officer/").status_code == 302


def test_new_session_id_at_sign_in(app: Flask, client: FlaskClient) -> None:
    email = add_officer(app)
    sign_in(client, email)
    first = client.get_cookie("consult_session").value
    client.post("/sign-out", data={"csrf_token": csrf_token(client.get("/officer/").data)})
    sign_in(client, email)
    with app.app_context():
        digests = db.session.scalars(db.select(OfficerSession.digest)).all()
    assert len(set(digests)) == 2 and client.get_cookie("consult_session").value != first


def test_unknown_email_and_wrong_password_look_the_same(app: Flask, client: FlaskClient) -> None:
    add_officer(app)
    unknown = sign_in(client, "nobody@lga.example")
    wrong = sign_in(client, "officer@lga.example", "wrong password here")
    assert unknown.status_code == wrong.status_code == 400
    assert b"Enter a correct email address and password" in unknown.data
    assert b"Enter a correct email address and password" in wrong.data


def test_an_unknown_email_is_checked_against_a_hash_as_costly_as_a_real_one(app: Flask) -> None:
    real = officers._hasher.hash("a real password, long enough")
    dummy = officers.dummy_hash()
    assert argon2.extract_parameters(dummy) == argon2.extract_parameters(real)
    # Verifying runs Argon2 in full and fails on the digest (a malformed hash would fail fast).
    with pytest.raises(argon2.exceptions.VerifyMismatchError):
        officers._hasher.verify(dummy, "a real password, long enough")
    with app.app_context():
        assert officers.authenticate("nobody@example.gov.uk", "a real password, long enough") is None


def test_repeated_failures_are_throttled(app: Flask, client: FlaskClient) -> None:
    email = add_officer(app)
    for _ in range(5):
        assert sign_in(client, email, "not the password!").status_code == 400
    throttled = sign_in(client, email, OFFICER_PASSWORD)
    assert throttled.status_code == 429
    assert b"too many wrong passwords for this email address" in throttled.data


def test_an_attacker_slows_an_account_down_but_cannot_lock_its_officer_out(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Failures from other addresses delay the account's next attempt briefly; they never lock it."""
    app.config["SIGN_IN_SLOWDOWN_SECONDS"] = 1
    app.config["SIGN_IN_SLOWDOWN_MAX_SECONDS"] = 1
    email = add_officer(app)
    for i in range(12):
        attacker = app.test_client()
        attacker.environ_base["REMOTE_ADDR"] = f"203.0.113.{i}"
        assert sign_in(attacker, email, "not the password!").status_code in (400, 429)
    officer = app.test_client()
    officer.environ_base["REMOTE_ADDR"] = "198.51.100.5"
    assert sign_in(officer, email).status_code == 429  # slowed down, just after the attack
    # The first attempt after the delay goes through, and the right password signs in.
    later = time.time() + 1.1  # the clock moved past the delay (the limits' store reads time.time)
    monkeypatch.setattr(time, "time", lambda: later)
    assert sign_in(officer, email).status_code == 303


def test_a_one_time_link_is_not_subject_to_the_account_slow_down(app: Flask) -> None:
    email = add_officer(app)
    for i in range(8):
        attacker = app.test_client()
        attacker.environ_base["REMOTE_ADDR"] = f"203.0.113.{i}"
        sign_in(attacker, email, "not the password!")
    with app.app_context():
        token = officers.create_sign_in_link(officers.get_by_email(email))
        db.session.commit()
    officer = app.test_client()
    assert officer.get(f"/sign-in/link/{token}").status_code == 303
    assert officer.get("/officer/").status_code == 200


def test_one_client_is_limited_whichever_accounts_it_tries(app: Flask) -> None:
    app.config["SIGN_IN_ATTEMPTS_PER_CLIENT"] = 4
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "192.0.2.200"
    codes = [sign_in(client, f"guess{i}@lga.example", "not the password!").status_code for i in range(6)]
    assert codes == [400] * 4 + [429] * 2
    assert b"from this device or network" in sign_in(client, "x@lga.example", "whatever it is!").data


def test_idle_timeout_ends_the_session(app: Flask, client: FlaskClient) -> None:
    sign_in(client, add_officer(app))
    with app.app_context():
        record = db.session.scalars(db.select(OfficerSession)).one()
        record.last_seen_at = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
        db.session.commit()
    assert client.get("/officer/").status_code == 302


def test_absolute_timeout_ends_the_session(app: Flask, client: FlaskClient) -> None:
    sign_in(client, add_officer(app))
    with app.app_context():
        record = db.session.scalars(db.select(OfficerSession)).one()
        record.created_at = dt.datetime.now(dt.UTC) - dt.timedelta(hours=13)
        db.session.commit()
    assert client.get("/officer/").status_code == 302


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short pass", "12 characters or more"),
        ("x" * 129, "128 characters or fewer"),
        ("password1234", "among the most common passwords"),
        ("Qwerty123456!", "among the most common passwords"),
        ("officer-secret-words", "does not contain your email address"),
        ("aaaaaaaaaaaaaaa", "more different characters"),
    ],
)
def test_password_rules(password: str, problem: str) -> None:
    assert problem in (officers.password_problem(password, "officer@lga.example") or "")


def test_good_password_passes() -> None:
    assert officers.password_problem("violet tractor umbrella", "officer@lga.example") is None


def test_one_time_link_signs_in_once_and_asks_for_a_password(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner
) -> None:
    result = runner.invoke(main, ["officers", "add", "new@lga.example", "--role", "analyst", "--link"])
    assert result.exit_code == 0, result.output
    link = result.stdout.strip()
    path = link.split("5000", 1)[1]
    response = client.get(path)
    assert response.status_code == 303 and response.headers["Location"] == "/account/password"
    page = client.get("/account/password")
    bad = client.post(
        "/account/password",
        data={"csrf_token": csrf_token(page.data), "password": "password1234", "confirm": "password1234"},
    )
    assert bad.status_code == 400 and b"among the most common passwords" in bad.data
    good = client.post(
        "/account/password",
        data={
            "csrf_token": csrf_token(page.data),
            "password": "violet tractor umbrella",
            "confirm": "violet tractor umbrella",
        },
    )
    assert good.status_code == 303
    assert app.test_client().get(path).status_code == 404  # used once
    assert sign_in(app.test_client(), "new@lga.example", "violet tractor umbrella").status_code == 303


def test_officers_add_refuses_duplicates_and_weak_passwords(app: Flask, runner: FlaskCliRunner) -> None:
    weak = runner.invoke(main, ["officers", "add", "a@lga.example"], input="password1234\npassword1234\n")
    assert weak.exit_code == 1 and "common passwords" in weak.output
    ok = runner.invoke(
        main, ["officers", "add", "a@lga.example"], input=f"{OFFICER_PASSWORD}\n{OFFICER_PASSWORD}\n"
    )
    assert ok.exit_code == 0, ok.output
    again = runner.invoke(main, ["officers", "add", "A@lga.example", "--link"])
    assert again.exit_code == 1 and "already an account" in again.output


def test_init_prints_a_first_officer_link_once(app: Flask, runner: FlaskCliRunner) -> None:
    first = runner.invoke(main, ["init", "--first-officer", "lead@lga.example"])
    assert first.exit_code == 0 and "/sign-in/link/" in first.output
    second = runner.invoke(main, ["init"])
    assert second.exit_code == 0 and "/sign-in/link/" not in second.output


NEW_PASSWORD = "violet tractor umbrella"


def _change_password(client: FlaskClient, current: str | None, new: str = NEW_PASSWORD) -> object:
    page = client.get("/account/password")
    data = {"csrf_token": csrf_token(page.data), "password": new, "confirm": new}
    if current is not None:
        data["current_password"] = current
    return client.post("/account/password", data=data)


def test_changing_a_password_needs_the_current_one(app: Flask, officer_client: FlaskClient) -> None:
    assert b"Current password" in officer_client.get("/account/password").data
    missing = _change_password(officer_client, None)
    assert missing.status_code == 400 and b"Enter your current password correctly" in missing.data
    wrong = _change_password(officer_client, "not the password!")
    assert wrong.status_code == 400 and b"Enter your current password correctly" in wrong.data
    assert sign_in(app.test_client(), "officer@lga.example").status_code == 303  # unchanged
    assert _change_password(officer_client, OFFICER_PASSWORD).status_code == 303
    assert sign_in(app.test_client(), "officer@lga.example", NEW_PASSWORD).status_code == 303


def test_changing_a_password_signs_out_every_other_session(app: Flask) -> None:
    email = add_officer(app)
    here, elsewhere, thief = app.test_client(), app.test_client(), app.test_client()
    for client in (here, elsewhere, thief):
        assert sign_in(client, email).status_code == 303
    assert _change_password(here, OFFICER_PASSWORD).status_code == 303
    assert here.get("/officer/").status_code == 200  # the session that changed it stays
    for client in (elsewhere, thief):
        assert client.get("/officer/").status_code == 302  # signed out at the next request
        assert client.get("/officer/invitations").status_code == 302


@pytest.mark.parametrize(
    ("command", "still_signs_in"),
    [
        (["officers", "disable", "officer@lga.example"], False),
        (["officers", "role", "officer@lga.example", "analyst"], True),
    ],
)
def test_disabling_an_account_or_changing_its_role_ends_its_sessions(
    app: Flask, runner: FlaskCliRunner, command: list[str], still_signs_in: bool
) -> None:
    email = add_officer(app)
    client = app.test_client()
    assert sign_in(client, email).status_code == 303
    result = runner.invoke(main, command)
    assert result.exit_code == 0, result.output
    assert client.get("/officer/").status_code == 302
    again = app.test_client()
    assert (sign_in(again, email).status_code == 303) is still_signs_in
    if still_signs_in:  # now an analyst: contact details are refused
        assert again.get("/officer/invitations").status_code == 403


def test_an_account_from_a_one_time_link_does_nothing_until_it_has_a_password(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner
) -> None:
    result = runner.invoke(main, ["officers", "add", "linked@lga.example", "--link"])
    path = "/sign-in/link/" + result.stdout.strip().rsplit("/sign-in/link/", 1)[1]
    assert client.get(path).headers["Location"] == "/account/password"
    page = client.get("/account/password")
    assert b"Current password" not in page.data and b"set a password before" in page.data
    for route in ("/officer/", "/officer/invitations", "/officer/invitations/mail-merge", "/officer/themes"):
        response = client.get(route)
        assert response.status_code == 303 and response.headers["Location"] == "/account/password", route
    posted = client.post("/officer/invitations/mail-merge", data={"csrf_token": csrf_token(page.data)})
    assert posted.status_code == 303 and posted.headers["Location"] == "/account/password"
    assert _change_password(client, None).status_code == 303
    assert client.get("/officer/").status_code == 200
