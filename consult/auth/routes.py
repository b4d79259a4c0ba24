"""Sign in with email and password (or a one-time link), sign out, set a password."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response as WerkzeugResponse

from consult.auth.access import SignedInOfficer, signed_in_session_secret
from consult.auth.forms import PasswordForm, SignInForm
from consult.data import audit, officers
from consult.extensions import db
from consult.models import Officer
from consult.ratelimit import key_for, rate_limits

bp = Blueprint("auth", __name__)

Page = str | WerkzeugResponse | tuple[str, int]
WRONG_CREDENTIALS = "Enter a correct email address and password"
TOO_MANY = "Too many attempts to sign in. Wait 15 minutes, then try again."


def _begin_session(officer: Officer, how: str) -> None:
    session.clear()  # a new session at sign-in, never a reused one
    secret = officers.start_session(officer)
    login_user(SignedInOfficer(officer, secret))
    audit.record("signed in", officer.email, how)


def _after_sign_in() -> WerkzeugResponse:
    return redirect(url_for("officer.dashboard"), 303)


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> Page:
    if current_user.is_authenticated:
        return _after_sign_in()
    form = SignInForm()
    if request.method == "POST" and form.validate():
        config = current_app.config
        window = config["SIGN_IN_WINDOW"]
        email = officers.normalise_email(form.email.data or "")
        allowed = rate_limits().hit(
            key_for("sign-in-email", email), config["SIGN_IN_ATTEMPTS_PER_EMAIL"], window
        )
        allowed &= rate_limits().hit(
            key_for("sign-in-client", request.remote_addr or ""),
            config["SIGN_IN_ATTEMPTS_PER_CLIENT"],
            window,
        )
        if not allowed:
            return render_template("auth/sign_in.html", form=form, problem=TOO_MANY), 429
        officer = officers.authenticate(email, form.password.data or "")
        if officer is None:
            db.session.commit()
            return render_template("auth/sign_in.html", form=form, problem=WRONG_CREDENTIALS), 400
        rate_limits().reset(key_for("sign-in-email", email))
        _begin_session(officer, "with password")
        db.session.commit()
        return _after_sign_in()
    status = 400 if request.method == "POST" else 200
    return render_template("auth/sign_in.html", form=form, problem=None), status


@bp.get("/sign-in/link/<token>")
def sign_in_link(token: str) -> Page:
    officer = officers.use_sign_in_link(token)
    if officer is None:
        db.session.commit()
        return render_template("auth/link_invalid.html"), 404
    _begin_session(officer, "with a one-time link")
    db.session.commit()
    if officer.password_hash is None:
        return redirect(url_for("auth.password"), 303)
    return _after_sign_in()


@bp.post("/sign-out")
def sign_out() -> WerkzeugResponse:
    if current_user.is_authenticated:
        audit.record("signed out", current_user.email)
    if secret := signed_in_session_secret():
        officers.end_session(secret)
    logout_user()
    session.clear()
    db.session.commit()
    flash("You have signed out", "success")
    return redirect(url_for("auth.sign_in"), 303)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password() -> Page:
    form = PasswordForm()
    problem = None
    if request.method == "POST" and form.validate():
        try:
            officers.set_password(current_user.officer, form.password.data or "")
        except officers.AccountError as exc:
            problem = str(exc)
        else:
            audit.record("changed password", current_user.email)
            db.session.commit()
            flash("Your password has been set", "success")
            return _after_sign_in()
    status = 400 if request.method == "POST" else 200
    return render_template("auth/password.html", form=form, problem=problem), status
