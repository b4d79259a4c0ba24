"""The dashboard: the officers' and analysts' home page."""

from __future__ import annotations

from flask import render_template

from consult.data import consultations
from consult.data import dashboard as dashboard_data
from consult.officer.blueprint import bp, current_consultation


@bp.get("/")
def dashboard() -> str:
    consultation = current_consultation()
    return render_template(
        "officer/dashboard.html",
        consultation=consultation,
        questionnaire=consultations.questionnaire_of(consultation),
        state=consultations.state(consultation),
        summary=dashboard_data.summary(consultation),
    )
