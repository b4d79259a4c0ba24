"""Absolute links come from BASE_URL only; a request naming another host is refused."""

from __future__ import annotations

import csv
import io
import re
import uuid

from flask import Flask
from flask.testing import FlaskClient

from consult import create_app
from consult.cli import main
from tests.conftest import TEST_SECRET, add_officer, csrf_token, invitee, sign_in, wait_for_jobs
from tests.mailserver import MailServer, mail_server, plain_text
from tests.test_invitations import csv_bytes, upload
from tests.test_mail import send_invitations

__all__ = ["mail_server"]

SITE = "https://consult.example.gov.uk"
LINK = re.compile(r"(https?://[^/\s\"'<>]+)/(?:r|sign-in/link)/[A-Za-z0-9_-]{43}")


def production_app(app: Flask, mail_server: MailServer) -> Flask:
    """The app with production settings on the test database, its site at SITE."""
    production = create_app(
        {
            "SECRET_KEY": TEST_SECRET,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "BASE_URL": SITE,
            "EXTRA_TRUSTED_HOSTS": ["internal.example"],
        }
    )
    mail_server.configure(production)
    production.config["BASE_URL"] = SITE
    return production


def hosts_in(text: str) -> set[str]:
    return set(LINK.findall(text))


def ask_for_link(client: FlaskClient, email: str, host: str) -> object:
    page = client.get("/get-a-link", base_url=f"https://{host}")
    if page.status_code != 200:
        return page
    response = client.post(
        "/get-a-link",
        data={"csrf_token": csrf_token(page.data), "email": email},
        base_url=f"https://{host}",
    )
    wait_for_jobs(client.application)  # the email is sent by a background job
    return response


def test_get_a_link_with_a_forged_host_is_refused_and_sends_nothing(
    app: Flask, mail_server: MailServer
) -> None:
    production = production_app(app, mail_server)
    client = production.test_client()
    email = f"victim.{uuid.uuid4().hex[:6]}@example.org"
    page = client.get("/get-a-link", base_url=f"https://{SITE.split('//')[1]}")
    token = csrf_token(page.data)
    for host in ("evil.example", "evil.example:443", "consult.example.gov.uk.evil.example"):
        refused = client.post(
            "/get-a-link", data={"csrf_token": token, "email": email}, headers={"Host": host}, base_url=SITE
        )
        assert refused.status_code == 400, host
    assert mail_server.messages == []
    # Without PROXY_FIX_HOPS a forwarded host is ignored: the link is still the site's.
    sent = client.post(
        "/get-a-link",
        data={"csrf_token": token, "email": email},
        headers={"X-Forwarded-Host": "evil.example"},
        base_url=SITE,
    )
    assert sent.status_code == 200
    wait_for_jobs(production)
    (message,) = mail_server.messages
    assert hosts_in(plain_text(message)) == {SITE} and "evil.example" not in message.as_string()


def test_the_emailed_link_takes_the_base_url_whatever_host_the_request_named(
    app: Flask, mail_server: MailServer
) -> None:
    production = production_app(app, mail_server)
    response = ask_for_link(
        production.test_client(), f"a.{uuid.uuid4().hex[:6]}@example.org", "internal.example"
    )
    assert response.status_code == 200
    (message,) = mail_server.messages
    assert hosts_in(plain_text(message)) == {SITE}


def test_development_refuses_a_forged_host_too(
    app: Flask, client: FlaskClient, mail_server: MailServer
) -> None:
    app.config["BASE_URL"] = None  # development without a base URL: the loopback names only
    page = client.get("/get-a-link")
    refused = client.post(
        "/get-a-link",
        data={"csrf_token": csrf_token(page.data), "email": "x@example.org"},
        headers={"Host": "evil.example"},
    )
    assert refused.status_code == 400 and mail_server.messages == []
    sent = client.post("/get-a-link", data={"csrf_token": csrf_token(page.data), "email": "x@example.org"})
    assert sent.status_code == 200
    wait_for_jobs(app)
    assert hosts_in(plain_text(mail_server.messages[0])) == {"http://localhost"}


def test_invitations_mail_merge_and_printed_links_take_the_base_url(
    app: Flask, officer_client: FlaskClient, mail_server: MailServer
) -> None:
    app.config["BASE_URL"] = SITE
    upload(officer_client, csv_bytes([invitee(i) for i in range(3)]))
    send_invitations(officer_client)
    assert all(hosts_in(plain_text(m)) == {SITE} for m in mail_server.messages) and mail_server.messages
    page = officer_client.get("/officer/invitations/mail-merge")
    merged = officer_client.post(
        "/officer/invitations/mail-merge",
        data={"csrf_token": csrf_token(page.data), "scope": "not_responded", "confirm": "y"},
    )
    rows = list(csv.DictReader(io.StringIO(merged.data.decode())))
    assert len(rows) == 3 and all(row["link"].startswith(f"{SITE}/r/") for row in rows)
    runner = app.test_cli_runner()
    printed = runner.invoke(main, ["links", "new", "--count", "2"])
    assert printed.exit_code == 0, printed.output
    assert all(line.startswith(f"{SITE}/r/") for line in printed.stdout.split())
    added = runner.invoke(main, ["officers", "add", "new.officer@lga.example", "--link"])
    assert added.exit_code == 0, added.output
    assert f"{SITE}/sign-in/link/" in added.stdout


def test_the_officer_sign_in_page_is_refused_on_a_forged_host(app: Flask, client: FlaskClient) -> None:
    email = add_officer(app)
    assert client.get("/sign-in", headers={"Host": "evil.example"}).status_code == 400
    assert sign_in(client, email).status_code == 303
