"""The Board report from a database (SQLite and PostgreSQL): stored review, the web form and downloads."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from analysis.cli import main
from tests.board_report.reading import read_docx
from tests.board_report.theme_review import StoredAnswer, store_theme_set, theme_review_tables
from tests.conftest import OFFICER_PASSWORD, add_officer, csrf_token
from tests.prepared import prepared_file

PEER, FUNDING, TINY = "Peer challenge is valued", "Funding pressures", "Tiny theme"


def _q3_text(i: int) -> str:
    if i == 0:
        return "APPROVED QUOTE peer challenge helped us, ring me on 07700 900123"
    if i == 1:
        return "FLAGGED ANSWER about peer challenge from the leader of Smalltown"
    if i == 2:
        return "UNAPPROVED ANSWER about peer challenge"
    if i == 55:
        return "TINY THEME QUOTE about something rare"
    return f"Answer {i} on {'peer challenge and support' if i < 30 else 'funding cuts and savings'}"


def _fill(app: Flask) -> int:
    """60 submitted responses, 40 invitations; returns the consultation id."""
    from consult.data import consultations
    from consult.extensions import db
    from consult.models import Answer, Invitation, Response
    from questions import load_questionnaire

    options = load_questionnaire("taking-stock").question("q8").options
    today = dt.date(2015, 2, 1)
    with app.app_context():
        consultation = consultations.get_by_slug("taking-stock")
        for i in range(40):
            db.session.add(
                Invitation(
                    consultation_id=consultation.id, kind="invited", name=f"Person {i}",
                    email=f"p{i}@council.example", role="Leader" if i % 2 else "Chief executive",
                    organisation_type="District", region="Wales", issued_on=today,
                )
            )  # fmt: skip
        for i in range(60):
            response = Response(
                consultation_id=consultation.id, public_id=f"p{i:04d}", status="submitted", channel="web",
                origin="invited" if i < 25 else "self_service", role="Leader" if i % 2 else "Chief executive",
                organisation_type="District", region="Wales", started_on=today, updated_on=today,
                submitted_on=today,
            )  # fmt: skip
            db.session.add(response)
            db.session.flush()
            q8 = options[0] if i < 35 else options[1] if i < 55 else options[2]
            for qid, value in (
                ("q8", q8),
                ("q3", _q3_text(i)),
                ("q21", f"Other comment number {i} on councils"),
            ):
                db.session.add(
                    Answer(response_id=response.id, stage="submitted", question_id=qid, value=value)
                )
        db.session.commit()
        return consultation.id


def _review() -> list[StoredAnswer]:
    answers = []
    for i in range(60):
        rid = f"p{i:04d}"
        if i < 30:
            # The review's schema forbids approving a flagged answer, so 1 is flagged only
            # (an approved and flagged one is tested apart, in memory).
            answers.append(
                StoredAnswer(rid, [PEER], PEER, approved=i == 0, flag="identifying" if i == 1 else None)
            )
        elif i < 55:
            answers.append(StoredAnswer(rid, [FUNDING], PEER if i < 35 else FUNDING))
        elif i < 58:
            # 56 and 57 came late: the tiny theme is only suggested for them, not yet accepted.
            state = "reviewed" if i == 55 else "suggested"
            answers.append(StoredAnswer(rid, [TINY], FUNDING, state=state, approved=i == 55))
        else:
            answers.append(StoredAnswer(rid, [], FUNDING))
    return answers


@pytest.fixture
def reviewed(app: Flask, database_url: str) -> Iterator[str]:
    """The database holding the responses and a reviewed theme set for q3 (q21 has none)."""
    consultation_id = _fill(app)
    with theme_review_tables(database_url) as engine:
        store_theme_set(
            engine, consultation_id, "q3",
            [(PEER, "Peer challenge helps councils improve."), (FUNDING, "Less money."), (TINY, "")],
            _review(),
        )  # fmt: skip
        yield database_url


def _check_review(text: str) -> None:
    assert PEER in text and "Peer challenge helps councils improve." in text
    assert "APPROVED QUOTE peer challenge helped us, ring me on [phone]" in text
    assert "07700" not in text
    for never in ("FLAGGED ANSWER", "Smalltown", "UNAPPROVED ANSWER", "TINY THEME QUOTE", "p0001@"):
        assert never not in text, never
    # 58 of the 60 answers were reviewed; 2 came late and carry a suggestion only.
    assert "Analysts have checked the themes of 58 of the 60 answers; the rest are a first draft" in text
    assert "Response rate of invited people by role" in text


def test_cli_report_from_the_database_uses_the_review(reviewed: str, tmp_path: Any) -> None:
    out = tmp_path / "r.docx"
    result = CliRunner().invoke(main, ["report", reviewed, "--format", "docx", "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    read = read_docx(out.read_bytes())
    _check_review(read.text)
    by_caption = dict(zip([re.sub(r"^Table \d+: ", "", c) for c in read.captions], read.tables, strict=True))
    themes = by_caption["Question 3, themes raised in the 60 answers"]
    # By number of answers, the hidden one last; answers in no theme are not a row of the table.
    assert themes[1] == [PEER, "Peer challenge helps councils improve.", "30", "50.0%"]
    assert themes[2] == [FUNDING, "Less money.", "25", "41.7%"]
    assert themes[3] == [TINY, "–", "[c]", "[c]"] and len(themes) == 4
    assert "The number of answers that raised none of these themes is not shown" in read.text
    review = by_caption["Analysts' review of the machine's themes"]
    # Reviewed and moved: 5 from peer to funding, 1 to the tiny theme, 2 out of every theme.
    assert review[1] == ["Question 3", "Reviewed", "58 of 60", "2", "8"]
    rates = by_caption["Response rate of invited people by role"]
    assert rates[1:] == [
        ["Leader", "20", "12", "60.0%"],
        ["Chief executive", "20", "13", "65.0%"],
        ["Total", "40", "25", "62.5%"],
    ]
    # q21 has no stored set: the command line themes it, marked as a machine draft.
    assert "These themes were found by software for this report" in read.text
    # Made while the consultation is open: an interim paper.
    assert "The consultation opened on" in read.text and "is open until" in read.text


def _signed_in(app: Flask, role: str = "officer") -> FlaskClient:
    email = add_officer(app, f"{role}@lga.example", role)
    client = app.test_client()
    page = client.get("/sign-in")
    client.post(
        "/sign-in", data={"csrf_token": csrf_token(page.data), "email": email, "password": OFFICER_PASSWORD}
    )
    return client


def test_dashboard_downloads_the_report_from_the_database(reviewed: str, app: Flask) -> None:
    client = _signed_in(app, "analyst")
    dashboard = client.get("/officer/")
    for button in (b"Prepare Board report (Word)", b"Prepare Board report (HTML)"):
        assert button in dashboard.data
    word = prepared_file(app, client, "board-report", "docx")
    assert word.headers["Content-Disposition"] == 'attachment; filename="taking-stock-board-report.docx"'
    assert word.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    read = read_docx(word.data)
    _check_review(read.text)
    # No theme engine runs to make the report: q21's answers have not been analysed yet.
    assert "Free-text answers to this question have not yet been analysed." in read.text
    assert "found by software for this report" not in read.text
    html = prepared_file(app, client, "board-report", "html", page="/officer/board-report")
    assert html.mimetype == "text/html"
    assert html.headers["Content-Disposition"] == 'attachment; filename="taking-stock-board-report.html"'
    _check_review(html.get_data(as_text=True).replace("&#39;", "'"))
    token = csrf_token(dashboard.data)
    refused = client.post("/officer/downloads/prepare/board-report/pdf", data={"csrf_token": token})
    assert refused.status_code == 404
    from consult.data import audit

    with app.app_context():
        details = [e.detail for e in audit.recent()]
    assert "taking-stock: Board report (DOCX)" in details and "taking-stock: Board report (HTML)" in details


def _form(client: FlaskClient, **values: str) -> dict[str, str]:
    page = client.get("/officer/board-report")
    assert page.status_code == 200
    fields = ("title", "board", "meeting_date_day", "meeting_date_month", "meeting_date_year", "item",
              "purpose", "summary", "recommendations", "action", "contact_name", "contact_position",
              "contact_phone", "contact_email", "background", "financial_implications")  # fmt: skip
    return {"csrf_token": csrf_token(page.data), **{f: "" for f in fields}, **values}


def test_words_form_saves_checks_and_keeps_what_was_typed(app: Flask) -> None:
    client = _signed_in(app)
    bad = _form(
        client, summary="My careful summary.\n\nSecond paragraph.", contact_email="not an email",
        recommendations="That the Board notes the results.",
    )  # fmt: skip
    response = client.post("/officer/board-report", data=bad)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "There is a problem" in page and "email address in the correct format" in page
    assert 'href="#contact_email"' in page
    assert (
        "My careful summary." in page
        and "not an email" in page
        and "That the Board notes the results." in page
    )
    from consult.officer import board_report_words as board_report

    with app.app_context():
        from consult.data import consultations

        assert board_report.stored_words(consultations.get_by_slug("taking-stock")) is None
    # Without the CSRF token nothing is saved.
    assert (
        client.post("/officer/board-report", data={**bad, "csrf_token": "x", "contact_email": ""}).status_code
        == 400
    )
    good = _form(
        client,
        summary="My careful summary.\n\nSecond paragraph.",
        contact_email="dennis.skinner@local.gov.uk",
        contact_name="Dennis Skinner",
        recommendations="That the Board notes the results.\nThat officers act.",
        financial_implications="There are no additional financial implications arising from this report.",
    )  # fmt: skip
    saved = client.post("/officer/board-report", data=good)
    assert saved.status_code == 303
    again = client.get("/officer/board-report").get_data(as_text=True)
    assert "have been saved" in again and "Dennis Skinner" in again
    with app.app_context():
        from consult.data import audit

        events = [e for e in audit.recent() if e.action == "saved the Board report words"]
    assert (
        len(events) == 1
        and "summary" in events[0].detail
        and events[0].officer_email == "officer@lga.example"
    )
    read = read_docx(prepared_file(app, client, "board-report", "docx", page="/officer/board-report").data)
    assert ("Heading 1", "Recommendations") in read.headings
    assert "That officers act." in read.text and "Second paragraph." in read.text
    assert "no additional financial implications" in read.numbered[-1]
    # The purpose was not written: the paper leaves the part out, and the page says so.
    assert ("Heading 1", "Purpose of report") not in read.headings and "Not yet written" not in read.text
    assert "Not written yet: purpose of report" in again


def test_a_stored_set_still_in_review_is_marked_unreviewed(
    app: Flask, database_url: str, tmp_path: Any
) -> None:
    consultation_id = _fill(app)
    with theme_review_tables(database_url) as engine:
        store_theme_set(
            engine, consultation_id, "q3", [(PEER, ""), (FUNDING, ""), (TINY, "")], _review(), "draft"
        )
        out = tmp_path / "r.html"
        result = CliRunner().invoke(
            main, ["report", database_url, "--format", "html", "--out", str(out), "-q"]
        )
        assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "Analysts have checked the themes of 58 of the 60 answers; the rest are a first draft" in text
    assert "Review not finished" in text
    assert "FLAGGED ANSWER" not in text and "UNAPPROVED ANSWER" not in text


def test_after_the_purge_the_report_says_why_there_is_no_response_rate(
    app: Flask, database_url: str, tmp_path: Any
) -> None:
    from consult.extensions import db
    from consult.models import Consultation, Invitation

    _fill(app)
    with app.app_context():
        db.session.execute(db.delete(Invitation))
        db.session.execute(db.update(Consultation).values(purged_on=dt.date(2015, 4, 1)))
        db.session.commit()
    out = tmp_path / "r.docx"
    result = CliRunner().invoke(main, ["report", database_url, "--format", "docx", "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    text = read_docx(out.read_bytes()).text
    assert "The contact list was deleted on 1 April 2015" in text
    assert "Response rate of invited people" not in text


def test_report_from_a_database_of_responses_only(tmp_path: Any) -> None:
    from tests.analysis.builders import hand_counted_rows, write_database

    url = write_database(tmp_path / "r.db", hand_counted_rows())
    out = tmp_path / "r.html"
    result = CliRunner().invoke(main, ["report", url, "--format", "html", "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "The database holds no invitation list" in text and "Question 21. Any other comments?" in text


def test_words_form_saves_the_board_papers_heading(app: Flask) -> None:
    client = _signed_in(app)
    heading = {
        "board": "Improvement and Innovation Board",
        "item": "4",
        "report_for": ["decision", "discussion"],
    }
    bad = _form(client, **heading, meeting_date_day="31", meeting_date_month="2", meeting_date_year="2027")
    response = client.post("/officer/board-report", data=bad)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "The meeting date must be a real date" in page and 'href="#meeting_date_day"' in page
    assert 'value="Improvement and Innovation Board"' in page and 'value="31"' in page
    assert re.search(r'value="decision"[^>]*checked', page)
    good = _form(client, **heading, meeting_date_day="17", meeting_date_month="3", meeting_date_year="2027")
    assert client.post("/officer/board-report", data=good).status_code == 303
    again = client.get("/officer/board-report").get_data(as_text=True)
    assert 'value="17"' in again and 'value="2027"' in again and "Not given yet" not in again
    read = read_docx(prepared_file(app, client, "board-report", "docx", page="/officer/board-report").data)
    lines = read.text.splitlines()
    assert lines[:3] == ["Improvement and Innovation Board", "17 March 2027", "Item 4"]
    assert lines[lines.index("Purpose of report") + 1] == "For discussion and decision."
    # Emptied again, the heading is left out of the paper and missing on the page.
    assert client.post("/officer/board-report", data=_form(client)).status_code == 303
    assert "Not given yet: board, meeting date, item number and what the report is for" in client.get(
        "/officer/board-report"
    ).get_data(as_text=True)


def test_control_characters_are_refused_naming_the_field(app: Flask) -> None:
    client = _signed_in(app)
    bad = _form(client, title="Results\x0c", summary="First line\x01 here.\n\nSecond paragraph.")
    response = client.post("/officer/board-report", data=bad)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "must not contain control characters" in page and "U+0001" in page, page
    assert 'href="#summary"' in page or 'href="#title"' in page
    from consult.officer import board_report_words as board_report

    with app.app_context():
        from consult.data import consultations

        assert board_report.stored_words(consultations.get_by_slug("taking-stock")) is None
    # Line breaks are not control characters in the running text.
    good = _form(client, summary="First line.\n\nSecond paragraph.\tTabbed.")
    assert client.post("/officer/board-report", data=good).status_code == 303


def test_words_stored_with_control_characters_still_make_a_word_report(app: Flask) -> None:
    """Words saved before the rule existed: the page opens and the Word report is written."""
    from consult.data import consultations
    from consult.extensions import db
    from consult.models import BoardReportWords
    from consult.officer.board_report_words import FIELDS

    client = _signed_in(app)
    with app.app_context():
        consultation = consultations.get_by_slug("taking-stock")
        row = BoardReportWords(consultation_id=consultation.id, **{k: "" for k in FIELDS})
        row.title, row.summary, row.meeting_date = "Results\x0c of the\tconsultation", "Words\x01 here.", None
        row.updated_at = dt.datetime.now(dt.UTC)
        db.session.add(row)
        db.session.commit()
    assert client.get("/officer/board-report").status_code == 200
    read = read_docx(prepared_file(app, client, "board-report", "docx", page="/officer/board-report").data)
    assert "Words here." in read.text and "Results of theconsultation" in read.text
