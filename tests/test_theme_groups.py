"""The themes-by-group review page: right counts, merged small groups, no figure from 1 to 9;
worked out by a background job, stored, shown at once while current and never when stale."""

from __future__ import annotations

import html
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import csrf_token
from tests.theme_groups_seed import FUNDING, QUESTION, RARE, seed_reviewed_themes, truth

PAGE = f"/officer/themes/{QUESTION}/by-group"


@pytest.fixture
def grouped(app: Flask) -> Flask:
    seed_reviewed_themes(app)
    return app


def table_cells(page: str) -> list[list[str]]:
    """Every table row's cells (header or data), as text."""
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", page, flags=re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)
        rows.append([html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells])
    return rows


def small_figures(cells: list[str]) -> list[str]:
    """Cells that print a whole number from 1 to 9 (alone or before a percentage)."""
    return [c for c in cells if re.fullmatch(r"[1-9](\s*\([\d.]+%\))?", c)]


def prepare(client: FlaskClient) -> str:
    """Ask for the tables from the page's button, wait for the job, return the page."""
    page = client.get(PAGE)
    assert page.status_code == 200
    assert f'action="{PAGE}/prepare"' in page.get_data(as_text=True)
    response = client.post(f"{PAGE}/prepare", data={"csrf_token": csrf_token(page.data)})
    assert response.status_code == 303 and response.headers["Location"].endswith(PAGE)
    assert client.application.extensions["consult_jobs"].wait(timeout=180)
    return client.get(PAGE).get_data(as_text=True)


@pytest.fixture
def prepared_page(grouped: Flask, analyst_client: FlaskClient) -> str:
    return prepare(analyst_client)


def test_page_shows_counts_by_role_with_shares(prepared_page: str) -> None:
    rows = {row[0]: row for row in table_cells(prepared_page) if row}
    header = next(row for row in table_cells(prepared_page) if row and row[0] == "Group")
    funding = header.index(FUNDING)
    count, base = truth()[("Leader", FUNDING)]
    assert rows["Leader"][1] == f"{base}"
    assert rows["Leader"][funding] == f"{count} ({100 * count / base:.1f}%)"
    assert rows["All respondents"][1] == "200"


def test_no_figure_from_1_to_9_and_small_groups_combined(prepared_page: str) -> None:
    page = prepared_page
    cells = [cell for row in table_cells(page) for cell in row]
    assert not small_figures(cells)
    assert "[c]" in cells  # the 4 answers in the small theme, and their company
    assert "Smaller regions, combined" in cells
    assert "East Midlands" not in cells and "Greater London" not in cells
    assert "Smaller regions, combined: East Midlands, Greater London." in html.unescape(page)
    officers = next(row for row in table_cells(page) if row and row[0] == "Other council officer")
    header = next(row for row in table_cells(page) if row and row[0] == "Group")
    assert officers[header.index(RARE)] == "[c]"


def test_the_theme_set_page_links_to_it(grouped: Flask, analyst_client: FlaskClient) -> None:
    page = analyst_client.get(f"/officer/themes/{QUESTION}").get_data(as_text=True)
    assert f"/officer/themes/{QUESTION}/by-group" in page


def test_no_set_no_page(app: Flask, analyst_client: FlaskClient) -> None:
    assert analyst_client.get(f"/officer/themes/{QUESTION}/by-group").status_code == 404
    assert analyst_client.get("/officer/themes/q1/by-group").status_code == 404  # single choice


def _run_report(app: Flask, client: FlaskClient, fmt: str) -> bytes:
    """The theme report of q3, as `fmt`, that a run from the dashboard makes (50 answers:
    20 leaders in Wales, 20 chief executives in the North East, and 5 each of two small roles)."""
    from consult.extensions import db
    from consult.models import Origin, ThemeRun
    from tests.test_dashboard import add_response
    from tests.test_theme_jobs import start_run, topic_answer, wait_embedded

    for i in range(50):
        role, region = ("Leader", "Wales") if i % 2 else ("Chief executive", "North East")
        if i >= 40:
            role = "Other councillor" if i < 45 else "Other council officer"
        profile = {"role": role, "organisation_type": "County", "region": region}
        add_response(app, origin=Origin.SELF_SERVICE, profile=profile, answers={QUESTION: topic_answer(i)})
    run_id = start_run(client, fmt=fmt)
    wait_embedded(app)
    with app.app_context():
        run = db.session.get(ThemeRun, run_id)
        assert run is not None and run.report is not None
        return run.report


def test_the_theme_report_a_run_makes_gives_themes_by_group(app: Flask, analyst_client: FlaskClient) -> None:
    page = _run_report(app, analyst_client, "html").decode("utf-8")
    assert "raising each theme, by role" in page
    cells = [cell for row in table_cells(page) for cell in row]
    assert "Leader" in cells and "Chief executive" in cells
    assert not small_figures(cells)


@pytest.mark.parametrize("fmt", ["json", "xlsx"])
def test_the_working_files_a_run_makes_give_protected_themes_by_group(
    app: Flask, analyst_client: FlaskClient, fmt: str
) -> None:
    import io
    import json

    from openpyxl import load_workbook

    body = _run_report(app, analyst_client, fmt)
    if fmt == "json":
        rows = json.loads(body)["by_group"]
    else:
        sheet = list(load_workbook(io.BytesIO(body), read_only=True)["By group"].iter_rows(values_only=True))
        rows = [dict(zip(sheet[0], line, strict=True)) for line in sheet[1:]]
    hidden = None if fmt == "json" else "[c]"
    roles = {r["group"]: r for r in rows if r["breakdown"] == "role"}
    assert set(roles) == {"Leader", "Chief executive", "Smaller roles, combined"}
    members = roles["Smaller roles, combined"]["members"]
    assert members == (["Other councillor", "Other council officer"] if fmt == "json" else members)
    assert "Other councillor" in members and "Other council officer" in members
    for row in rows:
        for name in ("count", "answers"):
            assert row[name] == hidden or row[name] == 0 or row[name] >= 10, row
    assert any(row["count"] == hidden for row in rows)  # some of the combined roles' 10 answers


def _theme(app: Flask, name: str) -> tuple[int, int]:
    """(id, version) of the theme called `name`."""
    from consult.extensions import db
    from consult.models import Theme

    with app.app_context():
        theme = db.session.scalars(db.select(Theme).where(Theme.name == name)).one()
        return theme.id, theme.version


def test_the_page_never_protects_in_its_request(
    grouped: Flask, analyst_client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import analysis.themes.by_group as by_group

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the page protected the tables in its request")

    page = analyst_client.get(PAGE).get_data(as_text=True)
    assert "have not been worked out" in page and "Work out the tables" in page
    assert not [row for row in table_cells(page) if row]
    prepare(analyst_client)
    monkeypatch.setattr(by_group, "protect_theme_tables", refuse)
    monkeypatch.setattr(by_group, "theme_counts_by_group", refuse)
    shown = analyst_client.get(PAGE).get_data(as_text=True)
    assert "By role" in shown and "Worked out at" in shown
    assert "Work out the tables" not in shown and "Out of date" not in shown


def test_renaming_a_theme_makes_the_tables_out_of_date_until_worked_out_again(
    grouped: Flask, analyst_client: FlaskClient
) -> None:
    from consult.data import consultations, theme_review, theme_sets
    from consult.extensions import db
    from consult.models import Theme

    prepare(analyst_client)
    theme_id, version = _theme(grouped, FUNDING)
    with grouped.app_context():
        consultation = consultations.get_by_slug("taking-stock")
        theme_set = theme_sets.theme_set_for(consultation, QUESTION)
        theme = db.session.get(Theme, theme_id)
        theme_review.rename_theme(theme_set, theme, "Money", None, version, "analyst@lga.example")
        db.session.commit()
    stale = analyst_client.get(PAGE).get_data(as_text=True)
    assert "Out of date: the review has changed since" in stale
    assert not [row for row in table_cells(stale) if row], "stale figures were shown"
    assert "Work out the tables again" in stale
    fresh = prepare(analyst_client)
    header = next(row for row in table_cells(fresh) if row and row[0] == "Group")
    assert "Money" in header and FUNDING not in header and "Out of date" not in fresh


def test_moving_an_answer_or_a_new_threshold_makes_them_out_of_date(
    grouped: Flask, analyst_client: FlaskClient
) -> None:
    from consult.extensions import db
    from consult.models import Consultation, ThemeAnswerTheme

    prepare(analyst_client)
    rare, _ = _theme(grouped, RARE)
    funding, _ = _theme(grouped, FUNDING)
    with grouped.app_context():
        link = db.session.scalars(
            db.select(ThemeAnswerTheme).where(ThemeAnswerTheme.theme_id == rare)
        ).first()
        link.theme_id = funding
        db.session.commit()
    assert "Out of date" in analyst_client.get(PAGE).get_data(as_text=True)
    prepare(analyst_client)
    with grouped.app_context():
        db.session.execute(db.update(Consultation).values(disclosure_threshold=5))
        db.session.commit()
    assert "Out of date" in analyst_client.get(PAGE).get_data(as_text=True)


def test_the_job_stores_the_protected_tables_and_keeps_one_result(grouped: Flask) -> None:
    from consult.data import consultations, theme_group_tables, theme_sets
    from consult.extensions import db
    from consult.jobs.theme_groups_job import run_theme_groups_job
    from consult.models import ThemeGroupTables

    for _ in range(2):
        with grouped.app_context():
            theme_set = theme_sets.theme_set_for(consultations.get_by_slug("taking-stock"), QUESTION)
            job_id = theme_group_tables.record_request(theme_set, None).id
            db.session.commit()
            run_theme_groups_job(job_id)
    with grouped.app_context():
        rows = db.session.scalars(db.select(ThemeGroupTables)).all()
        assert [(r.id, r.status) for r in rows] == [(job_id, "finished")]  # the older one dropped
        stored = rows[0].tables
        assert stored is not None and stored["base"] == 200 and stored["threshold"] == 10
        by = {t["breakdown"]: t for t in stored["tables"]}
        assert set(by) == {"role", "type of organisation", "region"}
        assert by["region"]["merged"] == ["East Midlands", "Greater London"]
        cells = [cell for t in stored["tables"] for row in t["rows"] for cell in row]
        assert not small_figures(cells) and "[c]" in cells
        theme_set = theme_sets.theme_set_for(consultations.get_by_slug("taking-stock"), QUESTION)
        assert rows[0].inputs == theme_group_tables.review_digest(theme_set, 10)


def test_asking_again_while_current_or_running_queues_nothing(
    grouped: Flask, analyst_client: FlaskClient
) -> None:
    from consult.extensions import db
    from consult.models import ThemeGroupTables

    page = prepare(analyst_client)
    token = csrf_token(analyst_client.get(f"/officer/themes/{QUESTION}").data)
    assert "By role" in page
    response = analyst_client.post(f"{PAGE}/prepare", data={"csrf_token": token})
    assert response.status_code == 303
    with grouped.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(ThemeGroupTables)) == 1


def test_a_queue_that_cannot_be_reached_says_so(
    grouped: Flask, analyst_client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from consult.extensions import jobs

    def unreachable(*_args: object) -> None:
        raise ConnectionError("no Redis")

    monkeypatch.setattr(jobs, "enqueue", unreachable)
    page = analyst_client.get(PAGE)
    response = analyst_client.post(f"{PAGE}/prepare", data={"csrf_token": csrf_token(page.data)})
    assert response.status_code == 303
    shown = analyst_client.get(PAGE).get_data(as_text=True)
    assert "the job queue is not available" in shown and "Work out the tables" in shown


def test_while_the_job_waits_the_page_shows_its_progress_and_no_button(
    grouped: Flask, analyst_client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from consult.extensions import jobs

    queued: list[tuple[object, ...]] = []
    monkeypatch.setattr(jobs, "enqueue", lambda *args: queued.append(args))
    page = analyst_client.get(PAGE)
    analyst_client.post(f"{PAGE}/prepare", data={"csrf_token": csrf_token(page.data)})
    assert len(queued) == 1
    shown = analyst_client.get(PAGE).get_data(as_text=True)
    assert 'data-unfinished="yes"' in shown and "Waiting to start" in shown
    assert "run_progress.js" in shown and f'action="{PAGE}/prepare"' not in shown
    again = analyst_client.post(f"{PAGE}/prepare", data={"csrf_token": csrf_token(page.data)})
    assert again.status_code == 303 and len(queued) == 1  # one job on its way is enough


def test_a_job_whose_runner_stopped_is_marked_and_can_be_asked_for_again(
    grouped: Flask, analyst_client: FlaskClient
) -> None:
    from consult.data import consultations, theme_group_tables, theme_sets
    from consult.extensions import db

    with grouped.app_context():
        theme_set = theme_sets.theme_set_for(consultations.get_by_slug("taking-stock"), QUESTION)
        theme_group_tables.record_request(theme_set, "analyst@lga.example")
        db.session.commit()
        assert theme_group_tables.abandon_unfinished("Stopped: the server was stopped") == 1
        db.session.commit()
    shown = analyst_client.get(PAGE).get_data(as_text=True)
    assert "Stopped: the server was stopped" in shown and 'data-unfinished="no"' in shown
    assert "By role" in prepare(analyst_client)
