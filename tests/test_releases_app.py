"""The release record in the app's database: every prepared file is a release, listed on the
dashboard, and a later one (after late responses, or from the command line on the database
URL) is protected together with the earlier ones, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from analysis.cli import main
from analysis.counts.counting import count_responses
from analysis.loading import load_database
from analysis.releases.publish import with_counts_release
from analysis.releases.store import DatabaseReleases
from consult.extensions import db
from consult.models import Consultation, Release
from tests.analysis.builders import QUESTIONNAIRE
from tests.analysis.disclosure_audit import narrowed_across_releases
from tests.analysis.test_disclosure import _store
from tests.analysis.test_releases import base_rows, late_rows
from tests.prepared import request_download, wait_for_jobs


def _releases(app: Flask) -> list[Release]:
    with app.app_context():
        return list(db.session.scalars(db.select(Release).order_by(Release.number)))


def test_each_prepared_file_is_a_release_listed_on_the_dashboard(
    app: Flask, officer_client: FlaskClient
) -> None:
    _store(app, base_rows())
    request_download(officer_client, "counts", "csv")
    wait_for_jobs(app)
    request_download(officer_client, "board-report", "html", page="/officer/board-report")
    wait_for_jobs(app)
    made = _releases(app)
    assert [(r.number, r.output, r.format) for r in made] == [
        (1, "counts", "csv"),
        (2, "board-report", "html"),
    ]
    assert all(r.made_by == "officer@lga.example" and r.responses == len(base_rows()) for r in made)
    page = officer_client.get("/officer/").get_data(as_text=True)
    assert 'id="releases"' in page
    assert "Counts (CSV)" in page and "Board report (HTML)" in page


def _with_record(database_url: str, by: tuple[str, ...]):
    """Count from the database against its record, and record the release (as the CLI does)."""
    import sqlalchemy as sa

    loaded = load_database(database_url)
    engine = sa.create_engine(database_url)
    try:
        with engine.begin() as conn:
            cid = conn.execute(sa.text("SELECT id FROM consultation")).scalar_one()
            store = DatabaseReleases(conn, cid, "taking-stock")
            record = store.read(QUESTIONNAIRE)
            result = count_responses(loaded, by=by, releases=record)
            store.save(with_counts_release(result, output="counts", fmt="csv", file="c.csv"))
    finally:
        engine.dispose()
    return result, loaded


def test_late_responses_in_the_database_are_protected_with_its_record(app: Flask, database_url: str) -> None:
    _store(app, base_rows())
    first, _ = _with_record(database_url, ("region", "role"))
    _store(app, late_rows())
    second, loaded1 = _with_record(database_url, ("region", "role"))
    assert second.releases["responses_arrived"] == len(late_rows())
    late_ids = {r["response_id"] for r in late_rows()}
    responses = loaded1.responses
    frames = [
        responses[~responses["response_id"].isin(late_ids)].reset_index(drop=True),
        responses[responses["response_id"].isin(late_ids)].reset_index(drop=True),
    ]
    assert narrowed_across_releases([(first, 0), (second, 1)], frames, QUESTIONNAIRE) == []
    assert [r.number for r in _releases(app)] == [1, 2]


def test_the_command_line_on_the_database_url_uses_its_record(
    app: Flask, database_url: str, tmp_path
) -> None:
    _store(app, base_rows())
    runner = CliRunner()
    first = runner.invoke(main, ["counts", database_url, "--by", "region", "--out", str(tmp_path / "a.csv")])
    assert first.exit_code == 0, first.output
    assert "only this output is protected" not in first.stderr
    refused = runner.invoke(
        main,
        ["counts", database_url, "--releases", str(tmp_path / "r.json"), "--out", str(tmp_path / "b.csv")],
    )
    assert refused.exit_code == 1 and "a database keeps its own release record" in refused.stderr
    second = runner.invoke(
        main, ["counts", database_url, "--by", "role", "--threshold", "15", "--out", str(tmp_path / "c.csv")]
    )
    assert second.exit_code == 0, second.output
    made = _releases(app)
    assert [(r.number, r.threshold, r.made_by) for r in made] == [
        (1, 10, "command line"),
        (2, 15, "command line"),
    ]
    with app.app_context():
        assert db.session.scalar(db.select(Consultation.slug)) == "taking-stock"
