"""The production configuration: ProxyFix hops, secure cookies, and a
gunicorn access log that never carries a link token or a query string."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from consult import create_app
from tests.conftest import TEST_SECRET
from tests.servers import http_request, running_gunicorn

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def empty_instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONSULT_INSTANCE_PATH", str(tmp_path))


def _production(monkeypatch: pytest.MonkeyPatch, hops: str | None) -> object:
    monkeypatch.setenv("CONSULT_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("CONSULT_DATABASE_URL", "sqlite://")
    monkeypatch.setenv("CONSULT_BASE_URL", "https://consult.example.gov.uk")
    monkeypatch.setenv("CONSULT_EXTRA_TRUSTED_HOSTS", "localhost")  # the test client's Host
    if hops is not None:
        monkeypatch.setenv("CONSULT_PROXY_FIX_HOPS", hops)
    app = create_app()

    @app.get("/_whoami")
    def whoami() -> dict[str, object]:
        from flask import request

        return {"addr": request.remote_addr, "scheme": request.scheme, "host": request.host}

    return app


def test_x_forwarded_for_is_honoured_only_for_the_configured_hops(monkeypatch: pytest.MonkeyPatch) -> None:
    app = _production(monkeypatch, "1")
    client = app.test_client()
    forwarded = {
        # The client forged the first entry; the one proxy we trust appended the real address.
        "X-Forwarded-For": "203.0.113.66, 198.51.100.7",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "consult.example.gov.uk",
    }
    seen = client.get("/_whoami", headers=forwarded, environ_base={"REMOTE_ADDR": "127.0.0.1"}).json
    assert seen == {"addr": "198.51.100.7", "scheme": "https", "host": "consult.example.gov.uk"}

    two = _production(monkeypatch, "2").test_client()
    seen = two.get("/_whoami", headers=forwarded, environ_base={"REMOTE_ADDR": "127.0.0.1"}).json
    assert seen["addr"] == "203.0.113.66"  # two trusted proxies: the second-last entry


def test_without_proxy_hops_forwarded_headers_are_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONSULT_PROXY_FIX_HOPS", raising=False)
    client = _production(monkeypatch, None).test_client()
    seen = client.get(
        "/_whoami",
        headers={"X-Forwarded-For": "203.0.113.66", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil"},
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    ).json
    assert seen == {"addr": "127.0.0.1", "scheme": "http", "host": "localhost"}


def test_proxy_hops_per_header_and_bad_values(monkeypatch: pytest.MonkeyPatch) -> None:
    app = _production(monkeypatch, '{"x_for": 2, "x_proto": 1, "x_host": 0}')
    seen = app.test_client().get(
        "/_whoami",
        headers={"X-Forwarded-For": "203.0.113.66, 198.51.100.7", "X-Forwarded-Proto": "https",
                 "X-Forwarded-Host": "evil.example"},
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    ).json  # fmt: skip
    assert seen == {"addr": "203.0.113.66", "scheme": "https", "host": "localhost"}
    monkeypatch.setenv("CONSULT_PROXY_FIX_HOPS", '{"x_forwarded": 1}')
    with pytest.raises(RuntimeError, match="PROXY_FIX_HOPS"):
        create_app()


def test_production_cookies_are_secure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONSULT_SESSION_COOKIE_SECURE", raising=False)
    app = _production(monkeypatch, "1")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    response = app.test_client().get(
        "/sign-in", headers={"X-Forwarded-Proto": "https"}, base_url="https://localhost"
    )
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_gunicorn_access_log_never_carries_a_token_or_query(tmp_path: Path) -> None:
    """gunicorn with deploy/gunicorn.conf.py: no token (a respondent's link or an officer's
    one-time sign-in link) and no query string reaches a log."""
    from flask_migrate import upgrade

    from consult.data import consultations, links, officers
    from consult.extensions import db
    from consult.models import OfficerRole

    database = f"sqlite:///{tmp_path / 'consult.sqlite3'}"
    app = create_app({"SECRET_KEY": TEST_SECRET, "SQLALCHEMY_DATABASE_URI": database, "TESTING": True})
    with app.app_context():
        upgrade()
        consultation, _ = consultations.ensure_consultation("taking-stock")
        token = links.issue_link(consultation).token
        officer = officers.add_officer("log.officer@lga.example", OfficerRole.OFFICER)
        sign_in_token = officers.create_sign_in_link(officer)
        db.session.commit()
        db.engine.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONSULT_", "GUNICORN_"))}
    env.update(
        CONSULT_SECRET_KEY=TEST_SECRET,
        CONSULT_DATABASE_URL=database,
        CONSULT_BASE_URL="http://127.0.0.1:8000",
        CONSULT_INSTANCE_PATH=str(tmp_path / "instance"),
        GUNICORN_WORKERS="1",
    )
    access_log, error_log = tmp_path / "access.log", tmp_path / "error.log"
    with running_gunicorn(env, tmp_path) as port:
        assert http_request(port, "GET", f"/r/{token}")[0] == 303
        assert http_request(port, "GET", f"/r/{token}?utm_source=secret-query")[0] == 303
        assert http_request(port, "GET", f"/r/{token[:-1]}")[0] == 404
        assert http_request(port, "GET", "/respond/?email=someone@example.org")[0] == 401
        assert http_request(port, "GET", f"/sign-in/link/{sign_in_token}")[0] == 303
        assert http_request(port, "GET", f"/sign-in/link/{sign_in_token}")[0] == 404  # used: spent
    log = access_log.read_text(encoding="utf-8") + error_log.read_text(encoding="utf-8")
    assert log.count("/r/[link]") == 3, log
    assert log.count("/sign-in/link/[link]") == 2, log
    assert token not in log and token[:-1] not in log and token[:20] not in log
    assert sign_in_token not in log and sign_in_token[:20] not in log
    assert "secret-query" not in log and "someone@example.org" not in log
    assert '"GET /respond/ HTTP/1.1" 401' in log


def test_several_gunicorn_workers_without_a_shared_store_refuse_to_start(tmp_path: Path) -> None:
    """Rate limits in each worker's memory would multiply every limit: the server says so and stops."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONSULT_", "GUNICORN_"))}
    env.update(
        CONSULT_SECRET_KEY=TEST_SECRET,
        CONSULT_DATABASE_URL=f"sqlite:///{tmp_path / 'consult.sqlite3'}",
        CONSULT_BASE_URL="http://127.0.0.1:8000",
        CONSULT_INSTANCE_PATH=str(tmp_path / "instance"),
        PYTHONPATH=str(ROOT),
    )
    error_log = tmp_path / "error.log"
    command = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
               "--bind", "127.0.0.1:0", "--workers", "2", "--error-logfile", str(error_log),
               "consult:create_app()"]  # fmt: skip
    finished = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert finished.returncode != 0
    said = error_log.read_text() + finished.stderr
    assert "will not start 2 server processes with rate limits kept in each process's memory" in said
    assert "CONSULT_RATE_LIMIT_STORAGE_URL" in said


def test_an_app_told_it_shares_the_work_needs_a_shared_store(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONSULT_SERVER_PROCESSES", "3")
    settings = {"TESTING": True, "SECRET_KEY": TEST_SECRET, "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    with pytest.raises(RuntimeError, match="3 server processes"):
        create_app(dict(settings))
    app = create_app({**settings, "RATE_LIMIT_STORAGE_URL": "redis://127.0.0.1:6379/1"})
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/1"
    monkeypatch.setenv("CONSULT_SERVER_PROCESSES", "1")  # `consult serve`: one process, memory is right
    assert create_app(dict(settings)).config["RATELIMIT_STORAGE_URI"] == "memory://"
