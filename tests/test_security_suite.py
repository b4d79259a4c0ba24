"""Security suite: links, headers, CSRF, XSS, formula injection, shared
rate limits across gunicorn workers, and fuzzing of every form endpoint.

Tests that take `app` run on SQLite and PostgreSQL. The XSS test runs headless Chromium
(`-m e2e`); the rate-limit test starts gunicorn with two workers sharing Redis.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import random
import re
import secrets
import string
import subprocess
import sys
import urllib.parse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import (
    LEADER,
    TEST_SECRET,
    add_officer,
    csrf_token,
    issue_token,
    require_redis,
    save_about,
    save_section,
    sign_in,
)
from tests.mailserver import MailServer, mail_server
from tests.prepared import prepared_file
from tests.servers import http_request, migrated_app, running_gunicorn, serving_in_thread

ROOT = Path(__file__).resolve().parent.parent
XSS_PAYLOADS = [
    line
    for line in (Path(__file__).parent / "security" / "xss_payloads.txt")
    .read_text(encoding="utf-8")
    .splitlines()
    if line and not line.startswith("#")
]
FORMULA_PAYLOADS = [
    "=1+2",
    '=HYPERLINK("http://evil.example","x")',
    "+SUM(1,2)",
    "-2+3",
    "@SUM(1,2)",
    "\t=1+2",
    "\r=1+2",
    "\x00=1+2",
    "\uff1d1+2",
    "=cmd|' /C calc'!A0",
]
REDIS_URL = "redis://127.0.0.1:6379/1"


# --- Links: 2,000 random and mutated tokens ----------------------------------------------


def _mutations(real: str, rng: random.Random, count: int) -> list[str]:
    alphabet = string.ascii_letters + string.digits + "-_"
    made: list[str] = []
    kinds = ["random", "change", "truncate", "extend", "percent", "unicode", "case", "insert"]
    for i in range(count):
        kind = kinds[i % len(kinds)]
        if kind == "random":
            length = rng.choice([0, 1, 8, 16, 32, 42, 43, 43, 43, 44, 64, 128, 512])
            token = "".join(rng.choice(alphabet) for _ in range(length)) or "x"
        elif kind == "change":
            at = rng.randrange(len(real))
            token = real[:at] + rng.choice(alphabet.replace(real[at], "")) + real[at + 1 :]
        elif kind == "truncate":
            token = real[: rng.randrange(1, len(real))]
        elif kind == "extend":
            token = real + "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 20)))
        elif kind == "percent":
            # Percent-encodings that do not decode back to the token itself.
            at = rng.randrange(len(real))
            token = rng.choice(
                [
                    real[:at] + "%25" + f"{ord(real[at]):02X}" + real[at + 1 :],  # double-encoded
                    real[:at]
                    + rng.choice(["%00", "%2F", "%0A", "%20", "%3F", "%23", "%C0%AF"])
                    + real[at + 1 :],
                    urllib.parse.quote(real[:-1] + rng.choice(alphabet.replace(real[-1], "")), safe=""),
                ]
            )
        elif kind == "unicode":
            at = rng.randrange(len(real))
            lookalike = rng.choice(["а", "ο", "Ａ", "ｚ", "\u200b", "é", "ß", "𝟎", "\u202e", "－"])
            token = urllib.parse.quote(real[:at] + lookalike + real[at + 1 :], safe="")
        elif kind == "case":
            at = next((j for j in range(len(real)) if real[j].isalpha()), 0)
            token = real[:at] + real[at].swapcase() + real[at + 1 :]
        else:
            at = rng.randrange(len(real))
            token = real[:at] + rng.choice(alphabet) + real[at:]
        if token != real:
            made.append(token)
    return made


def test_two_thousand_random_and_mutated_tokens_are_refused_indistinguishably(app: Flask) -> None:
    # Two thousand is enough to meet every kind of mutation many times over; more only
    # repeats the same refusal at the cost of CI minutes.
    rng = random.Random(6)
    real = [issue_token(app) for _ in range(5)]
    candidates = [secrets.token_urlsafe(32) for _ in range(500)]
    for token in real:
        candidates += _mutations(token, rng, 300)
    candidates = candidates[:2_000]
    assert len(candidates) == 2_000 and not set(candidates) & set(real)

    # The per-client limit on links that are not valid is tested on its own; here every
    # refusal must look the same.
    app.config["INVALID_LINKS_PER_CLIENT"] = 100_000
    client = app.test_client()
    reference = client.get("/r/" + secrets.token_urlsafe(32))
    assert reference.status_code == 404
    reference_headers = sorted((k, v) for k, v in reference.headers.items() if k != "Date")
    for token in candidates:
        response = client.get("/r/" + token)
        assert response.status_code == 404, token
        assert response.data == reference.data, token
        assert sorted((k, v) for k, v in response.headers.items() if k != "Date") == reference_headers, token
        assert "Set-Cookie" not in response.headers
    # The real links still work, so the loop was not refusing everything for another reason.
    for token in real:
        assert app.test_client().get(f"/r/{token}").status_code == 303
    # Percent-encoding a link without changing it is the same link (as a browser may send it).
    assert app.test_client().get("/r/" + urllib.parse.quote(real[0][:5]) + real[0][5:]).status_code == 303


def _second_consultation(app: Flask) -> str:
    """A second consultation (same questionnaire file, another slug) with one link; its token."""
    from consult.data import links
    from consult.data.clock import today
    from consult.extensions import db
    from consult.models import Consultation

    with app.app_context():
        other = Consultation(
            slug="taking-stock-second",
            title="Taking Stock (second)",
            questionnaire="taking-stock",
            opens_on=today() - dt.timedelta(days=1),
            closes_on=today() + dt.timedelta(days=30),
            response_key=secrets.token_bytes(32),
            created_on=today(),
        )
        db.session.add(other)
        db.session.flush()
        token = links.issue_link(other).token
        db.session.commit()
    return token


def _forged_session(app: Flask, client: FlaskClient, value: dict[str, Any]) -> None:
    serializer = app.session_interface.get_signing_serializer(app)
    assert serializer is not None
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], serializer.dumps({"respondent": value}))


def test_a_token_for_one_consultation_is_refused_by_another(app: Flask) -> None:
    from consult.data import links
    from consult.extensions import db
    from consult.models import Consultation, Invitation, Response

    other_token = _second_consultation(app)
    own_token = issue_token(app)
    with app.app_context():
        first = db.session.scalar(db.select(Consultation).where(Consultation.slug == "taking-stock"))
        second = db.session.scalar(db.select(Consultation).where(Consultation.slug == "taking-stock-second"))
        other_invitation = db.session.scalar(
            db.select(Invitation).where(Invitation.token_digest == links.token_digest(other_token))
        )
        # The same token under the other consultation's key finds a different response.
        assert links.response_key_hash(first, other_token) != links.response_key_hash(second, other_token)
        forged = {
            "consultation": first.id,  # claims the first consultation …
            "invitation": other_invitation.id,  # … with the second one's invitation
            "key": links.response_key_hash(first, other_token),
        }
        first_id, second_id = first.id, second.id
    client = app.test_client()
    _forged_session(app, client, forged)
    for path in ("/respond/", "/respond/section/principles", "/respond/check"):
        assert client.get(path).status_code == 401, path

    # Used properly, the second consultation's link saves to the second consultation only.
    client = app.test_client()
    assert client.get(f"/r/{other_token}").status_code == 303
    assert save_section(client, "principles", {"q3": "second consultation"}).status_code == 303
    own = app.test_client()
    assert own.get(f"/r/{own_token}").status_code == 303
    assert b"second consultation" not in own.get("/respond/check").data
    with app.app_context():
        (saved,) = db.session.scalars(db.select(Response))
        assert saved.consultation_id == second_id != first_id


# --- Security headers everywhere, including errors ---------------------------------------


def _concrete(rule: str) -> str:
    # A number where the rule takes one, so that the route itself (not a 404) answers.
    rule = re.sub(r"<(?:int|id):[a-z_]+>", "1", rule)
    return (
        rule.replace("<path:token>", "x" * 43)
        .replace("<section_id>", "principles")
        .replace("<path:filename>", "consult.js")
        .replace("<token>", "x" * 43)
        .replace("<fmt>", "csv")
    )


def _assert_security_headers(response: Any, where: str) -> None:
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp and "script-src 'self'" in csp, where
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp, where
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("X-Frame-Options") == "DENY", where
    assert headers.get("Referrer-Policy") in ("no-referrer", "same-origin"), where
    assert headers.get("Cross-Origin-Opener-Policy") == "same-origin", where


def test_security_headers_on_every_route_method_and_error(app: Flask, officer_client: FlaskClient) -> None:
    respondent = app.test_client()
    respondent.get(f"/r/{issue_token(app)}")
    anonymous = app.test_client()
    seen = 0
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for client in (anonymous, respondent, officer_client):
                # POSTs carry no CSRF token: every one is an error response, which must have the headers too.
                response = client.open(
                    _concrete(rule.rule), method=method, data={"x": "1"} if method == "POST" else None
                )
                _assert_security_headers(response, f"{method} {rule.rule} -> {response.status_code}")
                if rule.endpoint != "static":
                    assert response.headers["Cache-Control"] == "no-store", rule.rule
                seen += 1
    errors = [
        anonymous.get("/no-such-page"),  # 404
        anonymous.post("/healthz"),  # 405
        anonymous.delete("/respond/check"),  # 405
        respondent.get("/respond/section/no-such-section"),  # 404 inside the journey
        anonymous.post("/respond/section/principles", data={"q1": "x"}),  # 401, no session
        respondent.post("/respond/section/principles", headers={"Sec-Fetch-Site": "cross-site"}),  # 403
        officer_client.get("/officer/downloads/counts.exe"),  # 404
        anonymous.post("/get-a-link", data={"email": "x" * (3 * 1024 * 1024)}),  # 413
    ]
    assert [e.status_code for e in errors] == [404, 405, 405, 404, 401, 403, 404, 413]
    for response in errors:
        _assert_security_headers(response, f"error {response.status_code}")
    assert seen > 60


# --- CSRF ---------------------------------------------------------------------------------


def _post_routes(app: Flask) -> list[tuple[str, str]]:
    return [(r.endpoint, _concrete(r.rule)) for r in app.url_map.iter_rules() if "POST" in r.methods]


def test_every_post_route_refuses_a_post_without_its_csrf_token(
    app: Flask, officer_client: FlaskClient
) -> None:
    from consult.extensions import db
    from consult.models import AuditEvent, Invitation, Response

    respondent = app.test_client()
    respondent.get(f"/r/{issue_token(app, **LEADER)}")
    posts = _post_routes(app)
    assert {e for e, _ in posts} >= {
        "respond.section", "respond.about", "respond.check", "self_service.request_link",
        "auth.sign_in", "auth.sign_out", "auth.password", "officer.dates", "officer.purge",
        "officer.upload_invitations", "officer.mail_merge_download", "officer.key_in_response",
    }  # fmt: skip
    with app.app_context():
        before = (db.session.query(Response).count(), db.session.query(Invitation).count(),
                  db.session.query(AuditEvent).count())  # fmt: skip
    # Mail "set up" (nothing is sent: every post stops earlier), so the self-service form is live.
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=9, MAIL_FROM="consultation@lga.example")
    for endpoint, path in posts:
        client = respondent if endpoint.startswith(("respond.", "self_service.")) else officer_client
        if endpoint == "auth.sign_in":
            client = app.test_client()
        data = {
            "q1": "No, none of them are relevant now", "q3": "csrf", "role": "Leader",
            "consent_to_be_named": "no",
            "email": "someone@example.org", "password": "correct horse battery staple",
            "confirm": "taking-stock", "scope": "new", "channel": "paper",
            "opens_on_day": "1", "opens_on_month": "1", "opens_on_year": "2015",
            "closes_on_day": "1", "closes_on_month": "1", "closes_on_year": "2016",
        }  # fmt: skip
        if endpoint == "respond.section":
            data = {"q1": "No, none of them are relevant now", "q3": "csrf"}
        elif endpoint == "respond.about":
            data = {"consent_to_be_named": "no"}
        response = client.post(path, data=data)
        assert response.status_code in (400, 403), (
            f"POST {path} without a CSRF token gave {response.status_code}"
        )
        if endpoint.startswith("respond."):
            assert b"have not been saved yet because the page was open for a long time" in response.data, path
    with app.app_context():
        after = (db.session.query(Response).count(), db.session.query(Invitation).count(),
                 db.session.query(AuditEvent).count())  # fmt: skip
    assert after == before
    # Still signed in: sign-out without a token did nothing.
    assert officer_client.get("/officer/").status_code == 200


def test_cross_site_posts_are_refused_on_respondent_pages(app: Flask) -> None:
    client = app.test_client()
    client.get(f"/r/{issue_token(app, **LEADER)}")
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=9, MAIL_FROM="consultation@lga.example")
    for path in ("/respond/section/principles", "/respond/about", "/respond/check", "/get-a-link"):
        token = csrf_token(client.get(path).data)
        for headers in (
            {"Sec-Fetch-Site": "cross-site"},
            {"Sec-Fetch-Site": "same-site"},
            {"Origin": "https://evil.example"},
        ):
            response = client.post(
                path, data={"csrf_token": token, "q3": "x", "email": "a@example.org"}, headers=headers
            )
            assert response.status_code == 403, f"{path} {headers}"
        # The same post from the page itself is accepted (not a blanket refusal).
    assert save_section(client, "principles", {"q3": "same site"}).status_code == 303


# --- XSS: payloads stored everywhere, every view opened in Chromium ------------------------


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _invitation_csv(payloads: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name", "email", "organisation", "role", "organisation type", "region"])
    for i, payload in enumerate(payloads):
        writer.writerow(
            [payload[:200], f"xss{i}@council{i}.gov.uk", payload[:200], "Leader", "County", "Wales"]
        )
    return out.getvalue().encode("utf-8")


def _upload(client: FlaskClient, data: bytes) -> Any:
    page = client.get("/officer/invitations/upload")
    return client.post(
        "/officer/invitations/upload",
        data={"csrf_token": csrf_token(page.data), "file": (io.BytesIO(data), "list.csv")},
        content_type="multipart/form-data",
    )


DOM_CHECK = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      if (name.startsWith('on')) bad.push(el.tagName + ' ' + name);
      if ((name === 'href' || name === 'src' || name === 'action' || name === 'data' || name === 'srcdoc')
          && /^\\s*(javascript|data:text\\/html)/i.test(attr.value)) bad.push(el.tagName + ' ' + name);
    }
    if (['IFRAME', 'OBJECT', 'EMBED', 'BASE'].includes(el.tagName)) bad.push(el.tagName);
    if (el.tagName === 'SCRIPT' && !el.src) bad.push('inline SCRIPT');
  }
  return bad;
}"""


@dataclass
class _Live:
    app: Flask
    url: str

    def link(self, **details: str | None) -> str:
        return f"{self.url}/r/{issue_token(self.app, **details)}"


@pytest.fixture
def live_app(tmp_path: Path) -> Iterator[_Live]:
    """The app on a migrated SQLite file, served over HTTP on loopback (Werkzeug, threaded)."""
    app = migrated_app(tmp_path / "consult.sqlite3")
    with serving_in_thread(app) as url:
        yield _Live(app, url)


@pytest.mark.e2e
def test_xss_payloads_never_run_in_any_view(live_app: _Live) -> None:
    _xss_in_views(live_app)


def _xss_in_views(server: Any) -> None:
    from tests.browser import chromium

    app = server.app
    # Nothing listens on port 9: the self-service form stops at the address check anyway.
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=9, MAIL_FROM="consultation@lga.example")
    # Free-text answers: every payload, a chunk per answer, over several respondents.
    respondent_links = []
    free_text = ["q2", "q3", "q4", "q5", "q6"]
    for number, chunk in enumerate(_chunks(XSS_PAYLOADS, len(free_text) * 4)):
        link = server.link(**LEADER)
        token = link.rsplit("/", 1)[1]
        client = app.test_client()
        assert client.get(f"/r/{token}").status_code == 303
        answers = {"q1": "No, none of them are relevant now"}
        for question, part in zip(free_text, _chunks(chunk, 4), strict=False):
            answers[question] = "\n".join(part)
        assert save_section(client, "principles", answers).status_code == 200  # Q2 now applies …
        assert save_section(client, "principles", answers).status_code == 303  # … and is saved
        assert save_section(client, "support", {"q12": chunk[0]}).status_code == 303
        if number == 0:
            client_submit = client.get("/respond/check")
            assert client.post(
                "/respond/check", data={"csrf_token": csrf_token(client_submit.data)}
            ).status_code in (303, 400)
        respondent_links.append(link)
    # Keyed-in and "About you" organisation names carry payloads too.
    officer = app.test_client()
    add_officer(app, "xss.officer@lga.example")
    add_officer(app, "xss.analyst@lga.example", "analyst")
    assert sign_in(officer, "xss.officer@lga.example").status_code == 303
    # Invitation list: every payload as a name and an organisation.
    assert _upload(officer, _invitation_csv(XSS_PAYLOADS)).status_code == 303, "upload refused"
    report_html = prepared_file(app, officer, "counts", "html").data.decode()
    dialogs: list[str] = []
    visited: list[str] = []

    def check(page: Any, where: str) -> None:
        assert page.evaluate("window.__xss") == 0, f"script ran on {where}"
        bad = page.evaluate(DOM_CHECK)
        assert not bad, f"markup from a payload became live on {where}: {bad[:5]}"
        visited.append(where)

    with chromium() as browser:

        def context() -> Any:
            ctx = browser.new_context()
            ctx.set_default_timeout(15_000)
            ctx.add_init_script(
                "window.__xss = 0; for (const f of ['alert','confirm','prompt','print']) "
                "{ const o = window[f]; "
                "window[f] = (...a) => { window.__xss = 1; return o && o.apply(window, a); }; }"
            )
            return ctx

        try:
            for role, email in (
                ("officer", "xss.officer@lga.example"),
                ("analyst", "xss.analyst@lga.example"),
            ):
                ctx = context()
                page = ctx.new_page()
                page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
                page.goto(f"{server.url}/sign-in")
                page.fill("input[name=email]", email)
                page.fill("input[name=password]", "correct horse battery staple")
                page.click("button[type=submit]")
                page.wait_for_url("**/officer/")
                views = ["/officer/"]
                if role == "officer":
                    views += [f"/officer/invitations?page={n}" for n in range(1, 4)]
                    views += ["/officer/responses/new", "/officer/audit", "/officer/invitations/upload"]
                for view in views:
                    page.goto(server.url + view)
                    check(page, f"{role} {view}")
                if role == "officer":
                    # Key in a response with payloads, then look at the audit log and dashboard again.
                    page.goto(server.url + "/officer/responses/new")
                    page.fill("textarea[name=q3]", XSS_PAYLOADS[0] + "\n" + XSS_PAYLOADS[8])
                    page.goto(server.url + "/officer/audit")
                    check(page, "officer audit after key-in")
                ctx.close()
            # The HTML counts report is a downloaded file, opened without the app's CSP.
            ctx = context()
            page = ctx.new_page()
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            # The checks themselves catch a live payload (so this test can fail).
            page.set_content('<img src=x onerror="window.__xss=1"><a href="javascript:alert(1)">x</a>')
            page.wait_for_function("window.__xss === 1")
            assert len(page.evaluate(DOM_CHECK)) == 2
            page.evaluate("window.__xss = 0")
            page.set_content(report_html)
            check(page, "counts report (file, no CSP)")
            # Respondents: check-answers and the section pages, for each link.
            for link in respondent_links:
                page.goto(link)
                for view in ("/respond/check", "/respond/section/principles", "/respond/section/support"):
                    page.goto(server.url + view)
                    check(page, f"respondent {view}")
            # Self-service: a payload as the email address, shown again with its error.
            for payload in XSS_PAYLOADS[::15]:
                page.goto(f"{server.url}/get-a-link")
                page.fill("input[name=email]", payload)
                page.click("button[type=submit]")
                check(page, "get-a-link with an email payload")
            ctx.close()
        finally:
            pass
    assert not dialogs, f"dialogs opened: {dialogs[:5]}"
    assert len(visited) >= 15


# --- Formula injection in every spreadsheet export -----------------------------------------


def _assert_safe_cells(cells: list[str], where: str) -> None:
    triggers = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
    for cell in cells:
        assert "\x00" not in cell, where
        assert not cell.startswith(triggers), f"{where}: {cell!r}"


def test_formula_payloads_are_neutralised_in_every_export(app: Flask, officer_client: FlaskClient) -> None:
    from openpyxl import load_workbook

    for payload in FORMULA_PAYLOADS:
        client = app.test_client()
        client.get(f"/r/{issue_token(app, **LEADER)}")
        answer = payload.replace("\x00", "")  # NUL is refused at entry (a control character) …
        assert save_section(client, "principles", {"q3": answer, "q4": answer[:1] + "x"}).status_code == 303
        refused = save_section(client, "principles", {"q5": payload}) if "\x00" in payload else None
        assert refused is None or refused.status_code == 400  # … so it never reaches storage
    export = officer_client.get("/officer/downloads/responses.csv")
    rows = list(csv.reader(io.StringIO(export.data.decode("utf-8-sig"))))
    cells = [cell for row in rows for cell in row]
    _assert_safe_cells(cells, "responses.csv")
    q3 = rows[0].index("q3")
    stored = sorted(row[q3] for row in rows[1:])
    triggers = ("=", "+", "-", "@", "\t", "\r", "\uff1d")
    typed = [p.replace("\x00", "").replace("\r", "\n") for p in FORMULA_PAYLOADS]  # CR is stored as LF
    assert stored == sorted("'" + t if t.startswith(triggers) else t for t in typed)
    assert sum(cell.startswith("'") for cell in stored) >= 8

    counts_csv = prepared_file(app, officer_client, "counts", "csv").data.decode("utf-8-sig")
    _assert_safe_cells([c for row in csv.reader(io.StringIO(counts_csv)) for c in row], "counts.csv")
    workbook = load_workbook(io.BytesIO(prepared_file(app, officer_client, "counts", "xlsx").data))
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"formula cell {sheet.title}!{cell.coordinate}"
                if isinstance(cell.value, str):
                    _assert_safe_cells([cell.value], f"counts.xlsx {sheet.title}!{cell.coordinate}")

    # The mail-merge file: names and organisations with formula payloads.
    people = io.StringIO()
    writer = csv.writer(people)
    writer.writerow(["name", "email", "organisation", "role", "organisation type", "region"])
    for i, payload in enumerate(p for p in FORMULA_PAYLOADS if "\x00" not in p):
        writer.writerow(
            [
                payload.strip() or "x",
                f"formula{i}@example.org",
                payload.strip() or "x",
                "Leader",
                "County",
                "Wales",
            ]
        )
    assert _upload(officer_client, people.getvalue().encode()).status_code == 303
    page = officer_client.get("/officer/invitations/mail-merge")
    merged = officer_client.post(
        "/officer/invitations/mail-merge",
        data={"csrf_token": csrf_token(page.data), "scope": "new", "confirm": "y"},
    )
    assert merged.status_code == 200 and merged.mimetype == "text/csv"
    merge_rows = list(csv.reader(io.StringIO(merged.data.decode("utf-8-sig"))))
    assert len(merge_rows) > 5
    _assert_safe_cells([c for row in merge_rows for c in row], "mail-merge.csv")
    assert any(row[0].startswith("'=") for row in merge_rows)


# --- Rate limits shared by several gunicorn workers through Redis ---------------------------


@pytest.fixture
def gunicorn_with_redis(tmp_path: Path) -> Iterator[tuple[int, str, Any]]:
    """gunicorn with two workers on a fresh SQLite file, rate limits in Redis under a unique prefix."""
    store = require_redis(REDIS_URL)
    prefix = f"consult-test:{uuid.uuid4().hex}:"
    database = f"sqlite:///{tmp_path / 'consult.sqlite3'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONSULT_", "GUNICORN_"))}
    env.update(
        {
            "CONSULT_SECRET_KEY": TEST_SECRET,
            "CONSULT_DATABASE_URL": database,
            "CONSULT_INSTANCE_PATH": str(tmp_path / "instance"),
            "CONSULT_RATE_LIMIT_STORAGE_URL": REDIS_URL,
            "CONSULT_RATE_LIMIT_KEY_PREFIX": prefix,
            "CONSULT_ENV_NAME": "development",
            "PYTHONPATH": str(ROOT),
        }
    )
    init = subprocess.run(
        [sys.executable, "-m", "consult.cli", "init"], env=env, capture_output=True, text=True
    )
    assert init.returncode == 0, init.stderr[-2000:]
    try:
        with running_gunicorn(env, tmp_path, "--workers", "2") as port:
            yield port, prefix, store
    finally:
        keys = list(store.scan_iter(match=f"{prefix}*"))
        if keys:
            store.delete(*keys)


def test_sign_in_limits_hold_across_two_gunicorn_workers(gunicorn_with_redis: tuple[int, str, Any]) -> None:
    port, prefix, store = gunicorn_with_redis
    email = f"nobody.{uuid.uuid4().hex[:8]}@lga.example"
    statuses = []
    pids = set()
    for _ in range(12):
        # A new connection each time: gunicorn's sync workers take them in turn.
        status, cookie, page = http_request(port, "GET", "/sign-in")
        token = csrf_token(page)
        body = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": "wrong password!!"})
        status, _, _ = http_request(port, "POST", "/sign-in", cookie, body)
        statuses.append(status)
    # 5 attempts per address in the window, whichever worker took them; then 429 from every worker.
    assert statuses == [400] * 5 + [429] * 7, statuses
    assert list(store.scan_iter(match=f"{prefix}*")), "the limits were not kept in Redis"
    del pids


# --- Hypothesis: no form endpoint answers 5xx, whatever is posted ---------------------------

FIELD_NAMES = st.sampled_from(
    ["csrf_token", "action", "shown", "q1", "q2", "q3", "q12", "q13", "q14", "role", "organisation_type",
     "region", "consent_to_be_named", "organisation_name", "email", "password", "confirm", "scope",
     "channel", "content", "opens_on_day", "opens_on_month", "opens_on_year", "closes_on_day",
     "closes_on_month", "closes_on_year", "file", "x", "__proto__", "q1[]", "csrf_token[]"]
)  # fmt: skip
VALUES = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["", "later", "continue", "yes", "no", "Leader", "County", "Wales", "new", "y",
                     "No, none of them are relevant now", "99999999999999999999", "-1", "0", "\x00", "%00",
                     "\ud7ff",
                     "a" * 10_001, "=1+2", "<script>", "taking-stock", "2015"]),
)  # fmt: skip
PUBLIC_FORMS = [
    "/respond/section/principles", "/respond/section/childrens-adults-health", "/respond/about",
    "/respond/check", "/get-a-link", "/sign-in",
]  # fmt: skip
OFFICER_FORMS = [
    "/officer/dates", "/officer/responses/new", "/officer/purge", "/officer/invitations/upload",
    "/officer/invitations/send", "/officer/invitations/reminders", "/officer/invitations/mail-merge",
    "/officer/invitations/outbox/continue", "/officer/invitations/outbox/release", "/account/password",
]  # fmt: skip
FORM = st.lists(st.tuples(FIELD_NAMES, VALUES), max_size=12)
FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(form=FORM, with_token=st.booleans(), path=st.sampled_from(PUBLIC_FORMS))
def test_fuzzing_public_forms_never_gives_a_server_error(
    app: Flask, fuzz_clients: dict[str, FlaskClient], form: list[tuple[str, str]], with_token: bool, path: str
) -> None:
    client = fuzz_clients["respondent"] if path.startswith("/respond") else fuzz_clients["anonymous"]
    _fuzz_post(client, path, form, with_token)


@FUZZ
@given(form=FORM, with_token=st.booleans(), path=st.sampled_from(OFFICER_FORMS))
def test_fuzzing_officer_forms_never_gives_a_server_error(
    app: Flask, fuzz_clients: dict[str, FlaskClient], form: list[tuple[str, str]], with_token: bool, path: str
) -> None:
    _fuzz_post(fuzz_clients["officer"], path, form, with_token)


def _fuzz_post(client: FlaskClient, path: str, form: list[tuple[str, str]], with_token: bool) -> None:
    from werkzeug.datastructures import MultiDict

    data: MultiDict[str, Any] = MultiDict()
    if with_token:
        page = client.get(path)
        match = re.search(rb'name="csrf_token" value="([^"]+)"', page.data)
        if match:
            data.add("csrf_token", match.group(1).decode())
    for name, value in form:
        if name == "file":
            data.add("file", (io.BytesIO(value.encode("utf-8", "surrogatepass")), "list.csv"))
        else:
            data.add(name, value)
    response = client.post(path, data=data, content_type="multipart/form-data")
    assert response.status_code < 500, f"POST {path} {form!r} gave {response.status_code}"


@pytest.fixture
def fuzz_clients(app: Flask, mail_server: MailServer) -> dict[str, FlaskClient]:
    # Mail goes to the loopback SMTP server, so self-service and sending run all the way.
    app.config["SELF_SERVICE_PER_CLIENT"] = 10_000
    app.config["SIGN_IN_ATTEMPTS_PER_CLIENT"] = 10_000
    app.config["INVALID_LINKS_PER_CLIENT"] = 10_000
    respondent = app.test_client()
    respondent.get(f"/r/{issue_token(app)}")
    save_about(respondent, {**LEADER, "consent_to_be_named": "no"})
    officer = app.test_client()
    assert sign_in(officer, add_officer(app, "fuzz.officer@lga.example")).status_code == 303
    return {"respondent": respondent, "officer": officer, "anonymous": app.test_client()}


__all__ = ["mail_server"]
