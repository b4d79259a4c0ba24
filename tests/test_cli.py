"""The `consult` command: init, links, dates and the anonymised export."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
import time

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from consult.cli import main
from consult.extensions import db
from consult.models import Consultation, Invitation
from tests.conftest import LEADER, issue_token, save_about, save_section, submit

LINK = re.compile(r"^http://127\.0\.0\.1:5000/r/[A-Za-z0-9_-]{43}$")


def test_help_is_instant_and_imports_no_app() -> None:
    started = time.perf_counter()
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from consult.cli import main; sys.argv=['consult','--help']; "
            "import contextlib\nwith contextlib.suppress(SystemExit): main()\n"
            "print('flask_sqlalchemy' in sys.modules, 'pandas' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "links" in result.stdout and "export" in result.stdout
    assert result.stdout.strip().endswith("False False")
    assert time.perf_counter() - started < 10


def test_init_is_safe_to_repeat(app: Flask, runner: FlaskCliRunner) -> None:
    for _ in range(2):
        result = runner.invoke(main, ["init"])
        assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Consultation.id))) == 1


def test_links_new_prints_only_urls(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(main, ["links", "new", "--count", "3", "--role", "Leader", "--region", "Wales"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 3 and all(LINK.match(line) for line in lines), lines
    assert len(set(lines)) == 3
    with app.app_context():
        invitations = db.session.scalars(db.select(Invitation)).all()
        assert [(i.role, i.region, i.organisation_type) for i in invitations] == [
            ("Leader", "Wales", None)
        ] * 3


def test_links_new_refuses_unknown_categories(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(main, ["links", "new", "--region", "Narnia"])
    assert result.exit_code == 2
    assert "'Narnia' is not a region" in result.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Invitation.id))) == 0


def test_dates_are_checked(app: Flask, runner: FlaskCliRunner) -> None:
    bad = runner.invoke(main, ["dates", "--opens-on", "2015-03-01", "--closes-on", "2015-01-01"])
    assert bad.exit_code == 1 and "closing date must be the same as or after" in bad.output
    typo = runner.invoke(main, ["dates", "--closes-on", "31/03/2015"])
    assert typo.exit_code == 2 and "use YYYY-MM-DD" in typo.output
    ok = runner.invoke(main, ["dates", "--opens-on", "2015-01-20", "--closes-on", "2015-03-31"])
    assert ok.exit_code == 0 and "2015-01-20 to 2015-03-31 (closed)" in ok.output


def test_export_is_anonymised_complete_and_safe_for_excel(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, tmp_path
) -> None:
    contact = {"name": "Ann Leader", "email": "ann@council.example", "organisation": "Anytown"}
    client.get("/r/" + issue_token(app, **contact, **LEADER))
    save_about(client, {"consent_to_be_named": "no"})
    save_section(
        client, "principles", {"q1": "Don't know", "q3": '=HYPERLINK("http://x")', "q4": "line 1\nline 2"}
    )
    save_section(
        client,
        "assurance",
        {
            "q8": "No",
            "q7": "@SUM(A1)",
            "q11": "+1",
        },
    )
    submit(client)
    other = app.test_client()
    other.get(f"/r/{issue_token(app)}")
    save_section(other, "conclusion", {"q21": "\tdraft only"})

    out = tmp_path / "responses.csv"
    result = runner.invoke(main, ["export", "responses", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Wrote 2 responses" in result.output
    text = out.read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert list(rows[0]) == [
        "response_id",
        "status",
        "channel",
        "role",
        "organisation_type",
        "region",
        "updated_on",
        *(f"q{n}" for n in range(1, 22)),
    ]
    by_status = {row["status"]: row for row in rows}
    submitted, draft = by_status["submitted"], by_status["draft"]
    assert submitted["role"] == "Leader" and submitted["channel"] == "web"
    assert submitted["q1"] == "Don't know" and submitted["q2"] == ""
    assert submitted["q3"] == '\'=HYPERLINK("http://x")'
    assert submitted["q7"] == "'@SUM(A1)" and submitted["q11"] == "'+1"
    assert submitted["q4"] == "line 1\nline 2"
    assert draft["q21"] == "'\tdraft only" and draft["role"] == ""
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", submitted["updated_on"])
    for secret in ("Ann Leader", "ann@council.example", "Anytown"):
        assert secret not in text


def test_export_to_an_unwritable_place_is_a_clear_error(app: Flask, runner: FlaskCliRunner, tmp_path) -> None:
    result = runner.invoke(main, ["export", "responses", "--out", str(tmp_path / "missing" / "x.csv")])
    assert result.exit_code == 1
    assert "Could not write" in result.output
