"""Security headers on every route, and every officer route behind sign-in."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import issue_token

# Endpoints anyone may reach; everything else must belong to a signed-in audience.
PUBLIC_ENDPOINTS = {
    "static",
    "web.home",
    "web.health",
    # For the load balancer: each dependency's state, with no address, secret or count.
    "readiness.ready",
    "respond.redeem",
    "respond.start",
    "respond.about",
    "respond.section",
    "respond.saved",
    "respond.check",
    "respond.submitted",
    "auth.sign_in",
    "auth.sign_in_link",
    "auth.email_link",  # asks for a sign-in link by email: the same page whoever asks
    "auth.sign_out",
    "self_service.request_link",
    "language.switch",  # chooses the language of the respondent pages for this browser
}


def _concrete(rule: str) -> str:
    # A number where the rule takes one, so that the route itself (not a 404) answers.
    rule = re.sub(r"<(?:int|id):[a-z_]+>", "1", rule)
    return (
        rule.replace("<path:token>", "x" * 43)
        .replace("<section_id>", "principles")
        .replace("<path:filename>", "consult.js")
        .replace("<token>", "x" * 43)
        .replace("<int:", "<")
        .replace("<", "")
        .replace(">", "")
    )


def test_every_route_is_public_by_design_or_requires_an_officer(app: Flask, client: FlaskClient) -> None:
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        assert rule.endpoint.startswith(("officer.", "auth.")), f"{rule} ({rule.endpoint}) has no audience"
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(_concrete(rule.rule), method=method)
            # Anyone not signed in is sent to sign in (or refused), never shown the page.
            assert response.status_code in (302, 303, 400, 401, 403), f"{method} {rule} is open to anyone"
            if response.status_code in (302, 303):
                assert response.headers["Location"].startswith("/sign-in"), rule
            else:
                assert response.status_code != 400 or method != "GET", rule


def test_security_headers_on_every_page(app: Flask, client: FlaskClient) -> None:
    client.get(f"/r/{issue_token(app)}")
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        response = client.get(_concrete(rule.rule))
        headers = response.headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp, rule
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        if rule.endpoint != "static":
            assert headers["Cache-Control"] == "no-store", rule
        if rule.endpoint.startswith("respond."):
            assert headers["Referrer-Policy"] == "no-referrer", rule


def test_the_cookie_is_http_only_and_same_site(app: Flask, client: FlaskClient) -> None:
    response = client.get(f"/r/{issue_token(app)}")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
