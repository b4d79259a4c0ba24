"""The dashboard (the officers' and analysts' home page) and changing the consultation's dates."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from consult.auth.access import officer_required
from consult.data import closing, consultations
from consult.data import dashboard_figures as dashboard_data
from consult.data import releases as releases_data
from consult.data.consultations import DateError
from consult.extensions import db
from consult.officer.blueprint import bp, current_consultation
from consult.officer.chart import day_chart
from consult.officer.forms import DatesForm


@bp.get("/")
def dashboard() -> str:
    """Response counts, answer counts and responses by day, with disclosure control."""
    consultation = current_consultation()
    questionnaire = consultations.questionnaire_of(consultation)
    board = dashboard_data.dashboard(consultation, questionnaire)
    return render_template(
        "officer/dashboard.html",
        consultation=consultation,
        questionnaire=questionnaire,
        state=consultations.state(consultation),
        summary=dashboard_data.summary(consultation),
        board=board,
        chart=day_chart(board.days),
        releases=releases_data.list_releases(consultation),
    )


@bp.route("/dates", methods=["GET", "POST"])
@officer_required
def dates() -> str | WerkzeugResponse | tuple[str, int]:
    """Change the opening and closing dates (officers only; audited)."""
    consultation = current_consultation()
    questionnaire = consultations.questionnaire_of(consultation)
    if request.method == "GET":
        form = DatesForm.for_dates(consultation.opens_on, consultation.closes_on)
        return render_template(
            "officer/dates.html",
            form=form,
            consultation=consultation,
            questionnaire=questionnaire,
            problem=None,
        )
    form = DatesForm()
    problem = None
    if form.validate():
        try:
            changed = closing.change_dates(
                consultation, form.parsed["opens_on"], form.parsed["closes_on"], current_user.email
            )
        except DateError as exc:
            problem = str(exc)
        else:
            db.session.commit()
            if changed:
                flash(
                    f"Dates changed: open from {_long(consultation.opens_on)} to the end of "
                    f"{_long(consultation.closes_on)}",
                    "success",
                )
            return redirect(url_for("officer.dashboard"), 303)
    return (
        render_template(
            "officer/dates.html",
            form=form,
            consultation=consultation,
            questionnaire=questionnaire,
            problem=problem,
        ),
        400,
    )


def _long(value: object) -> str:
    from consult.web.pages import long_date

    return long_date(value)
