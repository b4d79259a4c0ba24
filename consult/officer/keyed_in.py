"""Keying in a response that arrived by email or on paper (officers only).

One page holds About you, every question and how the response arrived. The questions
and their validation are the respondent's own (`build_section_form`, `AboutYouForm`);
every question is shown, and an answer to a question that the other answers make hidden
(for example question 14 when question 13 is not "Yes") is cleared, and the officer told.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from consult.auth.access import officer_required
from consult.data import consultations, responses
from consult.data import keyed_in_responses as keyed_in
from consult.extensions import db
from consult.models import Channel
from consult.officer.blueprint import bp, current_consultation
from consult.officer.forms import KeyedInForm
from consult.respond.forms import AboutYouForm, build_section_form

ABOUT_FIELDS = {"role", "organisation_type", "region", "organisation_name"}


@bp.route("/responses/new", methods=["GET", "POST"])
@officer_required
def key_in_response() -> str | WerkzeugResponse | tuple[str, int]:
    """Enter a response received by email or on paper; it is stored as submitted."""
    consultation = current_consultation()
    questionnaire = consultations.questionnaire_of(consultation)
    formdata = request.form if request.method == "POST" else None
    channel_form = KeyedInForm(formdata=formdata)
    about_form = AboutYouForm(formdata=formdata)
    about_form.restrict(questionnaire, set(ABOUT_FIELDS), save_later=False)
    question_form = build_section_form(questionnaire, questionnaire.questions, formdata=formdata)
    context = {
        "consultation": consultation,
        "questionnaire": questionnaire,
        "state": consultations.state(consultation),
        "channel_form": channel_form,
        "about_form": about_form,
        "question_form": question_form,
    }
    if request.method == "GET":
        return render_template("officer/key_in.html", **context)
    valid = [form.validate() for form in (channel_form, about_form, question_form)]
    if not all(valid):
        return render_template("officer/key_in.html", **context), 400
    answers = question_form.answers()
    cleared = keyed_in.hidden_answers(questionnaire, answers)
    consent = about_form.consent_to_be_named.data == "yes"
    profile = responses.Profile(
        role=about_form.role.data,
        organisation_type=about_form.organisation_type.data,
        region=about_form.region.data,
        consent_to_be_named=consent,
        organisation_name=(about_form.organisation_name.data or None) if consent else None,
    )
    keyed_in.key_in(
        consultation, questionnaire, answers, profile, Channel(channel_form.channel.data), current_user.email
    )
    db.session.commit()
    message = "Response saved and counted as submitted."
    if len(cleared) == 1:
        message += (
            f" The answer to question {cleared[0]} was not kept because, given the other answers, "
            "that question does not apply."
        )
    elif cleared:
        numbers = ", ".join(str(n) for n in cleared[:-1]) + f" and {cleared[-1]}"
        message += (
            f" The answers to questions {numbers} were not kept because, given the other answers, "
            "those questions do not apply."
        )
    flash(message, "success")
    return redirect(url_for("officer.key_in_response"), 303)
