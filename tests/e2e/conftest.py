"""End-to-end fixtures: the real app on a migrated SQLite file, served over HTTP to Chromium.

The server is Werkzeug's threaded server with the app's own token-redacting request
handler, as `consult serve` runs it; its request log goes to a file that tests read. One
server and one browser serve the whole module; every test gets an emptied database and a
new browser context (cookies, cache) of its own.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.browser import chromium
from tests.servers import migrated_app, serving_in_thread

LEADER = {"role": "Leader", "organisation_type": "County", "region": "Wales"}
CONTACT = {
    "name": "Ann Example-Leader",
    "email": "ann.leader@anytown.example",
    "organisation": "Anytown Borough Council",
}


@dataclass
class LiveServer:
    app: Flask
    url: str
    database: Path
    log_file: Path

    def link(self, **details: str | None) -> str:
        """A new respondent link (full URL) for Taking Stock; `details` go on the invitation."""
        from consult.data import consultations, links
        from consult.extensions import db

        with self.app.app_context():
            consultation = consultations.get_by_slug("taking-stock")
            assert consultation is not None
            token = links.issue_link(consultation, **details).token
            db.session.commit()
        return f"{self.url}/r/{token}"

    def log(self) -> str:
        for handler in logging.getLogger("werkzeug").handlers:
            handler.flush()
        return self.log_file.read_text(encoding="utf-8")

    def export(self) -> list[dict[str, str]]:
        """The anonymised response-level export rows, as `consult export responses` makes them."""
        from consult.data import consultations
        from consult.data.export import response_rows

        with self.app.app_context():
            consultation = consultations.get_by_slug("taking-stock")
            assert consultation is not None
            return response_rows(consultation, consultations.questionnaire_of(consultation))

    def set_dates(self, opens_on: dt.date, closes_on: dt.date) -> None:
        from consult.data import consultations
        from consult.extensions import db

        with self.app.app_context():
            consultation = consultations.get_by_slug("taking-stock")
            assert consultation is not None
            consultations.set_dates(consultation, opens_on, closes_on)
            db.session.commit()

    def reset(self) -> None:
        """Empty every response, invitation and the log; reopen the consultation from today."""
        from consult.data.clock import today
        from consult.extensions import db
        from consult.models import Answer, Invitation, Response

        self.log()  # flush, then empty: the handler appends, so it carries on at the start
        self.log_file.write_text("", encoding="utf-8")
        with self.app.app_context():
            for model in (Answer, Response, Invitation):
                db.session.execute(db.delete(model))
            db.session.commit()
        self.set_dates(today() - dt.timedelta(days=7), today() + dt.timedelta(weeks=12))


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("e2e")
    database = folder / "consult.sqlite3"
    app = migrated_app(database)  # the schema from the migrations, as in production
    assert app.config["SESSION_COOKIE_SECURE"] is False

    # Werkzeug's request log, captured where a test can read it back.
    log_file = folder / "server.log"
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    loggers = [logging.getLogger("werkzeug"), app.logger]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)

    try:
        with serving_in_thread(app) as url:
            yield LiveServer(app, url, database, log_file)
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)
        handler.close()


@pytest.fixture
def server(live_server: LiveServer) -> LiveServer:
    """The live server with an empty response list and an open consultation."""
    live_server.reset()
    return live_server


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as browser:
        yield browser


@pytest.fixture
def new_context(browser: Any) -> Iterator[Any]:
    """Make browser contexts (separate cookie jars); all are closed after the test."""
    made: list[Any] = []

    def make(**options: Any) -> Any:
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()


@pytest.fixture
def page(new_context: Any) -> Any:
    return new_context().new_page()
