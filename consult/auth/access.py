"""Who is signed in (Flask-Login on server-side sessions) and what their role allows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, abort, current_app, redirect, request, session, url_for
from flask_login import LoginManager, UserMixin, current_user

from consult.data import officers
from consult.models import Officer, OfficerRole

SESSION_SECRET_KEY = "officer_session"
login_manager = LoginManager()
login_manager.login_view = "auth.sign_in"
login_manager.login_message = "Sign in to see that page"
login_manager.login_message_category = "info"
login_manager.session_protection = None  # sessions are checked on the server instead

F = TypeVar("F", bound=Callable[..., Any])


class SignedInOfficer(UserMixin):
    """The signed-in officer; its id is the server-side session's secret."""

    def __init__(self, officer: Officer, secret: str) -> None:
        self.officer = officer
        self.secret = secret

    def get_id(self) -> str:
        return self.secret

    @property
    def email(self) -> str:
        return self.officer.email

    @property
    def role(self) -> str:
        return self.officer.role

    @property
    def is_officer(self) -> bool:
        return self.officer.role == OfficerRole.OFFICER


@login_manager.user_loader
def load_user(secret: str) -> SignedInOfficer | None:
    config = current_app.config
    officer = officers.session_officer(
        secret,
        idle=dt.timedelta(seconds=config["OFFICER_IDLE_TIMEOUT"]),
        absolute=dt.timedelta(seconds=config["OFFICER_ABSOLUTE_TIMEOUT"]),
    )
    return SignedInOfficer(officer, secret) if officer is not None else None


def officer_required(view: F) -> F:
    """Only officers (not analysts): for anything that shows or changes contact details."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()
        if not current_user.is_officer:
            abort(403, "Only officers can do this. Analysts can see results and reports.")
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


# Pages an account without a password may still reach: setting one, and signing out.
_BEFORE_PASSWORD = {"auth.password", "auth.sign_out", "static"}


def require_password_set() -> Any:
    """An account reached by a one-time link does nothing until it has set a password."""
    if request.blueprint != "officer":
        return None  # respondents' pages never load the officer; auth's pages lead here
    if request.endpoint in _BEFORE_PASSWORD or not current_user.is_authenticated:
        return None
    if current_user.officer.password_hash is None:
        return redirect(url_for("auth.password"), 303)
    return None


def init_app(app: Flask) -> None:
    # `current_user` as a template global, looked up only by the templates that use it
    # (officer pages), rather than Flask-Login's context processor loading the user for
    # every page rendered, respondents' included.
    login_manager.init_app(app, add_context_processor=False)
    app.jinja_env.globals["current_user"] = current_user
    app.before_request(require_password_set)


def signed_in_session_secret() -> str | None:
    value = session.get("_user_id")
    return value if isinstance(value, str) else None
