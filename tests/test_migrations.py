"""The schema comes from the migrations: they build exactly what the models describe, both ways."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import BACKENDS, _postgres_database, _test_config


@pytest.fixture(params=BACKENDS)
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database, not migrated."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        return
    urls = _postgres_database()
    yield next(urls)
    next(urls, None)


def test_migrations_match_the_models_and_go_down_and_up(fresh_url: str, tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from flask_migrate import downgrade, upgrade

    from consult import create_app
    from consult.extensions import db

    app = create_app(_test_config(fresh_url, tmp_path / "instance"))
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, db.metadata) == []
            columns = {c["name"] for c in sa.inspect(connection).get_columns("response")}
            tables = set(sa.inspect(connection).get_table_names())
        assert "draft_profile" in columns
        assert {"theme_set", "theme", "theme_answer", "theme_answer_theme", "theme_run"} <= tables
        downgrade(revision="0001")
        with db.engine.connect() as connection:
            columns = {c["name"] for c in sa.inspect(connection).get_columns("response")}
            tables = set(sa.inspect(connection).get_table_names())
        assert "draft_profile" not in columns and "region" in columns
        assert "theme_set" not in tables and "theme_run" not in tables
        upgrade()
        db.engine.dispose()
