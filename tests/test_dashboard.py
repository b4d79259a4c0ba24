"""The officers' dashboard: counts by category, disclosure control while open, downloads, access."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import secrets
from collections.abc import Mapping
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from consult.data import consultations, links, responses
from consult.data import dashboard_figures as dashboard
from consult.data.clock import today
from consult.extensions import db
from consult.models import AuditEvent, Channel, Origin, Response, Status
from tests.conftest import csrf_token
from tests.prepared import prepared_file

LEADER = {"role": "Leader", "organisation_type": "County", "region": "Wales"}
CHIEF = {"role": "Chief executive", "organisation_type": "District", "region": "North East"}
COUNCILLOR = {"role": "Other councillor", "organisation_type": "Unitary", "region": "South West"}
Q1_KEEP = "Yes, they are still all relevant exactly as they are"


def add_response(
    app: Flask,
    *,
    origin: Origin,
    profile: Mapping[str, str],
    answers: Mapping[str, str],
    submitted: bool = True,
    channel: Channel = Channel.WEB,
    started_on: dt.date | None = None,
    submitted_on: dt.date | None = None,
) -> None:
    """A response stored through the same data-layer saves as the respondent's journey."""
    with app.app_context():
        consultation = consultations.get_by_slug("taking-stock")
        questionnaire = consultations.questionnaire_of(consultation)
        response = Response(
            consultation_id=consultation.id,
            public_id=secrets.token_hex(8),
            key_hash=None if origin is Origin.KEYED_IN else secrets.token_hex(32),
            status=Status.DRAFT,
            channel=channel,
            origin=origin,
            version=0,
            started_on=today(),
            updated_on=today(),
            has_unsubmitted_changes=False,
        )
        db.session.add(response)
        db.session.flush()
        responses.save_profile(response, responses.Profile(consent_to_be_named=False, **profile))
        for section in questionnaire.sections:
            responses.save_section(response.id, questionnaire, section, answers)
        if submitted:
            responses.submit(response, questionnaire)
        response.started_on = started_on or response.started_on
        if submitted and submitted_on:
            response.submitted_on = submitted_on
        db.session.commit()


def invite(app: Flask, count: int, profile: Mapping[str, str]) -> None:
    with app.app_context():
        consultation = consultations.get_by_slug("taking-stock")
        for _ in range(count):
            links.issue_link(
                consultation, kind=Origin.INVITED, email=f"{secrets.token_hex(6)}@council.example", **profile
            )
        db.session.commit()


def close_consultation(app: Flask) -> None:
    with app.app_context():
        consultation = consultations.get_by_slug("taking-stock")
        consultations.set_dates(consultation, today() - dt.timedelta(days=30), today() - dt.timedelta(days=1))
        db.session.commit()


DAY_1 = today() - dt.timedelta(days=3)
DAY_2 = today() - dt.timedelta(days=1)


@pytest.fixture
def populated(app: Flask) -> Flask:
    """15 invited, 20 responses (18 submitted); the expected counts are worked out in each test.

    - 10 leaders (invited) submitted: q1 "Don't know", q13 "Yes", q14 "Yes"; started day 1, submitted day 2
    - 1 leader (invited) draft: q1 "Don't know" (never counted)
    - 2 chief executives (invited) submitted: q1 kept as they are, q13 "No", q14 "No" (hidden: cleared)
    - 4 self-service councillors, 3 submitted with q8 "Yes", 1 draft
    - 3 keyed in (2 paper, 1 email): q13 "Yes", q14 "No"
    """
    invite(app, 12, LEADER)
    invite(app, 3, CHIEF)
    for _ in range(10):
        add_response(
            app,
            origin=Origin.INVITED,
            profile=LEADER,
            answers={"q1": "Don't know", "q13": "Yes", "q14": "Yes"},
            started_on=DAY_1,
            submitted_on=DAY_2,
        )
    add_response(
        app,
        origin=Origin.INVITED,
        profile=LEADER,
        answers={"q1": "Don't know"},
        submitted=False,
        started_on=DAY_1,
    )
    for _ in range(2):
        add_response(
            app,
            origin=Origin.INVITED,
            profile=CHIEF,
            answers={"q1": Q1_KEEP, "q13": "No", "q14": "No"},
            started_on=DAY_2,
            submitted_on=DAY_2,
        )
    for index in range(4):
        add_response(
            app,
            origin=Origin.SELF_SERVICE,
            profile=COUNCILLOR,
            answers={"q8": "Yes"},
            submitted=index < 3,
            started_on=DAY_2,
            submitted_on=DAY_2,
        )
    for channel in (Channel.PAPER, Channel.PAPER, Channel.EMAIL):
        add_response(
            app,
            origin=Origin.KEYED_IN,
            profile=COUNCILLOR,
            answers={"q13": "Yes", "q14": "No"},
            channel=channel,
            started_on=DAY_2,
            submitted_on=DAY_2,
        )
    return app


def _board(app: Flask) -> dashboard.Dashboard:
    with app.app_context():
        consultation = consultations.get_by_slug("taking-stock")
        return dashboard.dashboard(consultation, consultations.questionnaire_of(consultation))


def _values(row: dashboard.Row) -> tuple:
    return (
        row.invited.value if row.invited else None,
        row.started.value,
        row.submitted.value,
        row.rate,
    )


def test_counts_by_origin_and_category_after_closing(populated: Flask) -> None:
    close_consultation(populated)
    board = _board(populated)
    assert not board.disclosure.active
    overall = {row.label: _values(row) for row in board.overall}
    assert overall == {
        "Invitation list": (15, 13, 12, "80.0%"),
        "Self-service links": (None, 4, 3, None),
        "Links issued by the team": (None, 0, 0, None),
        "Keyed in from email or paper": (None, 3, 3, None),
        "All responses": (None, 20, 18, None),
    }
    by_role, by_type, by_region = ({row.label: _values(row) for row in t.rows} for t in board.invited_tables)
    # Invited counts from the list; started/submitted from the responses' own categories.
    assert by_role == {"Leader": (12, 11, 10, "83.3%"), "Chief executive": (3, 2, 2, "66.7%")}
    assert by_type == {"County": (12, 11, 10, "83.3%"), "District": (3, 2, 2, "66.7%")}
    assert by_region == {"North East": (3, 2, 2, "66.7%"), "Wales": (12, 11, 10, "83.3%")}
    assert list(by_region) == ["North East", "Wales"]  # the questionnaire's order
    self_role = {row.label: _values(row) for row in board.self_service_tables[0].rows}
    assert self_role == {"Other councillor": (None, 4, 3, None)}
    assert {row.label: row.submitted.value for row in board.keyed_in} == {"Email": 1, "Paper": 2, "Other": 0}

    questions = {q.number: (q.asked.value, {o: c.value for o, c in q.options}) for q in board.questions}
    assert questions[1] == (
        18,
        {
            Q1_KEEP: 2,
            "Yes they are generally relevant, but I suggest some changes": 0,
            "No, none of them are relevant now": 0,
            "Don't know": 10,
            "Not answered": 6,
        },
    )
    assert questions[13] == (18, {"Yes": 13, "No": 2, "Don't know": 0, "Not answered": 3})
    # Q14 is asked only of those who said yes to Q13; the chief executives' "No" was cleared.
    assert questions[14] == (13, {"Yes": 10, "No": 3, "Don't know": 0, "Not answered": 0})
    assert questions[8] == (18, {"Yes": 3, "No": 0, "Don't know": 0, "Not answered": 15})
    assert set(questions) == {1, 8, 9, 10, 13, 14, 15, 16, 17, 18}

    days = {d.on: (d.started.value, d.submitted.value) for d in board.days}
    assert days == {DAY_1: (11, 0), DAY_1 + dt.timedelta(days=1): (0, 0), DAY_2: (9, 18)}


def test_small_counts_are_fewer_than_10_while_open(populated: Flask) -> None:
    board = _board(populated)
    assert board.disclosure.active and board.disclosure.threshold == 10
    by_role = {row.label: row for row in board.invited_tables[0].rows}
    leader, chief = by_role["Leader"], by_role["Chief executive"]
    assert (str(leader.invited), str(leader.started), str(leader.submitted), leader.rate) == (
        "12",
        "11",
        "10",
        "83.3%",
    )
    assert {str(chief.invited), str(chief.started), str(chief.submitted)} == {"fewer than 10"}
    assert chief.rate is None
    q14 = next(q for q in board.questions if q.number == 14)
    assert [(o, str(c)) for o, c in q14.options] == [
        ("Yes", "10"),
        ("No", "fewer than 10"),
        ("Don't know", "fewer than 10"),
        ("Not answered", "fewer than 10"),
    ]


def _text(html: bytes) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.decode()))


def test_dashboard_page_hides_small_counts_until_closed(
    populated: Flask, officer_client: FlaskClient
) -> None:
    page = officer_client.get("/officer/")
    assert page.status_code == 200
    text = _text(page.data)
    assert "Chief executive fewer than 10 fewer than 10 fewer than 10 not shown" in text
    assert "Leader 12 11 10 83.3%" in text
    assert "<svg" in page.data.decode() and '<title id="chart-title">' in page.data.decode()
    assert "style=" not in page.data.decode()
    close_consultation(populated)
    text = _text(officer_client.get("/officer/").data)
    assert "Chief executive 3 2 2 66.7%" in text
    assert "fewer than 10" not in text
    assert "Invitation list 15 13 12 80.0%" in text


def test_analyst_sees_dashboard_and_downloads_but_not_officer_pages(
    populated: Flask, analyst_client: FlaskClient
) -> None:
    home = analyst_client.get("/officer/")
    assert home.status_code == 200
    assert b"Key in a response" not in home.data and b"Change the dates" not in home.data
    token = csrf_token(home.data)
    for path in ("/officer/responses/new", "/officer/purge", "/officer/dates", "/officer/audit"):
        assert analyst_client.get(path).status_code == 403, path
        if path != "/officer/audit":
            assert analyst_client.post(path, data={"csrf_token": token}).status_code == 403, path
    close_consultation(populated)
    download = prepared_file(populated, analyst_client, "counts", "csv")
    assert download.headers["Content-Disposition"] == 'attachment; filename="taking-stock-counts.csv"'
    assert download.headers["Content-Type"] == "text/csv; charset=utf-8"  # one charset, not two
    rows = list(csv.DictReader(io.StringIO(download.data.decode("utf-8-sig"))))
    q13 = {r["option"]: r["count"] for r in rows if r["question_id"] == "q13" and r["segment_by"] == "all"}
    assert q13["Yes"] == "13"
    assert q13["No"] == ""  # 2 is below the threshold: suppressed in published counts
    xlsx = prepared_file(populated, analyst_client, "counts", "xlsx")
    assert xlsx.data[:2] == b"PK"
    report = prepared_file(populated, analyst_client, "counts", "html")
    assert b"<!DOCTYPE html>" in report.data and report.headers["Content-Type"] == "text/html; charset=utf-8"
    export = analyst_client.get("/officer/downloads/responses.csv")
    assert export.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert len(list(csv.DictReader(io.StringIO(export.data.decode("utf-8-sig"))))) == 20
    with populated.app_context():
        events = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "exported")).all()
        assert len(events) == 4
        assert {e.officer_email for e in events} == {"analyst@lga.example"}


def test_downloads_work_with_no_responses(app: Flask, officer_client: FlaskClient) -> None:
    for fmt in ("csv", "xlsx", "html"):
        assert prepared_file(app, officer_client, "counts", fmt).data, fmt
    token = csrf_token(officer_client.get("/officer/").data)
    for kind, fmt in (("counts", "pdf"), ("counts", "docx"), ("themes", "html")):
        prepare = officer_client.post(f"/officer/downloads/prepare/{kind}/{fmt}", data={"csrf_token": token})
        assert prepare.status_code == 404, (kind, fmt)
    page = officer_client.get("/officer/")
    assert page.status_code == 200 and b"No responses yet" in page.data


@pytest.mark.e2e
def test_every_officer_page_passes_axe_in_chromium(tmp_path: Path) -> None:
    """Dashboard (open and closed), dates, keyed-in entry, purge and audit log, with and without errors."""
    from tests.browser import assert_accessible, chromium, submit
    from tests.conftest import OFFICER_PASSWORD, add_officer
    from tests.servers import migrated_app, serving_in_thread

    app = migrated_app(tmp_path / "consult.sqlite3", opens_on=today() - dt.timedelta(days=10))
    add_officer(app)
    invite(app, 12, LEADER)
    for index in range(11):
        add_response(
            app,
            origin=Origin.INVITED,
            profile=LEADER,
            answers={"q1": "Don't know", "q13": "Yes"},
            submitted=index < 10,
            started_on=DAY_1,
            submitted_on=DAY_2,
        )
    add_response(app, origin=Origin.KEYED_IN, profile=CHIEF, answers={"q8": "No"}, channel=Channel.PAPER)
    with serving_in_thread(app) as root:
        with chromium() as browser:
            context = browser.new_context(bypass_csp=True)  # only so that axe-core can be injected
            context.set_default_timeout(10_000)
            page = context.new_page()
            page.goto(f"{root}/sign-in")
            page.fill("#email", "officer@lga.example")
            page.fill("#password", OFFICER_PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{root}/officer/")
            assert "fewer than 10" in page.content()
            assert_accessible(page)
            for path in ("/officer/dates", "/officer/responses/new", "/officer/purge", "/officer/audit"):
                page.goto(root + path)
                assert_accessible(page)
            page.goto(f"{root}/officer/responses/new")
            submit(page, "text=Save response")
            assert "There is a problem" in page.content()
            assert_accessible(page)
            page.goto(f"{root}/officer/dates")
            page.fill("#closes_on_day", "31")
            page.fill("#closes_on_month", "2")
            submit(page, "text=Save dates")
            assert "must be a real date" in page.content()
            assert_accessible(page)
            yesterday = today() - dt.timedelta(days=1)
            page.goto(f"{root}/officer/dates")
            page.fill("#closes_on_day", str(yesterday.day))
            page.fill("#closes_on_month", str(yesterday.month))
            page.fill("#closes_on_year", str(yesterday.year))
            page.click("text=Save dates")
            page.wait_for_url(f"{root}/officer/")
            assert "fewer than 10" not in page.content()
            assert_accessible(page)
            page.goto(f"{root}/officer/purge")
            page.fill("#confirm", "wrong")
            submit(page, "text=Delete contact details >> nth=-1")
            assert "Type taking-stock exactly" in page.content()
            assert_accessible(page)
            context.close()
