"""The officers' and analysts' pages. Every route here requires sign-in (see `require_sign_in`);
routes that show or change contact details also require the officer role (`officer_required`)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, render_template
from flask_login import current_user

from consult.data import consultations
from consult.data import dashboard as dashboard_data
from consult.models import Consultation

bp = Blueprint("officer", __name__, url_prefix="/officer")


@bp.before_request
def require_sign_in() -> Any:
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    return None


def current_consultation() -> Consultation:
    consultation = consultations.get_by_slug(current_app.config["QUESTIONNAIRE"])
    if consultation is None:
        abort(404, "No consultation has been loaded yet: run `consult init`.")
    return consultation


@bp.get("/")
def dashboard() -> str:
    consultation = current_consultation()
    summary = dashboard_data.summary(consultation)
    return render_template(
        "officer/dashboard.html",
        consultation=consultation,
        questionnaire=consultations.questionnaire_of(consultation),
        state=consultations.state(consultation),
        summary=summary,
    )
