"""Response times of the theme review pages at 10,000 answers to one question.

    .venv/bin/python benchmarks/bench_theme_review.py [--answers 10000] [--runs 7]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Builds a migrated database (a temporary SQLite file, or a new database on the PostgreSQL
server given), inserts that many submitted answers to Q3, finds their themes with the real
job (timed too), reviews a few answers, then times each review page through the app (a
signed-in analyst's request, rendering included, no network) and prints the median and
the slowest of --runs requests. Target: every page under 1 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _app(folder: Path, postgres: str | None):
    if postgres is None:
        from tests.servers import migrated_app

        return migrated_app(folder / "consult.sqlite3"), None
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from consult import create_app
    from consult.data import consultations
    from consult.extensions import db
    from tests.conftest import TEST_SECRET

    name = f"consult_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.engine.make_url(postgres).set(database=name).render_as_string(hide_password=False)
    app = create_app({"ENV_NAME": "development", "SECRET_KEY": TEST_SECRET, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        consultations.ensure_consultation("taking-stock")
        db.session.commit()

    def drop() -> None:
        with app.app_context():
            db.engine.dispose()
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return app, drop


def _timed(call: Callable[[], object], runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--postgres", help="an admin URL of a PostgreSQL server; SQLite if not given")
    args = parser.parse_args()

    from consult.data import consultations, theme_listing, theme_runs, theme_sets
    from consult.extensions import db
    from consult.jobs.theme_job import run_theme_job
    from consult.models import ThemeAnswer
    from tests.conftest import add_officer, csrf_token, sign_in
    from tests.theme_seed import insert_submitted_answers

    with tempfile.TemporaryDirectory(prefix="bench-theme-review-") as folder:
        app, drop = _app(Path(folder), args.postgres)
        try:
            start = time.perf_counter()
            insert_submitted_answers(app, "q3", args.answers, seed=1)
            print(f"database: {'PostgreSQL' if args.postgres else 'SQLite'}; {args.answers:,} answers to Q3 "
                  f"inserted in {time.perf_counter() - start:.1f} s")
            with app.app_context():
                consultation = consultations.get_by_slug("taking-stock")
                run = theme_runs.record_run(
                    consultation, "q3", ["q3"], engine="core", settings={"engine": "core"},
                    report_format="json", requested_by=None,
                )  # fmt: skip
                db.session.commit()
                start = time.perf_counter()
                run_theme_job(run.id)
                took = time.perf_counter() - start
                print(f"theme run (the background job: read, find themes, store): {took:.1f} s")
                counts = theme_listing.theme_counts(theme_sets.theme_set_for(consultation, "q3"))
                biggest = max(counts, key=lambda c: c.count)
                print(f"{len(counts)} themes; the largest, timed below, has {biggest.count:,} answers")
                theme_id = biggest.theme.id
                public_id = db.session.scalars(db.select(ThemeAnswer.response_public_id).limit(1)).one()

            add_officer(app, "analyst@lga.example", "analyst")
            client = app.test_client()
            sign_in(client, "analyst@lga.example")
            pages = {
                "themes index (questions, sets, runs)": "/officer/themes",
                "theme set overview (counts, states)": "/officer/themes/q3",
                "one theme, page 1": f"/officer/themes/q3/themes/{theme_id}",
                "one theme, page 20": f"/officer/themes/q3/themes/{theme_id}?page=20",
                "one theme, search two words": f"/officer/themes/q3/themes/{theme_id}?words=peer+councils",
                "all answers, page 250": "/officer/themes/q3/answers?page=250",
                "all answers, search": "/officer/themes/q3/answers?words=funding",
                "unthemed answers": "/officer/themes/q3/answers?show=unthemed",
                "one answer": f"/officer/themes/q3/answers/{public_id}",
            }
            print(f"\n{'page':<40} {'median':>9} {'slowest':>9}   (ms, {args.runs} requests each)")
            for label, path in pages.items():
                assert client.get(path).status_code == 200, path
                median, worst = _timed(lambda path=path: client.get(path), args.runs)
                print(f"{label:<40} {median * 1000:>9.0f} {worst * 1000:>9.0f}")

            answer_page = f"/officer/themes/q3/answers/{public_id}"

            def save_answer() -> None:
                page = client.get(answer_page).data.decode()
                version = int(page.split('name="version" value="')[1].split('"')[0])
                flag = "" if 'name="flag" value="identifying" id="flag-2" checked' in page else "identifying"
                response = client.post(
                    answer_page,
                    data={"csrf_token": csrf_token(page), "version": version, "quote": "no", "flag": flag},
                )
                assert response.status_code == 303, response.data[:300]

            median, worst = _timed(save_answer, args.runs)
            print(f"{'save an answer (GET form + POST)':<40} {median * 1000:>9.0f} {worst * 1000:>9.0f}")
        finally:
            if drop is not None:
                drop()


if __name__ == "__main__":
    main()
