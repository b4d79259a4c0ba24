"""Deleting the contact list after closing, and the audit log (officers only)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from consult.auth.access import officer_required
from consult.data import audit, closing, consultations
from consult.extensions import db
from consult.officer.blueprint import bp, current_consultation
from consult.officer.forms import PurgeForm

AUDIT_PAGE_SIZE = 200


@bp.route("/purge", methods=["GET", "POST"])
@officer_required
def purge() -> str | WerkzeugResponse | tuple[str, int]:
    """Delete the invitation list and the response key, after closing and a typed confirmation."""
    consultation = current_consultation()
    questionnaire = consultations.questionnaire_of(consultation)
    form = PurgeForm(consultation.slug, formdata=request.form if request.method == "POST" else None)
    refusal = closing.purge_refusal(consultation)
    context = {"consultation": consultation, "questionnaire": questionnaire, "form": form, "refusal": refusal}
    if request.method == "GET":
        return render_template("officer/purge.html", **context)
    if refusal is not None:
        return render_template("officer/purge.html", **context), 409
    if not form.validate():
        return render_template("officer/purge.html", **context), 400
    result = closing.purge_contacts(consultation, current_user.email)
    db.session.commit()
    closing.scrub_storage()
    flash(
        f"Contact details deleted: {result.invitations:,} invitations and {result.messages:,} queued emails. "
        "Responses can no longer be reached through any link.",
        "success",
    )
    return redirect(url_for("officer.dashboard"), 303)


@bp.get("/audit")
@officer_required
def audit_log() -> str:
    """The latest audit events: who did what, and when."""
    consultation = current_consultation()
    return render_template(
        "officer/audit.html",
        events=audit.recent(AUDIT_PAGE_SIZE),
        limit=AUDIT_PAGE_SIZE,
        questionnaire=consultations.questionnaire_of(consultation),
    )
