"""Sign in with email and password (or a one-time link), sign out, set a password."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response as WerkzeugResponse

from consult import database
from consult.auth.access import SignedInOfficer, signed_in_session_secret
from consult.auth.forms import EmailLinkForm, PasswordForm, SignInForm
from consult.data import audit, officers, requested_emails
from consult.extensions import db, limiter
from consult.jobs import email_job
from consult.mail import smtp
from consult.models import Officer
from consult.web import public_url, ratelimit

bp = Blueprint("auth", __name__)

Page = str | WerkzeugResponse | tuple[str, int]
WRONG_CREDENTIALS = "Enter a correct email address and password"
WRONG_CURRENT_PASSWORD = "Enter your current password correctly"
TOO_MANY_LINKS = (
    "There have been too many requests for sign-in links from this device or network. Wait an hour."
)
SITE_BUSY = (
    "This site has sent as many sign-in links as it may for now. Wait an hour, then try again, "
    "or ask another officer to run `consult officers link` for you."
)
TOO_MANY = "Too many attempts to sign in from this device or network. Wait 15 minutes, then try again."
ACCOUNT_SLOWED = (
    "There have been too many wrong passwords for this email address. Wait {seconds} seconds, "
    "then try again, or sign in with a one-time link."
)


def _too_many_from_client(_limit: object) -> WerkzeugResponse:
    response = make_response(render_template("auth/sign_in.html", form=SignInForm(), problem=TOO_MANY), 429)
    return response


def _sign_in_limit() -> str:
    return ratelimit.per_window("SIGN_IN_ATTEMPTS_PER_CLIENT", "SIGN_IN_WINDOW")


def _begin_session(officer: Officer, how: str) -> None:
    session.clear()  # a new session at sign-in, never a reused one
    secret = officers.start_session(officer)
    login_user(SignedInOfficer(officer, secret))
    audit.record("signed in", officer.email, how)


def _after_sign_in() -> WerkzeugResponse:
    return redirect(url_for("officer.dashboard"), 303)


@bp.route("/sign-in", methods=["GET", "POST"])
# Per client address: every post that does not sign in counts, whichever account it names.
@limiter.limit(
    _sign_in_limit,
    methods=["POST"],
    deduct_when=lambda r: r.status_code != 303,
    on_breach=_too_many_from_client,
)
def sign_in() -> Page:
    if current_user.is_authenticated:
        return _after_sign_in()
    form = SignInForm()
    if request.method == "POST" and form.validate():
        email = officers.normalise_email(form.email.data or "")
        if wait := ratelimit.sign_in_delay(email):
            return render_template(
                "auth/sign_in.html", form=form, problem=ACCOUNT_SLOWED.format(seconds=wait)
            ), 429
        officer = officers.authenticate(email, form.password.data or "")
        if officer is None:
            ratelimit.record_sign_in_failure(email)
            db.session.commit()
            return render_template("auth/sign_in.html", form=form, problem=WRONG_CREDENTIALS), 400
        ratelimit.clear_sign_in_failures(email)
        _begin_session(officer, "with password")
        db.session.commit()
        return _after_sign_in()
    status = 400 if request.method == "POST" else 200
    return render_template("auth/sign_in.html", form=form, problem=None), status


def _invalid_links_limit() -> str:
    return ratelimit.per_window("INVALID_LINKS_PER_CLIENT", "INVALID_LINKS_WINDOW")


@bp.get("/sign-in/link/<token>")
@database.writes  # the link is used up, the officer signed in
# Only links that are not valid count: each costs a lookup, and guessing is the only use of many.
@limiter.limit(_invalid_links_limit, deduct_when=lambda r: r.status_code == 404)
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


def _sign_in_links_limit() -> str:
    return ratelimit.per_window("SIGN_IN_LINKS_PER_CLIENT", "SIGN_IN_LINKS_WINDOW")


def _sign_in_links_per_address() -> str:
    return ratelimit.per_window("SIGN_IN_LINKS_PER_ADDRESS", "SIGN_IN_LINKS_WINDOW")


def _too_many_link_requests(_limit: object) -> WerkzeugResponse:
    return _email_link_problem(TOO_MANY_LINKS)


def _site_busy(_limit: object) -> WerkzeugResponse:
    return _email_link_problem(SITE_BUSY)


def _email_link_problem(problem: str) -> WerkzeugResponse:
    page = render_template("auth/email_link.html", form=EmailLinkForm(), problem=problem, mail_ready=True)
    return make_response(page, 429)


def _as_if_sent(_limit: object) -> WerkzeugResponse:
    # Over the address's limit nothing more is sent, and the page says what it always says.
    return make_response(render_template("auth/email_link_sent.html"), 200)


@bp.route("/sign-in/email-link", methods=["GET", "POST"])
# The page is the same whether or not an account exists, and so is the work the request
# does: it only stores the request, and a background job decides what to send.
@ratelimit.emailed_link_limits(
    per_mailbox=_sign_in_links_per_address,
    per_client=_sign_in_links_limit,
    client_counts=lambda r: r.status_code == 200,
    site_busy=_site_busy,
    mailbox_used_up=_as_if_sent,
    client_used_up=_too_many_link_requests,
)
def email_link() -> Page:
    """Email a one-time sign-in link: the way in that an attacker's wrong passwords cannot slow."""
    mail_ready = smtp.settings_from(current_app.config) is not None
    form = EmailLinkForm()
    if request.method == "GET" or not mail_ready:
        return render_template("auth/email_link.html", form=form, problem=None, mail_ready=mail_ready)
    if not form.validate():
        return render_template("auth/email_link.html", form=form, problem=None, mail_ready=True), 400
    requested_emails.request_email(
        requested_emails.SIGN_IN_LINK, form.email.data or "", public_url.base_url()
    )
    ratelimit.note_email_asked_for()
    db.session.commit()
    email_job.queue_requested_emails()
    return render_template("auth/email_link_sent.html")


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
    officer = current_user.officer
    needs_current = officer.password_hash is not None
    form = PasswordForm()
    problem = None
    if request.method == "POST" and form.validate():
        if needs_current and not officers.check_password(officer, form.current_password.data or ""):
            # Someone at an unattended, signed-in browser cannot take the account over.
            form.current_password.errors = [WRONG_CURRENT_PASSWORD]
        else:
            try:
                ended = officers.change_password(
                    officer, form.password.data or "", signed_in_session_secret()
                )
            except officers.AccountError as exc:
                problem = str(exc)
            else:
                audit.record("changed password", current_user.email, f"{ended} other sessions ended")
                db.session.commit()
                flash(
                    "Your password has been set. Any other browser signed in as you has been signed out.",
                    "success",
                )
                return _after_sign_in()
    status = 400 if request.method == "POST" else 200
    return render_template(
        "auth/password.html", form=form, problem=problem, needs_current=needs_current
    ), status
