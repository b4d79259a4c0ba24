"""Shared fixtures: the app on a migrated database, SQLite and PostgreSQL alike.

Every test that takes `app` (or `client`, `runner`) runs once per database backend.
The schema comes from the Alembic migrations, never from `create_all`. PostgreSQL tests
use a database of their own, created for the run and dropped after it; set
CONSULT_TEST_POSTGRES_URL to point at a server (default: 127.0.0.1:5432, trust auth).
On CI an unreachable PostgreSQL or Redis fails the run instead of skipping
(`require_redis`). A test that starts other processes is marked `own_database` and gets a
fresh migrated database of its own (`own_database_url`).
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

TEST_SECRET = "test-secret-key-that-is-long-enough"
POSTGRES_ADMIN_URL = os.environ.get(
    "CONSULT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BACKENDS = ["sqlite", "postgresql"]


def _postgres_database() -> Iterator[str]:
    import sqlalchemy as sa

    name = f"consult_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except Exception as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required on CI and could not be reached: {exc}")
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    url = sa.engine.make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def migrated_database(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A new database of `backend` with the schema from the migrations; dropped afterwards."""
    from flask_migrate import upgrade

    from consult import create_app
    from consult.extensions import db

    if backend == "sqlite":
        urls: Iterator[str] = iter([f"sqlite:///{tmp_path_factory.mktemp('db') / 'consult.sqlite3'}"])
    else:
        urls = _postgres_database()
    url = next(urls)
    app = create_app(_test_config(url, tmp_path_factory.mktemp("instance")))
    with app.app_context():
        upgrade()
        # No idle connection of this set-up app stays open (a restore refuses a database in use).
        db.engine.dispose()
    yield url
    next(urls, None)


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated, empty database of each backend, shared by the tests of a session."""
    yield from migrated_database(request.param, tmp_path_factory)


@pytest.fixture
def own_database_url(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh migrated database of the test's backend, for this test alone.

    For tests that start other processes (gunicorn, a job worker): those open the database
    themselves, and must share no file, connection or lock with the rest of the session.
    Mark such a test `@pytest.mark.own_database` and its `app` uses one of these.
    """
    backend = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    yield from migrated_database(backend, tmp_path_factory)


def require_redis(url: str) -> Any:
    """A client of the Redis at `url`; without one the test is skipped, and fails on CI."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.RedisError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is required on CI and could not be reached: {exc}")
        pytest.skip(f"Redis not reachable: {exc}")
    return client


def pytest_configure(config: pytest.Config) -> None:
    # Never read a developer's instance/config.py or environment in tests.
    import tempfile

    os.environ["CONSULT_INSTANCE_PATH"] = tempfile.mkdtemp(prefix="consult-instance-")
    for name in ("CONSULT_DATABASE_URL", "CONSULT_SECRET_KEY", "CONSULT_ENV_NAME", "CONSULT_BASE_URL"):
        os.environ.pop(name, None)
    # The suite makes hundreds of apps, and each would compile every template it renders
    # again (a quarter of a theme-review test's time). Jinja's documented bytecode cache,
    # kept in this process's memory, compiles each template once per worker; a changed
    # template has a new checksum and is compiled afresh.
    from jinja2 import MemcachedBytecodeCache

    compiled_once = MemcachedBytecodeCache(_CompiledTemplates())
    Flask.jinja_options = {**Flask.jinja_options, "bytecode_cache": compiled_once}


class _CompiledTemplates:
    """The `get`/`set` store `MemcachedBytecodeCache` asks for, as a dict in memory."""

    def __init__(self) -> None:
        self._store: dict[str, bytes] = {}

    def get(self, key: str) -> bytes | None:
        return self._store.get(key)

    def set(self, key: str, value: bytes, timeout: int | None = None) -> None:
        self._store[key] = value


def _test_config(url: str, instance: Path) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SECRET_KEY": TEST_SECRET,
        "SQLALCHEMY_DATABASE_URI": url,
    }


def empty_database(app: Flask) -> None:
    """Delete every row, children first, keeping the migrated schema."""
    from consult.extensions import db

    with app.app_context():
        db.session.rollback()
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
        db.engine.dispose()


@pytest.fixture
def app(request: pytest.FixtureRequest, database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The app on a migrated database holding Taking Stock and nothing else (the session's
    database, or a fresh one of its own for a test marked `own_database`)."""
    from consult import create_app
    from consult.data import consultations
    from consult.extensions import db

    own = request.node.get_closest_marker("own_database") is not None
    url = request.getfixturevalue("own_database_url") if own else database_url
    app = create_app(_test_config(url, tmp_path / "instance"))
    with app.app_context():
        consultations.ensure_consultation("taking-stock")
        db.session.commit()
    try:
        yield app
    finally:
        empty_database(app)


@pytest.fixture
def backend(database_url: str) -> str:
    return "postgresql" if database_url.startswith("postgresql") else "sqlite"


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


def csrf_token(html: bytes | str) -> str:
    text = html.decode() if isinstance(html, bytes) else html
    match = re.search(r'name="csrf_token" value="([^"]+)"', text)
    assert match, "page has no CSRF token"
    return match.group(1)


def wait_for_jobs(app: Flask) -> None:
    """Wait for the background jobs `app` has queued so far (run in a thread of this process)."""
    assert app.extensions["consult_jobs"].wait(timeout=120), "a background job did not finish"


def issue_token(app: Flask, **details: str | None) -> str:
    """A new link token for Taking Stock; `details` are the invitation's fields."""
    from consult.data import consultations, links
    from consult.extensions import db

    with app.app_context():
        consultation = consultations.get_by_slug("taking-stock")
        assert consultation is not None
        token = links.issue_link(consultation, **details).token
        db.session.commit()
    return token


def shown_questions(html: bytes | str) -> list[str]:
    text = html.decode() if isinstance(html, bytes) else html
    return re.findall(r'name="shown" value="([^"]+)"', text)


def save_section(
    client: FlaskClient, section_id: str, answers: dict[str, str], action: str = "continue"
) -> Any:
    """Load a section page and post `answers` as a browser would (with CSRF and the shown list)."""
    page = client.get(f"/respond/section/{section_id}")
    assert page.status_code == 200, page.data[:500]
    data: dict[str, Any] = {
        "csrf_token": csrf_token(page.data),
        "shown": shown_questions(page.data),
        "action": action,
    }
    data.update(answers)
    return client.post(f"/respond/section/{section_id}", data=data)


def save_about(client: FlaskClient, answers: dict[str, str], action: str = "continue") -> Any:
    page = client.get("/respond/about")
    assert page.status_code == 200, page.data[:500]
    return client.post(
        "/respond/about", data={"csrf_token": csrf_token(page.data), "action": action, **answers}
    )


def submit(client: FlaskClient) -> Any:
    page = client.get("/respond/check")
    return client.post("/respond/check", data={"csrf_token": csrf_token(page.data)})


LEADER = {"role": "Leader", "organisation_type": "County", "region": "Wales"}


OFFICER_PASSWORD = "correct horse battery staple"


def add_officer(app: Flask, email: str = "officer@lga.example", role: str = "officer") -> str:
    """Create an account with OFFICER_PASSWORD; return its email."""
    from consult.data import officers
    from consult.models import OfficerRole

    with app.app_context():
        from consult.extensions import db

        officers.add_officer(email, OfficerRole(role), OFFICER_PASSWORD)
        db.session.commit()
    return email


def sign_in(client: FlaskClient, email: str, password: str = OFFICER_PASSWORD) -> Any:
    page = client.get("/sign-in")
    return client.post(
        "/sign-in", data={"csrf_token": csrf_token(page.data), "email": email, "password": password}
    )


@pytest.fixture
def officer_client(app: Flask, client: FlaskClient) -> FlaskClient:
    """A client signed in as an officer."""
    assert sign_in(client, add_officer(app)).status_code == 303
    return client


@pytest.fixture
def analyst_client(app: Flask) -> FlaskClient:
    """A client signed in as an analyst."""
    client = app.test_client()
    assert sign_in(client, add_officer(app, "analyst@lga.example", "analyst")).status_code == 303
    return client


def database_text(app: Flask, backend: str) -> str:
    """Everything the database holds, as text: for SQLite every page of the file (freed ones
    too) as SQLite itself serialises it after a checkpoint, for PostgreSQL a dump of the rows.

    The file is never opened outside SQLite: closing any descriptor of it would drop this
    process's locks on it (POSIX advisory locks are per process), which SQLite relies on.
    """
    from sqlalchemy import text

    from consult.extensions import db

    with app.app_context():
        db.session.commit()
        if backend == "sqlite":
            connection = db.engine.raw_connection()
            try:
                sqlite = connection.driver_connection
                sqlite.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
                return bytes(sqlite.serialize()).decode("latin-1")
            finally:
                connection.close()
        rows = []
        for table in db.metadata.sorted_tables:
            rows += [repr(tuple(r)) for r in db.session.execute(text(f'SELECT * FROM "{table.name}"'))]
        return "\n".join(rows)


# An invitation list of made-up people: name, email, organisation, role, type, region.
INVITEE_ROLES = ["Leader", "Chief executive"]
INVITEE_TYPES = ["District", "County", "Metropolitan", "London", "Unitary", "Welsh"]
INVITEE_REGIONS = ["East of England", "North West", "Wales", "Greater London", "South West"]


def invitee(i: int) -> list[str]:
    """Row `i` of a made-up invitation list, in the upload's column order."""
    return [
        f"Person {i}",
        f"person{i}@council{i % 350}.gov.uk",
        f"Council {i % 350}",
        INVITEE_ROLES[i % 2],
        INVITEE_TYPES[i % len(INVITEE_TYPES)],
        INVITEE_REGIONS[i % len(INVITEE_REGIONS)],
    ]
