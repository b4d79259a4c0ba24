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
    monkeypatch.setenv("CONSULT_BASE_URL", "https://consult.example.gov.uk/")
    app = create_app()
    assert app.config["BASE_URL"] == "https://consult.example.gov.uk"
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


def test_refuses_to_start_in_production_without_a_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = {"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "a-real-secret-key-0123456789"}
    with pytest.raises(RuntimeError, match="BASE_URL"):
        create_app(dict(settings))
    for bad in ("consult.example.gov.uk", "ftp://consult.example.gov.uk", "https://", "https://x.example/?a=1"):
        with pytest.raises(RuntimeError, match="BASE_URL"):
            create_app({**settings, "BASE_URL": bad})
    app = create_app({**settings, "BASE_URL": "https://consult.example.gov.uk"})
    assert app.config["TRUSTED_HOSTS"] == ["consult.example.gov.uk"]


def test_only_the_base_url_host_and_extras_are_served(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONSULT_EXTRA_TRUSTED_HOSTS", "consult.internal, health.internal")
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "SECRET_KEY": "a-real-secret-key-0123456789",
            "BASE_URL": "https://consult.example.gov.uk",
        }
    )
    client = app.test_client()
    for host, status in [
        ("consult.example.gov.uk", 200),
        ("consult.example.gov.uk:443", 200),
        ("health.internal", 200),
        ("evil.example", 400),
        ("consult.example.gov.uk.evil.example", 400),
        ("localhost", 400),  # loopback names are trusted in development only
    ]:
        assert client.get("/healthz", headers={"Host": host}).status_code == status, host


def test_development_serves_loopback_names_on_any_port() -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "ENV_NAME": "development"})
    client = app.test_client()
    assert client.get("/healthz", headers={"Host": "127.0.0.1:5000"}).status_code == 200
    assert client.get("/healthz", headers={"Host": "localhost:8123"}).status_code == 200
    assert client.get("/healthz", headers={"Host": "evil.example"}).status_code == 400
