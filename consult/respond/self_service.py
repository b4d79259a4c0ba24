"""The public page where anyone not invited personally gets their own link by email: the
consultation is open to anyone, not only to the leaders and chief executives invited.

The email address is kept only until a background job has sent the link (the request
stores it and nothing else, so it takes as long whatever the address) and is then
forgotten: the invitation made for it has no email, name or organisation, the address is
never logged, and the rate limit keys are keyed hashes of it. The page says the same
thing whatever happened to the address (new, already on the invitation list, or over its
limit), so it cannot be used to find out who has been invited or who has asked.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, g, make_response, render_template, request
from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import EmailField
from wtforms.validators import InputRequired, Length

from consult.data import consultations, invitations, requested_emails
from consult.data.consultations import ConsultationState
from consult.extensions import csrf, db
from consult.jobs import email_job
from consult.mail import smtp
from consult.mail import text as mail_text
from consult.models import Consultation
from consult.respond.routes import from_another_site
from consult.web import language, public_url, ratelimit
from consult.web.frontend import EmailInput
from questions import Questionnaire

bp = Blueprint("self_service", __name__)
# The form checks its own CSRF token, so an expired page is shown again with a message.
csrf.exempt(bp)

Page = str | WerkzeugResponse | tuple[str, int]
EMAIL_FORMAT = lazy_gettext("Enter an email address in the correct format, like name@example.org")
TOO_MANY_FROM_CLIENT = lazy_gettext(
    "There have been too many requests for links from this device or network. Wait an hour, then try again."
)
EXPIRED = lazy_gettext("The page had expired. Enter your email address again.")
SITE_BUSY = lazy_gettext(
    "This site has sent as many links as it may for now. Wait an hour, then try again."
)


class RequestLinkForm(FlaskForm):
    email = EmailField(
        lazy_gettext("Email address"),
        validators=[
            InputRequired(lazy_gettext("Enter your email address")),
            Length(max=320, message=EMAIL_FORMAT),
        ],
        widget=EmailInput(),
    )


@bp.before_request
def mark_respondent_page() -> None:
    g.respondent_page = True  # no referrer leaves these pages
    if request.method == "POST" and from_another_site():
        # Another site cannot make a visitor's browser ask for links (and send email).
        abort(403, gettext("This form was sent from another website."))


def _page(
    consultation: Consultation, form: RequestLinkForm, problem: str | None = None, status: int = 200
) -> Page:
    questionnaire = _shown_questionnaire(consultation)
    return (
        render_template(
            "respond/get_link.html",
            form=form,
            problem=problem,
            consultation=consultation,
            questionnaire=questionnaire,
            state=consultations.state(consultation),
            mail_ready=smtp.settings_from(current_app.config) is not None,
        ),
        status,
    )


def _shown_questionnaire(consultation: Consultation) -> Questionnaire:
    """The consultation's questionnaire in this page's language (and the one that decides the languages)."""
    questionnaire = consultations.questionnaire_of(consultation)
    language.use_questionnaire(questionnaire)
    return questionnaire.in_language(language.current_language())


def _per_address_limit() -> str:
    return ratelimit.per_window("SELF_SERVICE_PER_ADDRESS", "SELF_SERVICE_WINDOW")


def _client_limit() -> str:
    return ratelimit.per_window("SELF_SERVICE_PER_CLIENT", "SELF_SERVICE_WINDOW")


def _served_consultation() -> Consultation:
    """The consultation this site serves (its QUESTIONNAIRE setting); 404 until one is loaded."""
    consultation = consultations.get_by_slug(current_app.config["QUESTIONNAIRE"])
    if consultation is None:
        abort(404, gettext("There is no consultation here yet."))
    return consultation


def _too_many_from_client(_limit: object) -> WerkzeugResponse:
    consultation = _served_consultation()
    page, status = _page(consultation, RequestLinkForm(), problem=TOO_MANY_FROM_CLIENT, status=429)
    return make_response(page, status)


def _as_if_sent(_limit: object) -> WerkzeugResponse:
    # Over the address's limit nothing more is sent, and the page says what it always says.
    consultation = _served_consultation()
    return make_response(_sent_page(consultation))


def _site_busy(_limit: object) -> WerkzeugResponse:
    consultation = _served_consultation()
    page, status = _page(consultation, RequestLinkForm(), problem=SITE_BUSY, status=429)
    return make_response(page, status)


def _sent_page(consultation: Consultation) -> str:
    return render_template(
        "respond/link_sent.html", consultation=consultation, questionnaire=_shown_questionnaire(consultation)
    )


@bp.route("/get-a-link", methods=["GET", "POST"])
# The client's limit counts the requests with a well-formed address (the others send nothing).
@ratelimit.emailed_link_limits(
    per_mailbox=_per_address_limit,
    per_client=_client_limit,
    client_counts=lambda r: r.status_code != 400,
    site_busy=_site_busy,
    mailbox_used_up=_as_if_sent,
    client_used_up=_too_many_from_client,
)
def request_link() -> Page:
    consultation = _served_consultation()
    language.use_questionnaire(consultations.questionnaire_of(consultation))
    form = RequestLinkForm()
    if request.method == "GET":
        return _page(consultation, form)
    settings = smtp.settings_from(current_app.config)
    if consultations.state(consultation) is not ConsultationState.OPEN or settings is None:
        return _page(consultation, form, status=403)
    if not form.validate():
        problem = EXPIRED if "csrf_token" in form.errors else None
        return _page(consultation, form, problem=problem, status=400)
    email = invitations.normalise_email(form.email.data or "")
    if not invitations.is_email(email):
        form.email.errors = [EMAIL_FORMAT]
        return _page(consultation, form, status=400)
    # Only stored here: whether the address is on the list, and the link, are the job's
    # (in the language of this page; Welsh ones also in English).
    requested_emails.request_email(
        requested_emails.SELF_SERVICE,
        email,
        public_url.base_url(),
        consultation_id=consultation.id,
        languages=mail_text.letter_languages(language.current_language()),
    )
    ratelimit.note_email_asked_for()
    db.session.commit()
    email_job.queue_requested_emails()
    return _sent_page(consultation)
