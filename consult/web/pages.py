"""Public pages that belong to no audience in particular: home, errors, health."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from werkzeug.exceptions import HTTPException, SecurityError
from werkzeug.wrappers import Response

from consult.data import consultations
from consult.extensions import db
from consult.web import language

bp = Blueprint("web", __name__)


@bp.get("/")
def home() -> str:
    from flask import current_app

    consultation = consultations.get_by_slug(current_app.config["QUESTIONNAIRE"])
    questionnaire = consultations.questionnaire_of(consultation) if consultation else None
    language.use_questionnaire(questionnaire)
    state = consultations.state(consultation) if consultation else None
    shown = questionnaire.in_language(language.current_language()) if questionnaire else None
    return render_template("home.html", consultation=consultation, questionnaire=shown, state=state)


@bp.get("/healthz")
def health() -> tuple[str, int, dict[str, str]]:
    return "ok", 200, {"Content-Type": "text/plain"}


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException) -> tuple[str, int] | Response:
    if error.response is not None:
        return error.response  # a page made for this error already (e.g. a rate limit's own page)
    if isinstance(error, SecurityError):
        # A Host that is not the site's (TRUSTED_HOSTS): no page is built for it, as no
        # address on it can be built; a plain refusal.
        return Response(
            "Bad request: this site does not answer to that host name.\n", 400, mimetype="text/plain"
        )
    if error.code == 404 and request.path.startswith("/r/"):
        # A "link" the route cannot even match (a line break in it, nothing after /r/) gets
        # the same page as any other link that is not valid: no response tells them apart.
        return render_template("respond/invalid_link.html"), 404
    # Werkzeug's own description is English; a page's own reason (abort(code, reason)) is shown as given.
    own = error.description if error.description != type(error).description else None
    return render_template("error.html", error=error, description=own), error.code or 500


@bp.teardown_app_request
def rollback_unfinished(exc: BaseException | None) -> None:
    # The request edge commits once; anything left uncommitted is abandoned whole.
    if exc is not None:
        db.session.rollback()


@bp.app_template_filter("long_date")
def long_date(value: object) -> str:
    """A date as GOV.UK writes it, in the page's language: 3 February 2015, 3 Chwefror 2015."""
    import datetime as dt

    from flask_babel import format_date

    if isinstance(value, dt.date):
        return format_date(value, "d MMMM y")
    return ""
