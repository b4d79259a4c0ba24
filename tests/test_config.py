"""Configuration order and the refusal to start without a real secret key."""

from __future__ import annotations

from pathlib import Path

import pytest

from consult import create_app


@pytest.fixture(autouse=True)
def empty_instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONSULT_INSTANCE_PATH", str(tmp_path))


def test_refuses_to_start_in_production_without_a_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "dev"})


def test_environment_overrides_instance_and_test_config_overrides_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CONSULT_SECRET_KEY", "from-the-environment-0123456789")
    monkeypatch.setenv("CONSULT_DATABASE_URL", "sqlite:///from-env.sqlite3")
    monkeypatch.setenv("CONSULT_SESSION_COOKIE_SECURE", "true")
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-the-environment-0123456789"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///from-env.sqlite3"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite://"


def test_development_runs_with_a_generated_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONSULT_ENV_NAME", "development")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SESSION_COOKIE_SECURE"] is False
    assert len(app.config["SECRET_KEY"]) >= 16
