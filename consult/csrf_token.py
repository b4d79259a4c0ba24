"""The CSRF token written into pages: Flask-WTF's, signed once per session token per process.

Flask-WTF keeps a random token in the session and puts a signed copy of it in each form;
the signature carries a timestamp, so it signs afresh on every page. With
`WTF_CSRF_TIME_LIMIT = None` (tokens live as long as the session: see config) the
timestamp is never checked, so a copy signed earlier by this process for the same session
token and secret is exactly as valid, and is reused; a posted token equal to that copy is
known to be valid without checking its signature again. With a time limit set, every page
signs and every post is checked as Flask-WTF does.
"""

from __future__ import annotations

import hmac
from typing import Any

from flask import Flask, current_app, g, session
from flask_wtf.csrf import generate_csrf, validate_csrf

# Flask-WTF's CSRF for forms; its class is private, but `FlaskForm.Meta.csrf_class` is the
# documented way (WTForms) to change how a form's token is made.
from flask_wtf.form import _FlaskFormCSRF
from wtforms.validators import ValidationError

# Signed copies remembered per process: more than the sessions one process serves at a time.
SIGNED_TOKENS = 4096
_signed: dict[tuple[object, str], str] = {}


def csrf_token() -> str:
    """The signed CSRF token for this request's session (the template's `csrf_token()`)."""
    config = current_app.config
    name = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    if name in g or config.get("WTF_CSRF_TIME_LIMIT") is not None:
        return generate_csrf()
    secret = config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    raw = session.get(name)
    signed = _signed.get((secret, raw)) if isinstance(raw, str) else None
    if signed is not None:
        setattr(g, name, signed)  # where Flask-WTF looks first, so forms use the same copy
        return signed
    signed = generate_csrf()
    raw = session.get(name)  # put there by generate_csrf if the session had none
    if isinstance(raw, str):
        if len(_signed) >= SIGNED_TOKENS:
            _signed.clear()
        _signed[(secret, raw)] = signed
    return signed


def is_signed_copy(posted: object) -> bool:
    """Whether `posted` is the copy this process signed for the session's token.

    Such a token is valid by construction (same secret, same session token, no time
    limit), so its signature need not be checked again; anything else goes to Flask-WTF.
    """
    config = current_app.config
    if config.get("WTF_CSRF_TIME_LIMIT") is not None or not isinstance(posted, str):
        return False
    raw = session.get(config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    if not isinstance(raw, str):
        return False
    signed = _signed.get((config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key, raw))
    return signed is not None and hmac.compare_digest(signed.encode(), posted.encode())


def posted_token_error(posted: object) -> str | None:
    """Why the CSRF token posted with a form is refused, or None if it is valid.

    For forms checked without WTForms (the respondent's section page): the signed copy of
    this process is valid as it stands, anything else is checked by Flask-WTF.
    """
    if is_signed_copy(posted):
        return None
    try:
        validate_csrf(posted if isinstance(posted, str) else None)
    except ValidationError as error:
        return str(error.args[0]) if error.args else "The CSRF token is invalid."
    return None


class ReusedSignatureCSRF(_FlaskFormCSRF):
    """A form's CSRF field filled with `csrf_token()` and checked against it first."""

    def _own_secret(self) -> bool:
        return self.meta.csrf_secret != current_app.config.get("WTF_CSRF_SECRET_KEY", current_app.secret_key)

    def generate_csrf_token(self, csrf_token_field: Any) -> str:
        if self._own_secret():
            return super().generate_csrf_token(csrf_token_field)
        return csrf_token()

    def validate_csrf_token(self, form: Any, field: Any) -> None:
        if not self._own_secret() and is_signed_copy(field.data):
            return
        super().validate_csrf_token(form, field)


def _template_context() -> dict[str, object]:
    return {"csrf_token": csrf_token}


def init_app(app: Flask) -> None:
    """Make `csrf_token()` in templates this one (after `CSRFProtect.init_app`).

    Flask-WTF offers its own both as a Jinja global and from a context processor; a later
    context processor wins, so both are replaced.
    """
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.context_processor(_template_context)
