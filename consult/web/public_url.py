"""The site's own address, for every absolute link the app emails, prints or exports.

A link must never take its host from a request: anyone can send `Host: evil.example` and
have a victim emailed a link that hands the attacker their token. Outside development the
address is BASE_URL, which the app refuses to start without. In development (no BASE_URL)
it is the request's own root, which Flask's TRUSTED_HOSTS has already limited to the
loopback names, so `consult serve` works on any port.
"""

from __future__ import annotations

from flask import current_app, has_request_context, request

from consult.config import LOCAL_BASE_URL as DEVELOPMENT_BASE_URL


def base_url() -> str:
    """The root of absolute links, without a trailing slash."""
    configured = current_app.config.get("BASE_URL")
    if configured:
        return str(configured).rstrip("/")
    if has_request_context():
        # Only reached in development: the Host was checked against the loopback names.
        return request.url_root.rstrip("/")
    return DEVELOPMENT_BASE_URL


def sign_in_link_url(token: str, root: str | None = None) -> str:
    """An officer's one-time sign-in link."""
    return f"{(root or base_url()).rstrip('/')}/sign-in/link/{token}"
