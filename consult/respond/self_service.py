"""The public page where anyone not invited personally gets their own link by email: the
consultation is open to anyone, not only to the leaders and chief executives invited.

The email address is used to send the link and is then forgotten: the invitation made
for it has no email, name or organisation, the address is never logged, and the rate
limit keys are keyed hashes of it. The page says the same thing whatever happened to the
address (new, already on the invitation list, or over its limit), so it cannot be used
to find out who has been invited or who has asked.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, g, make_response, render_template, request
from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import EmailField
from wtforms.validators import InputRequired, Length

from consult.data import consultations, invitations, links
from consult.data.consultations import ConsultationState
from consult.extensions import csrf, db, limiter
from consult.mail import sending as mail
from consult.mail import smtp
from consult.mail import text as mail_text
from consult.models import Consultation, Invitation, Origin
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
SEND_FAILED = lazy_gettext(
    "Your link could not be sent just now. Check the email address, then try again later."
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


def _address_allowed(email: str) -> bool:
    """Whether another link may be sent to `email` (counted under a keyed hash of it)."""
    config = current_app.config
    return ratelimit.hit(
        "self-service-address",
        email,
        int(config["SELF_SERVICE_PER_ADDRESS"]),
        int(config["SELF_SERVICE_WINDOW"]),
    )


def _client_limit() -> str:
    return ratelimit.per_window("SELF_SERVICE_PER_CLIENT", "SELF_SERVICE_WINDOW")


def _too_many_from_client(_limit: object) -> WerkzeugResponse:
    consultation = consultations.get_by_slug(current_app.config["QUESTIONNAIRE"])
    if consultation is None:
        abort(404)
    page, status = _page(consultation, RequestLinkForm(), problem=TOO_MANY_FROM_CLIENT, status=429)
    return make_response(page, status)


def _letter(consultation: Consultation, email: str) -> tuple[mail_text.Letter, int | None]:
    """The email for `email`, and the id of the self-service invitation made for it (if any).

    It is in the language of the page it was asked for on (Welsh ones also in English).
    """
    questionnaire = consultations.questionnaire_of(consultation)
    languages = mail_text.letter_languages(language.current_language())
    if invitations.is_on_list(consultation, email):
        return mail_text.already_invited(questionnaire, consultation.closes_on, languages), None
    issued = links.issue_link(consultation, kind=Origin.SELF_SERVICE)
    link = mail.link_url(public_url.base_url(), issued.token)
    return mail_text.self_service(
        questionnaire, consultation.closes_on, link, languages
    ), issued.invitation.id


@bp.route("/get-a-link", methods=["GET", "POST"])
# Per client address, counting the requests with a well-formed address (the others send nothing).
@limiter.limit(
    _client_limit,
    methods=["POST"],
    deduct_when=lambda r: r.status_code != 400,
    on_breach=_too_many_from_client,
)
def request_link() -> Page:
    consultation = consultations.get_by_slug(current_app.config["QUESTIONNAIRE"])
    if consultation is None:
        abort(404, gettext("There is no consultation here yet."))
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
    if _address_allowed(email):
        letter, invitation_id = _letter(consultation, email)
        # Commit before talking to the mail server, so no transaction is held meanwhile.
        db.session.commit()
        try:
            smtp.send_one(settings, mail_text.to_message(letter, sender=settings.sender, to=email))
        except smtp.MailError:
            if invitation_id is not None:
                _withdraw(invitation_id)
            return _page(consultation, form, problem=SEND_FAILED, status=503)
    # Over the address's limit, nothing is sent, but the page is the same.
    return render_template(
        "respond/link_sent.html", consultation=consultation, questionnaire=_shown_questionnaire(consultation)
    )


def _withdraw(invitation_id: int) -> None:
    """Revoke a self-service link whose email could not be sent."""
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is not None:
        links.revoke(invitation)
    db.session.commit()
