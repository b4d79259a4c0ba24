"""The respondent's journey through the test client, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from consult.data import consultations, responses
from consult.extensions import db
from consult.models import Answer, Response, Stage, Status
from tests.conftest import LEADER, csrf_token, issue_token, save_about, save_section, shown_questions, submit

Q1_NO = "No, none of them are relevant now"
Q1_YES = "Yes, they are still all relevant exactly as they are"


def stored(app: Flask, stage: Stage = Stage.DRAFT) -> dict[str, str]:
    with app.app_context():
        response = db.session.scalars(db.select(Response)).one()
        return responses.answers(response, stage)


def the_response(app: Flask) -> Response:
    with app.app_context():
        response = db.session.scalars(db.select(Response)).one()
        db.session.expunge(response)
        return response


@pytest.fixture
def leader(app: Flask, client: FlaskClient) -> FlaskClient:
    client.get(f"/r/{issue_token(app, **LEADER)}")
    return client


def test_invited_respondent_is_not_asked_again_what_the_invitation_says(leader: FlaskClient) -> None:
    page = leader.get("/respond/about")
    assert b"Section 1 of 6" in page.data
    assert b'name="role"' not in page.data and b'name="region"' not in page.data
    assert b"Leader" in page.data and b"Wales" in page.data
    assert b'name="consent_to_be_named"' in page.data


def test_self_service_respondent_must_say_who_they_are(app: Flask, client: FlaskClient) -> None:
    client.get(f"/r/{issue_token(app)}")
    page = save_about(client, {"consent_to_be_named": "yes"})
    assert page.status_code == 400
    assert b"Select your role" in page.data
    assert b"Select the region your organisation is in" in page.data
    assert b"Enter the name of your organisation, or select no" in page.data
    page = save_about(
        client,
        {
            "role": "Other councillor",
            "organisation_type": "District",
            "region": "North East",
            "consent_to_be_named": "yes",
            "organisation_name": "Anytown District Council",
        },
    )
    assert page.status_code == 303
    response = the_response(app)
    assert (response.role, response.organisation_type, response.region) == (
        "Other councillor",
        "District",
        "North East",
    )
    assert response.organisation_name == "Anytown District Council"


def test_organisation_name_is_kept_only_with_consent(app: Flask, client: FlaskClient) -> None:
    client.get(f"/r/{issue_token(app, organisation='Somewhere County Council', **LEADER)}")
    save_about(client, {"consent_to_be_named": "yes"})
    assert the_response(app).organisation_name == "Somewhere County Council"
    save_about(client, {"consent_to_be_named": "no"})
    assert the_response(app).organisation_name is None


def test_sections_save_progress_and_check_answers(app: Flask, leader: FlaskClient) -> None:
    assert (
        save_about(leader, {"consent_to_be_named": "no"}).headers["Location"] == "/respond/section/principles"
    )
    page = leader.get("/respond/section/principles")
    assert b"Section 2 of 6" in page.data
    assert b"paragraph 6" in page.data  # the section's context summary
    moved = save_section(leader, "principles", {"q1": Q1_YES, "q3": "Work with partners"})
    assert moved.status_code == 303
    assert moved.headers["Location"] == "/respond/section/assurance"
    later = save_section(leader, "assurance", {"q8": "Yes"}, action="later")
    assert later.headers["Location"] == "/respond/saved"
    assert stored(app) == {"q1": Q1_YES, "q3": "Work with partners", "q8": "Yes"}
    check = leader.get("/respond/check")
    assert b"Work with partners" in check.data
    assert b'href="/respond/section/assurance#q8"' in check.data
    assert b'#q2"' not in check.data  # q2 is hidden by the answer to q1
    assert b"If you answered no, or suggested changes" not in check.data


def test_every_save_increments_the_version_and_dates_carry_no_time(app: Flask, leader: FlaskClient) -> None:
    save_about(leader, {"consent_to_be_named": "no"})
    save_section(leader, "principles", {"q1": Q1_YES})
    save_section(leader, "principles", {"q1": Q1_NO})
    response = the_response(app)
    assert response.version == 3
    assert type(response.updated_on) is dt.date


def test_newly_revealed_question_is_asked_before_moving_on(app: Flask, leader: FlaskClient) -> None:
    page = save_section(leader, "principles", {"q1": Q1_NO, "q3": "kept"})
    assert page.status_code == 200  # re-shown, not redirected
    assert b"question 2 now applies to you" in page.data
    assert b'name="q2"' in page.data
    assert stored(app) == {"q1": Q1_NO, "q3": "kept"}
    moved = save_section(leader, "principles", {"q1": Q1_NO, "q2": "More transparency", "q3": "kept"})
    assert moved.status_code == 303
    assert stored(app)["q2"] == "More transparency"


def test_answer_to_a_question_that_becomes_hidden_is_cleared(app: Flask, leader: FlaskClient) -> None:
    save_section(leader, "principles", {"q1": Q1_NO})
    save_section(leader, "principles", {"q1": Q1_NO, "q2": "alternatives"})
    save_section(leader, "childrens-adults-health", {"q13": "Yes"})
    save_section(leader, "childrens-adults-health", {"q13": "Yes", "q14": "No", "q15": "Yes"})
    save_section(leader, "childrens-adults-health", {"q13": "Yes", "q14": "No", "q15": "Yes", "q16": "Yes"})
    assert {"q2", "q14", "q16"} <= stored(app).keys()
    # The posted q2 is dropped because the posted q1 hides it.
    save_section(leader, "principles", {"q1": Q1_YES, "q2": "alternatives"})
    save_section(leader, "childrens-adults-health", {"q13": "No", "q14": "No", "q15": "Yes", "q16": "Yes"})
    answers = stored(app)
    assert "q2" not in answers and "q14" not in answers
    assert answers["q16"] == "Yes"
    page = leader.get("/respond/section/childrens-adults-health").get_data(as_text=True)
    # q14 is drawn inside q13's "Yes" (GOV.UK conditional reveal), hidden while "No" is chosen
    # and with no answer; q16 is shown inside q15's chosen "Yes".
    assert re.search(r'conditional govuk-radios__conditional--hidden" id="conditional-q13"', page)
    assert re.search(
        r'class="govuk-radios__conditional" id="conditional-q15">\s*<div class="[^"]+"\s+id="q16-group"',
        page,
    )
    assert not re.search(r'name="q14" type="radio" value="[^"]+" checked', page)


def test_free_text_is_kept_exactly_as_typed(app: Flask, leader: FlaskClient) -> None:
    text = "Café – £5 ✓\r\n\r\n  indented line\r\nمرحبا 你好 🚀\tend "
    save_section(leader, "principles", {"q3": text})
    assert stored(app)["q3"] == text.replace("\r\n", "\n")
    page = leader.get("/respond/section/principles")
    # One line break after <textarea> is eaten by HTML parsers, so the page adds one.
    assert "\nCafé – £5 ✓\n\n  indented line".encode() in page.data


def test_oversize_text_is_refused_with_the_text_kept_and_nothing_saved(
    app: Flask, leader: FlaskClient
) -> None:
    save_section(leader, "principles", {"q3": "first answer"})
    long_text = "x" * 10_001
    page = save_section(leader, "principles", {"q3": long_text, "q4": "also typed"})
    assert page.status_code == 400
    assert b"must be 10,000 characters or fewer (it is 10,001)" in page.data
    assert long_text.encode() in page.data and b"also typed" in page.data
    assert stored(app) == {"q3": "first answer"}
    exact = save_section(leader, "principles", {"q3": "y" * 10_000})
    assert exact.status_code == 303


def test_option_not_in_the_list_is_refused(app: Flask, leader: FlaskClient) -> None:
    save_section(leader, "assurance", {"q8": "Yes"})
    page = save_section(leader, "assurance", {"q8": "Maybe", "q7": "typed"})
    assert page.status_code == 400
    assert b"Select one of the answers listed for question 8" in page.data
    assert b"typed" in page.data
    assert stored(app) == {"q8": "Yes"}


def test_a_blank_or_whitespace_only_answer_is_no_answer(app: Flask, leader: FlaskClient) -> None:
    save_section(leader, "principles", {"q1": Q1_YES, "q3": "kept until cleared"})
    page = save_section(leader, "principles", {"q1": " ", "q3": " \r\n\t "})
    assert page.status_code == 303
    assert stored(app) == {}


def test_unknown_question_ids_are_refused_and_nothing_changes(app: Flask, leader: FlaskClient) -> None:
    save_section(leader, "assurance", {"q8": "Yes"})
    for extra in ({"q99": "x"}, {"q1": Q1_YES}, {"answers": "x"}):
        page = save_section(leader, "assurance", {"q8": "No", **extra})
        assert page.status_code == 400
        assert b"Nothing was saved" in page.data
    assert stored(app) == {"q8": "Yes"}
    assert leader.get("/respond/section/no-such-section").status_code == 404


def test_control_characters_are_refused_not_stored(app: Flask, leader: FlaskClient) -> None:
    page = save_section(leader, "principles", {"q3": "bad\x00byte"})
    assert page.status_code == 400
    assert b"Remove the hidden control characters" in page.data
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Answer.id))) == 0


@pytest.mark.parametrize("token", [None, "stale-or-forged"])
def test_missing_or_stale_csrf_keeps_typed_answers_and_saves_nothing(
    app: Flask, leader: FlaskClient, token: str | None
) -> None:
    save_section(leader, "principles", {"q3": "saved before"})
    data = {"q3": "typed but not saved", "q4": "more typing", "shown": ["q1", "q3", "q4", "q5", "q6"]}
    if token:
        data["csrf_token"] = token
    page = leader.post("/respond/section/principles", data=data)
    assert page.status_code == 400
    assert b"have not been saved yet because the page was open for a long time" in page.data
    assert b"typed but not saved" in page.data and b"more typing" in page.data
    assert csrf_token(page.data)  # a fresh token to save with
    assert stored(app) == {"q3": "saved before"}


def _hours_later(monkeypatch: pytest.MonkeyPatch, hours: float) -> None:
    """Move the clock of every signed token and cookie on by `hours` (the CSRF token's age)."""
    from itsdangerous.timed import TimestampSigner

    now = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: now(self) + int(hours * 3600))


def test_a_page_open_for_two_hours_saves_as_it_is(
    app: Flask, leader: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = leader.get("/respond/section/principles")
    _hours_later(monkeypatch, 2)
    long_answer = "Written slowly over a long afternoon. " * 40
    data = {"csrf_token": csrf_token(page.data), "shown": shown_questions(page.data), "q3": long_answer}
    assert leader.post("/respond/section/principles", data=data).status_code == 303
    assert stored(app) == {"q3": long_answer}


def test_a_page_whose_token_expired_comes_back_with_every_word_and_saves_next_time(
    app: Flask, leader: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    save_section(leader, "principles", {"q1": Q1_YES, "q3": "saved before"})
    page = leader.get("/respond/section/principles")
    assert app.config["WTF_CSRF_TIME_LIMIT"] is not None  # tokens do expire
    _hours_later(monkeypatch, app.config["WTF_CSRF_TIME_LIMIT"] / 3600 + 1)
    typed = {
        "q1": Q1_NO,  # reveals question 2, which must be offered, not lose the rest
        "q3": "A long answer, <b>typed</b> & considered,\r\nover two paragraphs.",
        "q4": "Another answer",
    }
    data = {"csrf_token": csrf_token(page.data), "shown": shown_questions(page.data), **typed}
    back = leader.post("/respond/section/principles", data=data)
    assert back.status_code == 400
    text = back.data.decode()
    assert "Your answers have not been saved yet because the page was open for a long time" in text
    assert "A long answer, &lt;b&gt;typed&lt;/b&gt; &amp; considered,\nover two paragraphs." in text
    assert "Another answer" in text
    assert re.search(rf'id="q1-\d+" name="q1" type="radio" value="{Q1_NO}" checked', text)
    assert "There is a problem" not in text  # nothing the respondent did wrong
    assert stored(app) == {"q1": Q1_YES, "q3": "saved before"}
    # Saving the page as it came back (its fresh token, the same answers) stores every word.
    again = {"csrf_token": csrf_token(back.data), "shown": shown_questions(back.data), **typed}
    assert "q2" in again["shown"]
    assert leader.post("/respond/section/principles", data=again).status_code == 303
    assert stored(app) == {
        "q1": Q1_NO,
        "q3": "A long answer, <b>typed</b> & considered,\nover two paragraphs.",
        "q4": "Another answer",
    }


def test_post_without_a_session_shows_what_was_typed(app: Flask, client: FlaskClient) -> None:
    page = client.post("/respond/section/principles", data={"q3": "my long considered answer"})
    assert page.status_code == 401
    assert b"Open your link again" in page.data
    assert b"my long considered answer" in page.data


def test_cross_site_post_is_refused(app: Flask, leader: FlaskClient) -> None:
    page = leader.get("/respond/section/assurance")
    response = leader.post(
        "/respond/section/assurance",
        data={"csrf_token": csrf_token(page.data), "q8": "No", "shown": ["q7", "q8"]},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Response.id))) == 0


def test_submit_then_change_then_resubmit_overwrites_in_full(app: Flask, leader: FlaskClient) -> None:
    save_about(leader, {"consent_to_be_named": "no"})
    save_section(leader, "principles", {"q1": Q1_NO, "q3": "first"})
    save_section(leader, "principles", {"q1": Q1_NO, "q2": "alt", "q3": "first"})
    assert submit(leader).headers["Location"] == "/respond/submitted"
    assert leader.get("/respond/submitted").status_code == 200
    submitted = stored(app, Stage.SUBMITTED)
    assert submitted == {"q1": Q1_NO, "q2": "alt", "q3": "first"}
    # A change after submission stays a draft until submitted again.
    save_section(leader, "principles", {"q1": Q1_YES, "q3": "second"})
    assert stored(app, Stage.SUBMITTED) == submitted
    response = the_response(app)
    assert response.status == Status.SUBMITTED and response.has_unsubmitted_changes
    assert b"will replace your submitted response only when you submit again" in leader.get("/respond/").data
    submit(leader)
    assert stored(app, Stage.SUBMITTED) == {"q1": Q1_YES, "q3": "second"}
    assert not the_response(app).has_unsubmitted_changes


def test_about_you_changed_after_submitting_counts_only_when_submitted_again(
    app: Flask, client: FlaskClient
) -> None:
    client.get(f"/r/{issue_token(app)}")
    about = {"role": "Other councillor", "organisation_type": "District", "region": "North East"}
    save_about(client, {**about, "consent_to_be_named": "no"})
    save_section(client, "assurance", {"q8": "Yes"})
    submit(client)
    changed = {"region": "Wales", "consent_to_be_named": "yes", "organisation_name": "Anytown Council"}
    assert save_about(client, {**about, **changed}).status_code == 303
    counted = the_response(app)  # what the dashboard, export and analysis read
    assert (counted.region, counted.consent_to_be_named, counted.organisation_name) == (
        "North East",
        False,
        None,
    )
    assert counted.has_unsubmitted_changes
    # The respondent sees their change everywhere they look before submitting again.
    assert re.search(rb'name="region" type="radio" value="Wales" checked', client.get("/respond/about").data)
    check = client.get("/respond/check").data
    assert b"Wales" in check and b"North East" not in check
    assert b"Yes, you may name my organisation (Anytown Council)" in check
    submit(client)
    counted = the_response(app)
    assert (counted.region, counted.consent_to_be_named, counted.organisation_name) == (
        "Wales",
        True,
        "Anytown Council",
    )
    assert counted.draft_profile is None and not counted.has_unsubmitted_changes


def test_double_and_replayed_submission_store_one_version(app: Flask, leader: FlaskClient) -> None:
    save_about(leader, {"consent_to_be_named": "no"})
    save_section(leader, "assurance", {"q8": "Yes"})
    page = leader.get("/respond/check")
    data = {"csrf_token": csrf_token(page.data)}
    first = leader.post("/respond/check", data=data)
    version = the_response(app).version
    second = leader.post("/respond/check", data=data)
    assert first.status_code == second.status_code == 303
    assert the_response(app).version == version


def test_submission_needs_about_you(app: Flask, client: FlaskClient) -> None:
    client.get(f"/r/{issue_token(app)}")
    save_section(client, "assurance", {"q8": "Yes"})
    page = submit(client)
    assert page.status_code == 400
    assert b"Answer the questions in About you before you submit" in page.data
    assert the_response(app).status == Status.DRAFT


def test_closed_consultation_shows_closed_page_and_keeps_answers(app: Flask, leader: FlaskClient) -> None:
    save_section(leader, "assurance", {"q8": "Yes"})
    page = leader.get("/respond/section/assurance")
    token = csrf_token(page.data)
    with app.app_context():
        consultation = consultations.get_by_slug("taking-stock")
        yesterday = dt.date.today() - dt.timedelta(days=2)
        consultations.set_dates(consultation, yesterday - dt.timedelta(days=30), yesterday)
        db.session.commit()
    for response in (
        leader.get("/respond/"),
        leader.get("/respond/section/assurance"),
        leader.post(
            "/respond/section/assurance", data={"csrf_token": token, "q8": "No", "shown": ["q7", "q8"]}
        ),
        leader.post("/respond/check", data={"csrf_token": token}),
    ):
        assert response.status_code == 403
        assert b"This consultation has closed" in response.data
    assert stored(app) == {"q8": "Yes"}


def test_consultation_not_yet_open(app: Flask, leader: FlaskClient) -> None:
    with app.app_context():
        consultation = consultations.get_by_slug("taking-stock")
        start = dt.date.today() + dt.timedelta(days=7)
        consultations.set_dates(consultation, start, start + dt.timedelta(days=30))
        db.session.commit()
    page = leader.get("/respond/")
    assert page.status_code == 403
    assert b"This consultation is not open yet" in page.data


def test_own_form_posts_pass_whatever_origin_the_browser_reports(app: Flask, leader: FlaskClient) -> None:
    # With Referrer-Policy: no-referrer, Chromium sends "Origin: null" on a page's own forms.
    for headers in ({"Origin": "null"}, {"Origin": "http://localhost"}, {"Sec-Fetch-Site": "same-origin"}):
        page = leader.get("/respond/section/assurance")
        response = leader.post(
            "/respond/section/assurance",
            data={"csrf_token": csrf_token(page.data), "q8": "No", "shown": shown_questions(page.data)},
            headers=headers,
        )
        assert response.status_code == 303, headers
    page = leader.get("/respond/section/assurance")
    refused = leader.post(
        "/respond/section/assurance",
        data={"csrf_token": csrf_token(page.data), "q8": "Yes", "shown": shown_questions(page.data)},
        headers={"Origin": "null", "Sec-Fetch-Site": "cross-site"},
    )
    assert refused.status_code == 403
    assert stored(app) == {"q8": "No"}
