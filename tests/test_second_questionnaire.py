"""A second questionnaire runs with no code change: loaded, answered, exported, counted, themed, reported."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskCliRunner

from analysis.cli import main as analysis_main
from consult.cli import main
from consult.data import consultations, links
from consult.extensions import db
from tests.conftest import save_about, save_section, submit

SLUG = "garden-waste"
REASONS = [
    "We compost everything at home",
    "Home composting works well for us",
    "We take it to the recycling centre",
    "Our garden is too small to need it",
]
COMMENTS = [
    "A lower charge for pensioners and people on low incomes",
    "Pensioners on low incomes should pay less",
    "Cut management costs instead of charging residents",
    "Save money by cutting management costs first",
    "The charge is fair if collections stay fortnightly",
    "Fair enough if the service stays fortnightly",
    "Mae angen tâl is i bensiynwyr ar incwm isel.",
    "Dylai'r cyngor dorri costau rheoli yn gyntaf, nid codi tâl ar drigolion.",
]


def respond(app: Flask, n: int) -> None:
    """Respondent `n` answers every page through a link of the garden waste consultation and submits."""
    with app.app_context():
        token = links.issue_link(consultations.get_by_slug(SLUG)).token
        db.session.commit()
    client = app.test_client()
    start = client.get(f"/r/{token}", follow_redirects=True)
    assert b"Garden waste collections: should we charge?" in start.data
    about = {
        "role": "Resident" if n % 4 else "Business owner or manager",
        "organisation_type": "None (answering for myself)" if n % 4 else "Business",
        "region": "North of the county" if n % 2 else "South of the county",
        "consent_to_be_named": "no",
    }
    assert save_about(client, about).status_code == 303
    today = {"q1": "Yes"} if n < 8 else {"q1": "No", "q2": REASONS[n - 8]}
    page = save_section(client, "today", today)
    if page.status_code == 200:  # q2 revealed by the answer to q1: asked on the page shown again
        assert b"What do you do with your garden waste instead?" in page.data
        page = save_section(client, "today", today)
    assert page.status_code == 303
    proposal = {
        "q3": "Agree" if n < 6 else "Disagree",
        "q4": "Yes" if n < 7 else "No",
        "q5": COMMENTS[n % len(COMMENTS)],
    }
    assert save_section(client, "proposal", proposal).status_code == 303
    assert submit(client).status_code in (302, 303)


def analysis(*args: str):
    result = CliRunner().invoke(analysis_main, [*args, "--quiet"])
    assert result.exit_code == 0, result.output
    return result


def test_garden_waste_from_loading_to_the_board_paper(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    loaded = runner.invoke(main, ["questionnaire", "load", f"questions/{SLUG}.toml"])
    assert loaded.exit_code == 0, loaded.output
    for n in range(12):
        respond(app, n)
    export = tmp_path / "garden.csv"
    exported = runner.invoke(main, ["export", "responses", "--questionnaire", SLUG, "--out", str(export)])
    assert exported.exit_code == 0 and "Wrote 12 responses" in exported.output
    assert export.read_text(encoding="utf-8-sig").splitlines()[0].endswith(",q1,q2,q3,q4,q5")

    counts = json.loads(
        analysis(
            "counts", str(export), "--questionnaire", SLUG, "--threshold", "4", "--format", "json"
        ).stdout
    )
    overall = _overall(counts)
    assert overall[("q1", "Yes")] == 8 and overall[("q1", "No")] == 4
    assert overall[("q3", "Agree")] == 6 and overall[("q3", "Disagree")] == 6
    assert overall[("q4", "Yes")] == 7 and overall[("q4", "No")] == 5

    themes = json.loads(
        analysis(
            "themes", str(export), "--questionnaire", SLUG, "--format", "json", "--threshold", "1"
        ).stdout
    )
    assert {q["question_id"] for q in themes["questions"]} == {"q2", "q5"}
    welsh = [t for t in themes["themes"] if t["theme_id"] == "q5-cy"]
    assert welsh and welsh[0]["label"] == "Answers in Welsh"
    welsh_answers = {a["response_id"] for a in themes["assignments"] if a["theme_id"] == "q5-cy"}
    english = {a["response_id"] for a in themes["assignments"] if a["question_id"] == "q5"} - welsh_answers
    assert len(welsh_answers) == 2 and len(english) == 10

    paper = tmp_path / "paper.html"
    analysis(
        "report",
        str(export),
        "--questionnaire",
        SLUG,
        "--format",
        "html",
        "--threshold",
        "4",
        "--out",
        str(paper),
    )
    html = paper.read_text(encoding="utf-8")
    assert "How far do you agree that we should charge £30 a year for garden waste collections?" in html
    assert "Taking Stock" not in html and "sector-led" not in html

    # The database names its own questionnaire: the same counts from it, by consultation.
    with app.app_context():
        url = db.engine.url.render_as_string(hide_password=False)
    from_database = json.loads(
        analysis("counts", url, "--consultation", SLUG, "--threshold", "4", "--format", "json").stdout
    )
    assert _overall(from_database) == _overall(counts)


def _overall(counts: dict) -> dict[tuple[str, str], int]:
    """(question, option) → count of everyone, from `consult-analysis counts --format json`."""
    return {
        (row["question_id"], row["option"]): row["count"]
        for row in counts["rows"]
        if row["segment_by"] == "all" and row["count"] is not None
    }
