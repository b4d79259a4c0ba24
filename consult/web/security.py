"""Security headers on every response, and logging that never carries a link token."""

from __future__ import annotations

import logging
import re

from flask import Flask, g, request
from flask.wrappers import Response

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)

# Every path that carries a secret after its prefix: respondents' links and officers'
# one-time sign-in links. A new token-bearing route adds its prefix here, and every log
# (gunicorn's, Werkzeug's, the app's) loses its tokens through the one filter below.
TOKEN_PATH_PREFIXES = ("/r/", "/sign-in/link/")


def _written_any_way(prefix: str) -> str:
    """A pattern for `prefix` however a client may write it: any case, and any character
    percent-encoded (the server decodes `/%52%2F…` to `/R/…` before routing, so the log line
    a client controls may spell the path in ways the decoded path does not)."""
    spellings = ("|".join([re.escape(char)] + [f"%{ord(c):02x}" for c in {char.lower(), char.upper()}])
                 for char in prefix)  # fmt: skip
    return "".join(f"(?:{spelling})" for spelling in spellings)


# Case-insensitive throughout (the %XX hex too): `/R/<token>` is as live in a log as `/r/<token>`.
_TOKEN_IN_PATH = re.compile(
    "(" + "|".join(_written_any_way(prefix) for prefix in TOKEN_PATH_PREFIXES) + r")[^\s?\"'&#]+",
    re.IGNORECASE,
)


def redact_tokens(text: str) -> str:
    """Replace the token in any token-bearing path (`/r/<token>`, `/sign-in/link/<token>`),
    in any case and however percent-encoded."""
    return _TOKEN_IN_PATH.sub(r"\1[link]", text)


class RedactTokens(logging.Filter):
    """Logging filter: a link token never reaches a log, whatever logged it.

    The one redaction used everywhere: the app adds it to the app's, Werkzeug's and
    gunicorn's loggers, and deploy/gunicorn.conf.py to gunicorn's before workers start.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_tokens(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            # A traceback may quote the request path too: format it now, redacted.
            record.exc_text = redact_tokens(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact_tokens(record.exc_text)
        return True


def redact_logs(*names: str) -> None:
    """Add the token-redacting filter (once) to each named logger."""
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())


def add_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
    if getattr(g, "respondent_page", False) or request.path.startswith("/r/"):
        headers["Referrer-Policy"] = "no-referrer"
    else:
        headers.setdefault("Referrer-Policy", "same-origin")
    if request.endpoint != "static":
        headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_headers)
    redact_logs("werkzeug", "gunicorn.access", "gunicorn.error", app.logger.name)
