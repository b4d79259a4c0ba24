"""The themes-by-group review page: right counts, merged small groups, no figure from 1 to 9."""

from __future__ import annotations

import html
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.theme_groups_seed import FUNDING, QUESTION, RARE, seed_reviewed_themes, truth


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


def test_page_shows_counts_by_role_with_shares(grouped: Flask, analyst_client: FlaskClient) -> None:
    response = analyst_client.get(f"/officer/themes/{QUESTION}/by-group")
    assert response.status_code == 200
    rows = {row[0]: row for row in table_cells(response.get_data(as_text=True)) if row}
    header = next(row for row in table_cells(response.get_data(as_text=True)) if row and row[0] == "Group")
    funding = header.index(FUNDING)
    count, base = truth()[("Leader", FUNDING)]
    assert rows["Leader"][1] == f"{base}"
    assert rows["Leader"][funding] == f"{count} ({100 * count / base:.1f}%)"
    assert rows["All respondents"][1] == "200"


def test_no_figure_from_1_to_9_and_small_groups_combined(grouped: Flask, analyst_client: FlaskClient) -> None:
    page = analyst_client.get(f"/officer/themes/{QUESTION}/by-group").get_data(as_text=True)
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


def test_the_theme_report_a_run_makes_gives_themes_by_group(app: Flask, analyst_client: FlaskClient) -> None:
    from consult.extensions import db
    from consult.models import Origin, ThemeRun
    from tests.test_dashboard import add_response
    from tests.test_theme_jobs import start_run, topic_answer, wait_embedded

    for i in range(40):
        role, region = ("Leader", "Wales") if i % 2 else ("Chief executive", "North East")
        profile = {"role": role, "organisation_type": "County", "region": region}
        add_response(app, origin=Origin.SELF_SERVICE, profile=profile, answers={QUESTION: topic_answer(i)})
    run_id = start_run(analyst_client, fmt="html")
    wait_embedded(app)
    with app.app_context():
        run = db.session.get(ThemeRun, run_id)
        assert run is not None and run.report is not None
        page = run.report.decode("utf-8")
    assert "raising each theme, by role" in page
    cells = [cell for row in table_cells(page) for cell in row]
    assert "Leader" in cells and "Chief executive" in cells
    assert not small_figures(cells)
