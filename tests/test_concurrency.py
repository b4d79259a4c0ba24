"""Concurrent saves through one link, from several processes, never mix two saves."""

from __future__ import annotations

import multiprocessing

from flask import Flask

from consult.data import responses
from consult.extensions import db
from consult.models import Response
from tests.conftest import TEST_SECRET, csrf_token, issue_token, shown_questions

WORKERS = 4
SAVES_EACH = 20
TEXT_QUESTIONS = ("q3", "q4", "q5", "q6")
Q1_OPTIONS = ("Yes, they are still all relevant exactly as they are", "Don't know")


def _save_repeatedly(
    url: str, token: str, worker: int, start: multiprocessing.synchronize.Barrier
) -> list[int]:
    from consult import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": TEST_SECRET, "SQLALCHEMY_DATABASE_URI": url})
    client = app.test_client()
    assert client.get(f"/r/{token}").status_code == 303
    page = client.get("/respond/section/principles")
    base = {"csrf_token": csrf_token(page.data), "shown": shown_questions(page.data), "action": "continue"}
    statuses = []
    start.wait()
    for i in range(SAVES_EACH):
        marker = f"worker {worker} save {i} " + "✓" * (i % 3)
        data = {**base, "q1": Q1_OPTIONS[(worker + i) % 2], **{q: f"{q}: {marker}" for q in TEXT_QUESTIONS}}
        statuses.append(client.post("/respond/section/principles", data=data).status_code)
    return statuses


def test_concurrent_saves_through_one_link_are_never_mixed(app: Flask, database_url: str) -> None:
    token = issue_token(app)
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        start = manager.Barrier(WORKERS)
        with context.Pool(WORKERS) as pool:
            results = pool.starmap(
                _save_repeatedly, [(database_url, token, w, start) for w in range(WORKERS)]
            )
    statuses = [s for worker in results for s in worker]
    assert statuses == [303] * (WORKERS * SAVES_EACH), (
        "every save must succeed (no locked database, no errors)"
    )
    with app.app_context():
        response = db.session.scalars(db.select(Response)).one()  # one response for one link
        assert response.version == WORKERS * SAVES_EACH
        stored = responses.answers(response)
    markers = {stored[q].split(": ", 1)[1] for q in TEXT_QUESTIONS}
    assert len(markers) == 1, f"a stored response mixes saves: {stored}"
    worker, i = (int(n) for n in markers.pop().split()[1:4:2])
    assert stored["q1"] == Q1_OPTIONS[(worker + i) % 2]
