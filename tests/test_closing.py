"""Closing the consultation (dashboard and `consult close`) and purging contact details."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from consult.cli import main
from consult.data import consultations, responses
from consult.data.clock import today
from consult.data.export import response_rows
from consult.extensions import db
from consult.models import AuditEvent, Consultation, Invitation, Origin, OutboxMessage, Response, Stage
from tests.conftest import LEADER, csrf_token, database_text, issue_token, save_about, save_section, submit
from tests.prepared import prepared_file

INVITEES = [
    {"name": "Ann Example-Leader", "email": "ann.leader@anytown.example", "organisation": "Anytown Borough"},
    {"name": "Bob Example-Chief", "email": "bob.chief@otherton.example", "organisation": "Otherton County"},
]
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
STAFF_DOMAIN = "lga.example"  # officer and analyst accounts: staff, not respondents


def _respondent_email_domains(everything: str) -> set[str]:
    """Domains of every email address in `everything` other than staff accounts'.

    Raw file bytes run text together ("officer@lga.exampleexported"), so a staff
    address is recognised by its domain's start.
    """
    return {domain for domain in EMAIL.findall(everything) if not domain.startswith(STAFF_DOMAIN)}


def _consultation() -> Consultation:
    consultation = consultations.get_by_slug("taking-stock")
    assert consultation is not None
    return consultation


def _set_dates(app: Flask, opens_on: dt.date, closes_on: dt.date) -> None:
    with app.app_context():
        consultations.set_dates(_consultation(), opens_on, closes_on)
        db.session.commit()


def _dates_form(day: dt.date, stem: str) -> dict[str, str]:
    return {f"{stem}_day": str(day.day), f"{stem}_month": str(day.month), f"{stem}_year": str(day.year)}


def _post_dates(client: FlaskClient, data: dict[str, str]) -> Any:
    page = client.get("/officer/dates")
    assert page.status_code == 200
    return client.post("/officer/dates", data={"csrf_token": csrf_token(page.data), **data})


def _answered_link(app: Flask, client: FlaskClient, **details: str) -> str:
    token = issue_token(app, **details, **LEADER)
    client.get(f"/r/{token}")
    save_about(client, {"consent_to_be_named": "no"})
    save_section(client, "assurance", {"q8": "Yes", "q7": "Written before closing"})
    assert submit(client).status_code == 303
    return token


def test_officer_changes_the_dates_on_the_dashboard_and_it_is_audited(
    app: Flask, officer_client: FlaskClient
) -> None:
    opens_on, closes_on = dt.date(2015, 1, 12), dt.date(2015, 3, 31)
    posted = _post_dates(
        officer_client, _dates_form(opens_on, "opens_on") | _dates_form(closes_on, "closes_on")
    )
    assert posted.status_code == 303
    assert "31 March 2015" in officer_client.get("/officer/").data.decode()
    with app.app_context():
        consultation = _consultation()
        assert (consultation.opens_on, consultation.closes_on) == (opens_on, closes_on)
        actions = {e.action: e for e in db.session.scalars(db.select(AuditEvent))}
        assert actions["changed the closing date"].officer_email == "officer@lga.example"
        assert "to 2015-03-31" in actions["changed the closing date"].detail
        assert "changed the opening date" in actions


def test_dates_are_validated_and_nothing_changes_on_error(app: Flask, officer_client: FlaskClient) -> None:
    with app.app_context():
        before = (_consultation().opens_on, _consultation().closes_on)
    cases = [
        ({"closes_on_day": "31", "closes_on_month": "2", "closes_on_year": "2015"}, "must be a real date"),
        ({"closes_on_day": "", "closes_on_month": "", "closes_on_year": ""}, "Enter the closing date"),
        ({"closes_on_day": "31", "closes_on_month": "3", "closes_on_year": ""}, "must include a year"),
        ({"closes_on_day": "x", "closes_on_month": "3", "closes_on_year": "2015"}, "must be a real date"),
        (
            _dates_form(today() - dt.timedelta(days=5), "closes_on"),
            "The closing date must be the same as or after the opening date",
        ),
    ]
    for closes, message in cases:
        posted = _post_dates(officer_client, _dates_form(before[0], "opens_on") | closes)
        assert posted.status_code == 400, closes
        html = posted.data.decode()
        assert message in html and "There is a problem" in html, message
        assert 'value="' + closes["closes_on_month"] + '"' in html  # what was typed is kept
    with app.app_context():
        assert (_consultation().opens_on, _consultation().closes_on) == before
        assert not db.session.scalars(db.select(AuditEvent).where(AuditEvent.action.like("changed%"))).all()


def test_close_command_then_links_show_the_closed_page_and_save_nothing(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner
) -> None:
    _set_dates(app, today() - dt.timedelta(days=30), today() + dt.timedelta(days=30))
    _answered_link(app, client)
    yesterday = today() - dt.timedelta(days=1)
    result = runner.invoke(main, ["close", "--on", yesterday.isoformat()])
    assert result.exit_code == 0, result.output
    assert "closed" in result.output
    with app.app_context():
        assert _consultation().closes_on == yesterday
        assert db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.action == "changed the closing date")
        ).one()

    for path in ("/respond/", "/respond/section/assurance", "/respond/about", "/respond/check"):
        page = client.get(path)
        assert page.status_code == 403 and b"closed" in page.data, path
    refused = client.post("/respond/section/assurance", data={"q8": "No", "q7": "Written after closing"})
    assert refused.status_code == 403
    assert client.post("/respond/check", data={}).status_code == 403
    with app.app_context():
        response = db.session.scalars(db.select(Response)).one()
        assert responses.answers(response, Stage.SUBMITTED) == {"q7": "Written before closing", "q8": "Yes"}
        assert responses.answers(response) == {"q7": "Written before closing", "q8": "Yes"}
        assert response.version == 3 and not response.has_unsubmitted_changes


def test_close_command_refuses_a_date_before_opening(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(main, ["close", "--on", "2000-01-01"])
    assert result.exit_code != 0
    assert "The closing date must be the same as or after the opening date" in result.output
    assert runner.invoke(main, ["close", "--on", "31/03/2015"]).exit_code != 0


def test_purge_is_refused_before_closing(
    app: Flask, runner: FlaskCliRunner, officer_client: FlaskClient
) -> None:
    issue_token(app, **INVITEES[0], **LEADER)
    result = runner.invoke(main, ["purge-contacts", "--confirm", "taking-stock"])
    assert result.exit_code != 0
    assert "You can delete contact details only after it has closed" in result.output
    assert "Nothing was deleted" in result.output
    page = officer_client.get("/officer/purge")
    assert b"only after it has closed" in page.data and b'name="confirm"' not in page.data
    posted = officer_client.post(
        "/officer/purge", data={"csrf_token": csrf_token(page.data), "confirm": "taking-stock"}
    )
    assert posted.status_code == 409
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Invitation.id))) == 1
        assert _consultation().response_key is not None and _consultation().purged_on is None


def _setup_for_purge(app: Flask, client: FlaskClient) -> str:
    token = _answered_link(app, client, **INVITEES[0])
    issue_token(app, **INVITEES[1])
    with app.app_context():
        consultation = _consultation()
        invitation = db.session.scalars(
            db.select(Invitation).where(Invitation.email == INVITEES[1]["email"])
        ).one()
        invitation.kind = Origin.INVITED
        db.session.add(
            OutboxMessage(
                consultation_id=consultation.id,
                invitation_id=invitation.id,
                kind="reminder",
                batch="b1",
                created_at=dt.datetime.now(dt.UTC),
            )
        )
        db.session.commit()
    _set_dates(app, today() - dt.timedelta(days=30), today() - dt.timedelta(days=1))
    return token


def test_purge_command_needs_the_typed_slug_then_leaves_anonymous_responses(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, backend: str
) -> None:
    token = _setup_for_purge(app, client)
    with app.app_context():
        before = response_rows(_consultation(), consultations.questionnaire_of(_consultation()))
    assert INVITEES[0]["email"] in database_text(app, backend)
    assert _respondent_email_domains(database_text(app, backend)) >= {"anytown.example", "otherton.example"}

    wrong = runner.invoke(main, ["purge-contacts"], input="yes\n")
    assert wrong.exit_code != 0 and "You did not type taking-stock. Nothing was deleted." in wrong.output
    assert runner.invoke(main, ["purge-contacts", "--confirm", "taking"]).exit_code != 0
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Invitation.id))) == 2

    done = runner.invoke(main, ["purge-contacts"], input="taking-stock\n")
    assert done.exit_code == 0, done.output
    assert "Deleted 2 invitations and 1 queued emails" in done.output
    with app.app_context():
        consultation = _consultation()
        assert consultation.response_key is None and consultation.purged_on == today()
        assert db.session.scalar(db.select(db.func.count(Invitation.id))) == 0
        assert db.session.scalar(db.select(db.func.count(OutboxMessage.id))) == 0
        assert db.session.scalars(db.select(Response.key_hash)).all() == [None]
        event = db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.action == "purged contact details")
        ).one()
        assert "deleted 2 invitations" in event.detail
        after = response_rows(consultation, consultations.questionnaire_of(consultation))
    assert after == before and after[0]["q7"] == "Written before closing"

    everything = database_text(app, backend)
    assert "Written before closing" in everything  # the scan does see the stored data
    for invitee in INVITEES:
        for detail in invitee.values():
            assert detail not in everything, detail
    assert _respondent_email_domains(everything) == set()
    assert client.get(f"/r/{token}").status_code == 404  # the old link reaches nothing

    again = runner.invoke(main, ["purge-contacts", "--confirm", "taking-stock"])
    assert again.exit_code == 0 and "Deleted 0 invitations" in again.output


def test_purge_page_then_export_and_reports_still_work(
    app: Flask, officer_client: FlaskClient, analyst_client: FlaskClient, backend: str
) -> None:
    respondent = app.test_client()
    _setup_for_purge(app, respondent)
    assert analyst_client.get("/officer/purge").status_code == 403
    page = officer_client.get("/officer/purge")
    assert page.status_code == 200 and b'name="confirm"' in page.data
    wrong = officer_client.post(
        "/officer/purge", data={"csrf_token": csrf_token(page.data), "confirm": "yes"}
    )
    assert wrong.status_code == 400 and b"Type taking-stock exactly to confirm" in wrong.data
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Invitation.id))) == 2
    done = officer_client.post(
        "/officer/purge", data={"csrf_token": csrf_token(page.data), "confirm": "taking-stock"}
    )
    assert done.status_code == 303
    dashboard = officer_client.get("/officer/")
    assert dashboard.status_code == 200 and b"Contact details were deleted on" in dashboard.data
    for fmt in ("csv", "html"):
        assert prepared_file(app, analyst_client, "counts", fmt).data, fmt
    assert analyst_client.get("/officer/downloads/responses.csv").status_code == 200
    assert b"Written before closing" in analyst_client.get("/officer/downloads/responses.csv").data
    audit = officer_client.get("/officer/audit").data.decode()
    assert "purged contact details" in audit and "exported" in audit
    everything = database_text(app, backend)
    for invitee in INVITEES:
        assert invitee["email"] not in everything
    assert _respondent_email_domains(everything) == set()
