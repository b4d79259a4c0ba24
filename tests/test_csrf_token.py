"""The CSRF token on respondents' pages: one signed copy per session token, still checked."""

from __future__ import annotations

import time
from unittest import mock

from flask import Flask
from flask.testing import FlaskClient

from questions import load_questionnaire
from tests.conftest import csrf_token, issue_token, shown_questions

PAGE = "/respond/section/principles"
AGREE = load_questionnaire("taking-stock").question("q1").options[0]


def _token_at(client: FlaskClient, when: float) -> str:
    with mock.patch("itsdangerous.timed.time.time", return_value=when):
        page = client.get(PAGE)
    assert page.status_code == 200
    return csrf_token(page.data)


def test_one_session_gets_one_signed_token_and_it_is_accepted(app: Flask, client: FlaskClient) -> None:
    client.get(f"/r/{issue_token(app)}")
    now = time.time()
    first, later = _token_at(client, now), _token_at(client, now + 120)
    assert first == later  # signed once, not again two minutes later
    page = client.get(PAGE)
    saved = client.post(PAGE, data={"csrf_token": later, "shown": shown_questions(page.data), "q1": AGREE})
    assert saved.status_code == 303
    # A page re-shown with errors carries the same token.
    wrong = client.post(PAGE, data={"csrf_token": later, "shown": ["q1"], "q1": "Not an option"})
    assert wrong.status_code == 400 and csrf_token(wrong.data) == first


def test_each_session_has_its_own_token(app: Flask) -> None:
    tokens = set()
    for _ in range(3):
        client = app.test_client()
        client.get(f"/r/{issue_token(app)}")
        tokens.add(csrf_token(client.get(PAGE).data))
    assert len(tokens) == 3


def test_with_a_time_limit_every_page_signs_afresh(app: Flask, client: FlaskClient) -> None:
    app.config["WTF_CSRF_TIME_LIMIT"] = 3600
    client.get(f"/r/{issue_token(app)}")
    now = time.time()
    assert _token_at(client, now) != _token_at(client, now + 120)


def test_a_post_is_checked_whether_or_not_its_token_is_the_remembered_copy(app: Flask) -> None:
    from itsdangerous import URLSafeTimedSerializer

    ours, theirs = app.test_client(), app.test_client()
    ours.get(f"/r/{issue_token(app)}")
    theirs.get(f"/r/{issue_token(app)}")
    other_sessions_token = csrf_token(theirs.get(PAGE).data)
    page = ours.get(PAGE)
    with ours.session_transaction() as session:
        raw = session["csrf_token"]
    # Validly signed for this session, but not the copy this process remembers.
    with mock.patch("itsdangerous.timed.time.time", return_value=time.time() + 60):
        resigned = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps(raw)
    assert resigned != csrf_token(page.data)
    shown = shown_questions(page.data)
    for token, status in ((other_sessions_token, 400), ("forged", 400), (resigned, 303)):
        saved = ours.post(PAGE, data={"csrf_token": token, "shown": shown, "q1": AGREE})
        assert saved.status_code == status, token
        if status == 400:
            assert b"had expired" in saved.data  # nothing saved; the page says why
