"""The officers' blueprint. Every route on it requires sign-in (`require_sign_in`);
routes that show or change contact details also require the officer role
(`consult.auth.access.officer_required`). Analysts see results and reports only."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app
from flask_login import current_user

from consult.data import consultations
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
