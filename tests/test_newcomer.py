"""A newcomer following the README never gets stuck: the served address and BASE_URL agree,
a lost first link can be replaced, and a scripted client keeps its session on loopback."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask

from consult.cli import main
from consult.config import cookies_need_https
from consult.web.serving import serving_address, use_serving_address
from tests.conftest import TEST_SECRET, add_officer, csrf_token, issue_token

LINK = re.compile(r"(https?://[^/\s]+)(/sign-in/link/[A-Za-z0-9_-]{43})")


def test_serve_listens_where_a_local_base_url_says() -> None:
    address = serving_address("http://127.0.0.1:5700", None, None)
    assert (address.host, address.port, address.warning) == ("127.0.0.1", 5700, None)
    assert address.link_root == "http://127.0.0.1:5700"
    # Without BASE_URL (development), or with a site elsewhere behind a proxy: the defaults.
    development = serving_address(None, None, None)
    assert (development.host, development.port, development.link_root) == ("127.0.0.1", 5000, None)
    remote = serving_address("https://consult.example.gov.uk", None, 8000)
    assert (remote.host, remote.port, remote.link_root, remote.warning) == (
        "127.0.0.1",
        8000,
        "https://consult.example.gov.uk",
        None,
    )


def test_serve_on_another_port_warns_and_makes_working_links(app: Flask) -> None:
    address = serving_address("http://127.0.0.1:5000", None, 5700)
    assert address.port == 5700 and address.link_root == "http://127.0.0.1:5700"
    assert address.warning is not None
    assert "consult init --base-url http://127.0.0.1:5700" in address.warning
    assert "BASE_URL is http://127.0.0.1:5000" in address.warning
    from consult.web.public_url import base_url

    use_serving_address(app, address)
    with app.app_context():
        assert base_url() == "http://127.0.0.1:5700"
    # The same port, any loopback spelling: nothing to warn about.
    assert serving_address("http://localhost:5000", "localhost", 5000).warning is None
    assert serving_address("http://127.0.0.1:5000", "0.0.0.0", None).warning is None


def test_the_cookie_is_secure_except_for_plain_http_on_loopback() -> None:
    assert cookies_need_https("https://consult.example.gov.uk") is True
    assert cookies_need_https("https://127.0.0.1:5000") is True
    assert cookies_need_https("http://consult.example.gov.uk") is True
    assert cookies_need_https("http://127.0.0.1:5000") is False
    assert cookies_need_https("http://localhost:5700") is False
    assert cookies_need_https(None) is False  # development only: it serves loopback


def test_a_scripted_client_keeps_its_session_on_a_local_address(app: Flask) -> None:
    from consult import create_app

    local = create_app(
        {
            "SECRET_KEY": TEST_SECRET,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "BASE_URL": "http://127.0.0.1:5000",
        }
    )
    assert not local.testing and local.config["SESSION_COOKIE_SECURE"] is False
    opened = local.test_client().get(f"/r/{issue_token(app)}", base_url="http://127.0.0.1:5000")
    cookie = opened.headers["Set-Cookie"]
    assert "consult_session=" in cookie and "Secure" not in cookie and "HttpOnly" in cookie


def test_officers_link_replaces_a_lost_first_link(app: Flask) -> None:
    from consult.data import officers
    from consult.extensions import db
    from consult.models import OfficerRole

    with app.app_context():
        officers.add_officer("first@lga.example", OfficerRole.OFFICER)
        db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(main, ["officers", "link", "First@lga.example", "--base-url", "http://127.0.0.1:5700"])
    assert result.exit_code == 0, result.output
    root, path = LINK.findall(result.stdout)[0]
    assert root == "http://127.0.0.1:5700"
    client = app.test_client()
    assert client.get(path).headers["Location"].endswith("/account/password")
    unknown = runner.invoke(main, ["officers", "link", "nobody@lga.example"])
    assert unknown.exit_code == 1 and "There is no account for nobody@lga.example" in unknown.output
    add_officer(app, "gone@lga.example")
    assert runner.invoke(main, ["officers", "disable", "gone@lga.example"]).exit_code == 0
    disabled = runner.invoke(main, ["officers", "link", "gone@lga.example"])
    assert disabled.exit_code == 1 and "is disabled" in disabled.output


def test_init_writes_the_base_url_it_is_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A fresh checkout's own instance folder and SQLite file, as the README's "Run it" makes.
    monkeypatch.setenv("CONSULT_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("CONSULT_DATABASE_URL", f"sqlite:///{tmp_path / 'consult.sqlite3'}")
    runner = CliRunner()
    first = runner.invoke(main, ["init", "--base-url", "http://127.0.0.1:5700/"])
    assert first.exit_code == 0, first.output
    config = (tmp_path / "instance" / "config.py").read_text(encoding="utf-8")
    assert "BASE_URL = 'http://127.0.0.1:5700'" in config
    assert LINK.findall(first.output)[0][0] == "http://127.0.0.1:5700"
    assert "consult officers link officer@localhost" in first.output
    again = runner.invoke(main, ["init", "--base-url", "http://localhost:5800"])
    assert again.exit_code == 0, again.output
    config = (tmp_path / "instance" / "config.py").read_text(encoding="utf-8")
    assert config.count("BASE_URL =") == 1 and "BASE_URL = 'http://localhost:5800'" in config
    assert "SECRET_KEY" in config  # the rest of the file is kept
    bad = runner.invoke(main, ["init", "--base-url", "127.0.0.1:5700"])
    assert bad.exit_code == 1 and "must be an http(s) address" in bad.output


def test_the_set_password_page_shows_only_what_can_be_done(app: Flask) -> None:
    from consult.data import officers
    from consult.extensions import db
    from consult.models import OfficerRole

    with app.app_context():
        token = officers.create_sign_in_link(officers.add_officer("fresh@lga.example", OfficerRole.OFFICER))
        db.session.commit()
    client = app.test_client()
    client.get(f"/sign-in/link/{token}")
    page = client.get("/account/password").get_data(as_text=True)
    assert "Set your password" in page and "Sign out" in page
    # No officer menu: nothing else may be done yet.
    assert not any(f">{item}<" in page for item in ("Dashboard", "Themes", "Invitations", "Board report"))
    assert "govuk-service-navigation__list" not in page
    assert "The consultation team’s pages" in page  # the team's own footer
    assert "Your answers are stored without your name" not in page
    # Once a password is set, the pages carry the menu (so the checks above can fail).
    form = client.get("/account/password").get_data(as_text=True)
    saved = client.post(
        "/account/password",
        data={
            "csrf_token": csrf_token(form),
            "password": "a long new passphrase",
            "confirm": "a long new passphrase",
        },
    )
    assert saved.status_code == 303, saved.get_data(as_text=True)[-3000:]
    dashboard = client.get("/officer/").get_data(as_text=True)
    assert "govuk-service-navigation__list" in dashboard
