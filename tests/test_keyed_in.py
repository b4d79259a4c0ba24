"""Keyed-in responses: an officer enters an email or paper response through the same questions."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from consult.data import consultations, responses
from consult.data.export import response_rows
from consult.extensions import db
from consult.models import AuditEvent, Response, Stage
from tests.conftest import csrf_token

PAGE = "/officer/responses/new"
ABOUT = {
    "role": "Other councillor",
    "organisation_type": "Unitary",
    "region": "South West",
    "consent_to_be_named": "no",
}


def _post(client: FlaskClient, data: dict[str, Any]) -> Any:
    page = client.get(PAGE)
    assert page.status_code == 200
    return client.post(PAGE, data={"csrf_token": csrf_token(page.data), **data})


def _stored(app: Flask) -> tuple[list[Response], list[dict[str, str]], dict[str, str], dict[str, str]]:
    with app.app_context():
        consultation = consultations.get_by_slug("taking-stock")
        rows = response_rows(consultation, consultations.questionnaire_of(consultation))
        stored = list(db.session.scalars(db.select(Response)))
        for response in stored:
            db.session.expunge(response)
        if not stored:
            return stored, rows, {}, {}
        with_answers = db.session.get(Response, stored[0].id)
        return (
            stored,
            rows,
            responses.answers(with_answers, Stage.SUBMITTED),
            responses.answers(with_answers, Stage.DRAFT),
        )


def test_page_asks_every_question_and_about_you(officer_client: FlaskClient) -> None:
    page = officer_client.get(PAGE)
    assert page.status_code == 200
    html = page.data.decode()
    for number in range(1, 22):
        assert f"Question {number}. " in html
    for name in ("channel", "role", "organisation_type", "region", "consent_to_be_named", "q1", "q21"):
        assert f'name="{name}"' in html
    assert "Only if the answer to question 13 is Yes" in html


def test_keyed_in_response_is_stored_submitted_without_a_link(
    app: Flask, officer_client: FlaskClient
) -> None:
    posted = _post(
        officer_client,
        {
            "channel": "paper",
            **ABOUT,
            "q1": "Don't know",
            "q2": "Asked only after a change or a no: must be cleared",
            "q3": "Typed from the paper form\r\nsecond line",
            "q13": "No",
            "q14": "Yes",  # hidden because q13 is not "Yes": cleared
            "q15": "Yes",
            "q16": "No",  # shown because q15 is "Yes": kept
        },
    )
    assert posted.status_code == 303, posted.data[:2000]
    message = officer_client.get(posted.headers["Location"]).data.decode()
    assert "Response saved and counted as submitted" in message
    assert "The answers to questions 2 and 14 were not kept" in message

    stored, rows, submitted, draft = _stored(app)
    [response] = stored
    assert response.key_hash is None
    assert (response.origin, response.channel, response.status) == ("keyed_in", "paper", "submitted")
    assert (response.role, response.organisation_type, response.region) == (
        "Other councillor",
        "Unitary",
        "South West",
    )
    assert response.consent_to_be_named is False and response.organisation_name is None
    assert response.submitted_on is not None
    expected = {
        "q1": "Don't know",
        "q3": "Typed from the paper form\nsecond line",
        "q13": "No",
        "q15": "Yes",
        "q16": "No",
    }
    assert submitted == expected
    assert draft == expected
    [row] = rows
    assert row["status"] == "submitted" and row["channel"] == "paper" and row["role"] == "Other councillor"
    assert row["q1"] == "Don't know" and row["q2"] == "" and row["q14"] == "" and row["q16"] == "No"
    assert row["q3"] == "Typed from the paper form\nsecond line"
    with app.app_context():
        [event] = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "keyed in a response"))
        assert event.officer_email == "officer@lga.example"
        assert "Typed" not in event.detail and "paper" in event.detail


def test_same_validation_as_the_questionnaire_and_nothing_saved_on_error(
    app: Flask, officer_client: FlaskClient
) -> None:
    posted = _post(
        officer_client,
        {
            "role": "Leader",
            "organisation_type": "Not a type",
            "consent_to_be_named": "yes",
            "q8": "Maybe",
            "q3": "Keep this text",
            "q7": "x" * 20_000,
        },
    )
    assert posted.status_code == 400
    html = posted.data.decode()
    for message in (
        "Select how the response arrived",
        "Select the type of organisation you work for or represent",
        "Select the region your organisation is in",
        "Enter the name of your organisation, or select no",
        "Select one of the answers listed for question 8",
        "must be",
    ):
        assert message in html, message
    assert "Keep this text" in html  # everything typed is kept on the page
    assert "There is a problem" in html
    stored, *_ = _stored(app)
    assert stored == []


def test_named_organisation_kept_only_with_consent_and_each_channel(
    app: Flask, officer_client: FlaskClient
) -> None:
    for channel in ("email", "other"):
        posted = _post(
            officer_client,
            {
                "channel": channel,
                **ABOUT,
                "consent_to_be_named": "yes",
                "organisation_name": "Anytown Council",
                "q8": "Yes",
            },
        )
        assert posted.status_code == 303
    stored, rows, *_ = _stored(app)
    assert sorted(r.channel for r in stored) == ["email", "other"]
    assert {r.organisation_name for r in stored} == {"Anytown Council"}
    assert all(r.key_hash is None and r.origin == "keyed_in" for r in stored)
    assert sorted(row["channel"] for row in rows) == ["email", "other"]
    # A channel that keyed-in responses cannot have is refused.
    assert _post(officer_client, {"channel": "web", **ABOUT}).status_code == 400


def test_analyst_cannot_key_in(app: Flask, analyst_client: FlaskClient) -> None:
    assert analyst_client.get(PAGE).status_code == 403
    token = csrf_token(analyst_client.get("/officer/").data)
    assert (
        analyst_client.post(PAGE, data={"csrf_token": token, "channel": "paper", **ABOUT}).status_code == 403
    )
    stored, *_ = _stored(app)
    assert stored == []
