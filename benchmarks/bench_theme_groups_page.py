"""Response time of the "Themes by group" review page, and of the job that prepares its tables.

    .venv/bin/python benchmarks/bench_theme_groups_page.py [--answers 2400] [--themes 12] [--runs 7]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Builds a migrated database (a temporary SQLite file, or a new database on the PostgreSQL
server given) holding that many submitted responses to Q3 with a reviewed theme set: the
respondents' roles, organisation types and regions and the answers' themes drawn as
`bench_theme_groups.py` draws them (skewed, so that groups are merged and cells hidden).
Where the page prepares its tables in a background job, the job is asked for and timed
first (run here, in this process). Then the page is timed through the app (a signed-in
analyst's GET, rendering included, no network): median and slowest of --runs requests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import secrets
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_theme_groups import assignments  # noqa: E402
from bench_theme_review import _app, _timed  # noqa: E402


def seed(app: Any, answers: int, themes: int) -> None:
    """Insert the responses, their answers to q3 and a reviewed theme set of `themes` themes."""
    from sqlalchemy import insert, select

    from consult.data import consultations
    from consult.data.clock import today
    from consult.extensions import db
    from consult.models import Answer, Response, Theme, ThemeAnswer, ThemeAnswerTheme, ThemeSet

    rows = assignments(answers, themes, seed=1)
    people = rows.drop_duplicates("response_id")
    with app.app_context():
        consultation = consultations.get_by_slug("taking-stock")
        day = today()
        public = {r: secrets.token_hex(8) for r in people["response_id"]}
        db.session.execute(
            insert(Response),
            [
                dict(
                    consultation_id=consultation.id,
                    public_id=public[p.response_id],
                    key_hash=secrets.token_hex(32),
                    status="submitted",
                    channel="web",
                    origin="self_service",
                    role=p.role,
                    organisation_type=p.organisation_type,
                    region=p.region,
                    consent_to_be_named=False,
                    version=1,
                    started_on=day,
                    updated_on=day,
                    submitted_on=day,
                    has_unsubmitted_changes=False,
                )
                for p in people.itertuples()
            ],
        )
        row_of = dict(db.session.execute(select(Response.public_id, Response.id)).all())
        db.session.execute(
            insert(Answer),
            [
                {"response_id": row_of[public[r]], "stage": "submitted", "question_id": "q3", "value": "Text"}
                for r in people["response_id"]
            ],
        )
        now = dt.datetime.now(dt.UTC)
        theme_set = ThemeSet(
            consultation_id=consultation.id, question_id="q3", engine="core", settings={},
            answers_included=answers, created_at=now, run_at=now, status="reviewed", version=2,
        )  # fmt: skip
        db.session.add(theme_set)
        db.session.flush()
        ids = []
        for position in range(themes):
            theme = Theme(
                theme_set_id=theme_set.id, name=f"Theme {position + 1}", key_terms=[],
                position=position, origin="machine",
            )  # fmt: skip
            db.session.add(theme)
            db.session.flush()
            ids.append(theme.id)
        db.session.execute(
            insert(ThemeAnswer),
            [
                {"theme_set_id": theme_set.id, "response_public_id": public[r], "state": "reviewed"}
                for r in people["response_id"]
            ],
        )
        answer_of = dict(db.session.execute(select(ThemeAnswer.response_public_id, ThemeAnswer.id)).all())
        db.session.execute(
            insert(ThemeAnswerTheme),
            [
                {"theme_answer_id": answer_of[public[r]], "theme_id": ids[int(t)]}
                for r, t in zip(rows["response_id"], rows["theme_id"], strict=True)
            ],
        )
        db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=2_400)
    parser.add_argument("--themes", type=int, default=12)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--postgres", help="an admin URL of a PostgreSQL server; SQLite if not given")
    args = parser.parse_args()

    from tests.conftest import add_officer, csrf_token, sign_in

    page = "/officer/themes/q3/by-group"
    with tempfile.TemporaryDirectory(prefix="bench-theme-groups-") as folder:
        app, drop = _app(Path(folder), args.postgres)
        try:
            seed(app, args.answers, args.themes)
            print(
                f"database: {'PostgreSQL' if args.postgres else 'SQLite'}; {args.answers:,} answers to Q3 "
                f"in {args.themes} themes"
            )
            add_officer(app, "analyst@lga.example", "analyst")
            client = app.test_client()
            sign_in(client, "analyst@lga.example")
            first = client.get(page)
            assert first.status_code == 200
            if re.search(r'action="[^"]*/by-group/prepare"', first.data.decode()):
                start = time.perf_counter()
                response = client.post(f"{page}/prepare", data={"csrf_token": csrf_token(first.data)})
                assert response.status_code == 303, response.status_code
                assert app.extensions["consult_jobs"].wait(timeout=600)
                took = time.perf_counter() - start
                print(f"preparing the tables (request, queue and the job, here in a thread): {took:.2f} s")
            shown = client.get(page).data.decode()
            assert "By role" in shown, "the page shows no tables"
            median, worst = _timed(lambda: client.get(page), args.runs)
            print(f"GET {page}: median {median * 1000:.0f} ms, slowest {worst * 1000:.0f} ms", end="")
            print(f" ({args.runs} requests)")
        finally:
            if drop is not None:
                drop()


if __name__ == "__main__":
    main()
