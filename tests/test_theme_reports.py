"""Themes in free-text answers in the web app: the page, the three downloads, errors, access, audit."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient

from analysis.themes.disclosure import protect_counts
from consult.extensions import db
from consult.models import AuditEvent, Origin
from tests.conftest import csrf_token
from tests.test_dashboard import LEADER, add_response
from tests.themes.conftest import PII, SECRETS, TOPICS

DRAFT_WORDS = "Zanzibar quokka marmalade"
SUBMITTED_Q3 = 30
SUBMITTED_Q21 = 4


def _q3_answer(i: int) -> str:
    if i < len(PII):
        return PII[i]  # an email address, phone numbers, a postcode and a web address
    topic = sorted(TOPICS)[i % len(TOPICS)]
    return TOPICS[topic][i % 5] + (". We rely on the LGA and the NHS" if i % 3 == 0 else "")


@pytest.fixture
def seeded(app: Flask) -> Flask:
    """30 submitted responses answering q3 (4 with personal details), 4 of them q21 too; 2 drafts."""
    for i in range(SUBMITTED_Q3):
        answers = {"q3": _q3_answer(i)}
        if i < SUBMITTED_Q21:
            answers["q21"] = "More peer challenge please"
        add_response(app, origin=Origin.SELF_SERVICE, profile=LEADER, answers=answers)
    for _ in range(2):
        answers = {"q3": f"{DRAFT_WORDS} and peer challenge", "q21": DRAFT_WORDS}
        add_response(app, origin=Origin.SELF_SERVICE, profile=LEADER, answers=answers, submitted=False)
    return app


def _post(client: FlaskClient, question: str, **fields: str) -> object:
    page = client.get("/officer/themes")
    assert page.status_code == 200
    data = {f"{question}-csrf_token": csrf_token(page.data), f"{question}-format": "html"}
    data.update({f"{question}-{name}": value for name, value in fields.items()})
    response = client.post(f"/officer/themes/{question}", data=data)
    if response.status_code != 303:
        return response
    # The run is a background job: wait for it, then download the report it made.
    run_page = response.headers["Location"]
    assert client.application.extensions["consult_jobs"].wait(timeout=180)
    assert "Finished" in client.get(run_page).data.decode()
    return client.get(f"{run_page}/report")


def _xlsx_text(body: bytes) -> str:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(body), read_only=True)
    cells = [str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row]
    assert book.sheetnames and cells
    return " ".join(cells)


def _text(html: bytes) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.decode()))


def test_page_lists_free_text_questions_with_submitted_answers(
    seeded: Flask, analyst_client: FlaskClient
) -> None:
    assert b'href="/officer/themes"' in analyst_client.get("/officer/").data
    page = analyst_client.get("/officer/themes")
    assert page.status_code == 200
    text = _text(page.data)
    assert "Themes in free-text answers" in text and "about a second for every 1,000 answers" in text
    assert "Question 3 How should the increasing role that councils play" in text
    assert f"{SUBMITTED_Q3} submitted answers" in text  # drafts not counted
    assert f"{SUBMITTED_Q21} submitted answers. Too few answers to find themes" in text
    assert "Question 1 " not in text  # single choice
    assert 'action="/officer/themes/q3"' in page.data.decode()
    assert 'action="/officer/themes/q21"' not in page.data.decode()
    assert 'action="/officer/themes/all"' in page.data.decode()
    ids = re.findall(r'\sid="([^"]+)"', page.data.decode())
    assert len(ids) == len(set(ids)), "ids on the page must be unique"


def test_each_format_downloads_valid_without_personal_details_or_drafts(
    seeded: Flask, officer_client: FlaskClient
) -> None:
    from consult.models import Consultation

    # A low threshold, so that themes are shown and quoted: no theme of 30 answers reaches 10.
    with seeded.app_context():
        db.session.execute(db.update(Consultation).values(disclosure_threshold=2))
        db.session.commit()
    bodies = {}
    for fmt, content_type in (
        ("json", "application/json"),
        ("html", "text/html; charset=utf-8"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ):
        response = _post(officer_client, "q3", format=fmt)
        assert response.status_code == 200, response.data[:300]
        assert response.headers["Content-Type"] == content_type
        disposition = response.headers["Content-Disposition"]
        assert disposition == f'attachment; filename="taking-stock-q3-themes.{fmt}"'
        bodies[fmt] = response.data
    report = json.loads(bodies["json"])
    assert report["themes"] and report["assignments"]
    assert {row["question_id"] for row in report["themes"]} == {"q3"}
    assert sum(1 for row in report["assignments"] if row["primary"]) == SUBMITTED_Q3
    html = bodies["html"].decode()
    assert html.startswith("<!DOCTYPE html>")
    labels = [t["label"] for t in report["themes"] if not t["theme_id"].endswith("other")]
    assert labels and all(label.replace("'", "&#x27;") in html for label in labels)
    texts = {"json": bodies["json"].decode(), "html": html, "xlsx": _xlsx_text(bodies["xlsx"])}
    quotes = [q for t in report["themes"] for q in t["quotes"]]
    assert quotes
    for fmt, text in texts.items():
        for secret in SECRETS:
            assert secret not in text, (fmt, secret)
        assert DRAFT_WORDS not in text, fmt
    with seeded.app_context():
        details = db.session.scalars(
            db.select(AuditEvent.detail).where(AuditEvent.action == "exported")
        ).all()
    # Run ids come from the database's sequence, which earlier tests have moved on.
    assert [re.sub(r"run \d+", "run N", d) for d in details] == [
        f"taking-stock: theme report of run N ({f})" for f in ("JSON", "HTML", "XLSX")
    ]
    with seeded.app_context():
        found = db.session.scalars(
            db.select(AuditEvent.detail).where(AuditEvent.action == "found themes")
        ).all()
    found = [re.sub(r"run \d+", "run N", d) for d in found]
    assert found == ["taking-stock: themes of question 3 (run N)"] * 3


def test_analyst_runs_all_questions_and_small_ones_are_left_out(
    seeded: Flask, analyst_client: FlaskClient
) -> None:
    response = _post(analyst_client, "all", format="json", min_themes="3", max_themes="3")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="taking-stock-themes.json"'
    report = json.loads(response.data)
    assert [q["question_id"] for q in report["questions"]] == ["q3"]
    assert len([t for t in report["themes"] if not t["theme_id"].endswith("other")]) == 3
    assert any("Question 21 is left out" in note for note in report["notes"])
    with seeded.app_context():
        event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "found themes")).one()
    assert event.officer_email == "analyst@lga.example"
    assert re.fullmatch(r"taking-stock: themes of 1 free-text questions \(run \d+\)", event.detail)


@pytest.mark.parametrize(
    ("fields", "message", "target"),
    [
        ({"min_themes": "1"}, "Enter a number between 2 and 50 for the fewest themes", "q3-min_themes"),
        ({"max_themes": "lots"}, "Enter a number between 2 and 50 for the most themes", "q3-max_themes"),
        ({"max_themes": "51"}, "Enter a number between 2 and 50 for the most themes", "q3-max_themes"),
        ({"min_themes": "9", "max_themes": "3"}, "must be at least the fewest themes (9)", "q3-max_themes"),
        ({"format": "pdf"}, "Select a format for the report", "q3-format"),
    ],
)
def test_bad_choices_show_the_page_again_with_an_error_summary(
    seeded: Flask, officer_client: FlaskClient, fields: dict[str, str], message: str, target: str
) -> None:
    response = _post(officer_client, "q3", **fields)
    assert response.status_code == 400
    page = response.data.decode()
    assert "<title>Error: Themes in free-text answers" in page
    assert re.search(rf'class="govuk-error-summary".*href="#{target}">[^<]*{re.escape(message)}', page, re.S)
    assert f'id="{target}"' in page  # the summary's link goes somewhere
    assert 'class="govuk-error-message"' in page and "Content-Disposition" not in response.headers
    with seeded.app_context():
        assert db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "exported")).all() == []


def test_too_few_answers_is_a_clear_message(seeded: Flask, officer_client: FlaskClient) -> None:
    response = _post(officer_client, "q21")
    assert response.status_code == 400
    assert "Question 21 has too few submitted answers to find themes: at least 10 are needed" in _text(
        response.data
    )
    assert 'href="#q21">' in response.data.decode() and 'id="q21"' in response.data.decode()


def test_no_answers_at_all(officer_client: FlaskClient) -> None:
    page = _text(officer_client.get("/officer/themes").data)
    assert "No free-text question has 10 or more submitted answers yet" in page
    response = _post(officer_client, "all")
    assert response.status_code == 400
    assert "No free-text question has enough submitted answers" in _text(response.data)


def test_unknown_and_single_choice_questions_are_not_found(officer_client: FlaskClient) -> None:
    token = csrf_token(officer_client.get("/officer/themes").data)
    for question in ("q1", "q99"):
        response = officer_client.post(f"/officer/themes/{question}", data={f"{question}-csrf_token": token})
        assert response.status_code == 404, question


def test_signed_out_refused(app: Flask, client: FlaskClient) -> None:
    page = client.get("/officer/themes")
    assert page.status_code == 302 and page.headers["Location"].startswith("/sign-in")
    response = client.post("/officer/themes/q3", data={"q3-format": "json"})
    assert response.status_code in (302, 400) and "Content-Disposition" not in response.headers


def test_engine_is_semantic_where_installed_unless_core_is_asked_for(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    from analysis.themes import ThemeOptions, engines
    from analysis.themes.grouping import ENGINE_GROUPING
    from consult.officer import themes
    from consult.officer.forms import FEWEST_THEMES, MOST_THEMES

    # The form allows up to the most any engine chooses by itself; blank is the engine's own.
    assert FEWEST_THEMES == ThemeOptions().min_themes
    assert MOST_THEMES == max(g.max_themes for g in ENGINE_GROUPING.values()) == 50
    with app.app_context():
        monkeypatch.setattr(engines, "find_spec", lambda name: None)  # the extra not installed
        assert themes.themes_engine() == "core" and ThemeOptions().engine == "core"
        app.config["THEMES_ENGINE"] = "semantic"
        assert themes.themes_engine() == "core"  # asked for, but not there
        monkeypatch.setattr(engines, "find_spec", lambda name: object())  # installed
        assert themes.themes_engine() == "semantic"
        app.config["THEMES_ENGINE"] = "auto"
        assert themes.themes_engine() == "semantic" and ThemeOptions().engine == "semantic"
        app.config["THEMES_ENGINE"] = "core"
        assert themes.themes_engine() == "core"


@pytest.mark.e2e
def test_themes_page_passes_axe_in_chromium(tmp_path: Path) -> None:
    """The page with its forms, then with an error summary, then a download; axe-core on each page."""
    from tests.browser import assert_accessible, chromium, submit
    from tests.conftest import OFFICER_PASSWORD, add_officer
    from tests.servers import migrated_app, serving_in_thread

    app = migrated_app(tmp_path / "consult.sqlite3")
    add_officer(app, "analyst@lga.example", "analyst")
    for i in range(12):
        add_response(app, origin=Origin.SELF_SERVICE, profile=LEADER, answers={"q3": _q3_answer(i + 4)})
    with serving_in_thread(app) as root:
        with chromium() as browser:
            context = browser.new_context(bypass_csp=True, accept_downloads=True)  # CSP: only for axe-core
            context.set_default_timeout(20_000)
            page = context.new_page()
            page.goto(f"{root}/sign-in")
            page.fill("#email", "analyst@lga.example")
            page.fill("#password", OFFICER_PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{root}/officer/")
            page.click("text=Themes in free-text answers")
            page.wait_for_url(f"{root}/officer/themes")
            assert_accessible(page)
            page.click("#q3 ~ form summary")
            page.fill("#q3-min_themes", "51")
            submit(page, "text=Find themes for question 3")
            assert "There is a problem" in page.content()
            assert "Enter a number between 2 and 50 for the fewest themes" in page.content()
            assert_accessible(page)
            page.fill("#q3-min_themes", "")
            page.check("#q3-format-3")
            page.click("text=Find themes for question 3")
            page.wait_for_url(re.compile(r".*/officer/themes/runs/\d+$"))
            assert_accessible(page)
            page.locator("text=Finished").wait_for(timeout=60_000)
            assert_accessible(page)
            with page.expect_download() as download:
                page.click("text=Download the report (JSON)")
            assert download.value.suggested_filename == "taking-stock-q3-themes.json"
            assert json.loads(Path(download.value.path()).read_text(encoding="utf-8"))["themes"]
            context.close()


def _published_theme_counts(html: str) -> list[str]:
    return re.findall(r'<tr><th scope="row">[^<]*</th><td>[^<]*</td><td class="n">([^<]*)</td>', html)


def test_html_download_suppresses_small_theme_counts_at_the_consultations_threshold(
    seeded: Flask, officer_client: FlaskClient
) -> None:
    report = json.loads(_post(officer_client, "q3", format="json").data)
    exact = [t["count"] for t in report["themes"]]
    threshold = max(exact) + 1  # every theme falls under it
    html = _post(officer_client, "q3", format="html").data.decode()
    assert "below 10 are suppressed" in html
    hidden = protect_counts(np.array(exact), 10)[0]
    expected = ["[c]" if h else str(c) for c, h in zip(exact, hidden, strict=True)]
    assert _published_theme_counts(html) == expected

    from consult.models import Consultation

    with seeded.app_context():
        db.session.execute(db.update(Consultation).values(disclosure_threshold=threshold))
        db.session.commit()
    page = officer_client.get("/officer/themes")
    assert f"below {threshold} are shown as [c]" in _text(page.data)
    html = _post(officer_client, "q3", format="html").data.decode()
    assert f"below {threshold} are suppressed" in html
    published = _published_theme_counts(html)
    assert published == ["[c]"] * len(exact)
    again = json.loads(_post(officer_client, "q3", format="json").data)
    assert [t["count"] for t in again["themes"]] == exact  # the working file keeps every count
