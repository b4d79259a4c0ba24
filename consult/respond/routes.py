"""Pages for link holders: redeem a link, answer section by section, check and submit."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext, ngettext
from werkzeug.wrappers import Response as WerkzeugResponse

from consult import database
from consult.data import consultations, links, responses
from consult.data.consultations import ConsultationState
from consult.extensions import csrf, db, limiter
from consult.models import Stage, Status
from consult.respond.forms import AboutYouForm, SubmitForm, build_section_form
from consult.respond.journey import (
    ABOUT_STEP,
    Respondent,
    answer_label,
    current_respondent,
    drawn_questions,
    link_replaced,
    page_layout,
    profile_label,
    remember,
)
from consult.web import ratelimit
from questions import Question, Section

bp = Blueprint("respond", __name__)
# Respondent forms check their CSRF token themselves, so that a stale token re-shows
# the page with everything typed instead of an error page (see `_csrf_message`).
csrf.exempt(bp)

Page = str | WerkzeugResponse | tuple[str, int]
# Shown when a page comes back because its CSRF token was refused, most often because it
# was open longer than WTF_CSRF_TIME_LIMIT: everything typed is on the page again.
CSRF_MESSAGE = lazy_gettext(
    "Your answers have not been saved yet because the page was open for a long time. "
    "Check them and save again."
)


@bp.before_request
def mark_respondent_page() -> None:
    g.respondent_page = True
    if request.method in ("GET", "HEAD") or request.endpoint == "respond.section":
        # No respondent page writes on GET; a section save reads and validates first,
        # then takes the write lock only for the save itself (`database.begin_writing`).
        database.mark_read_only()
    if request.method == "POST" and from_another_site():
        abort(403, gettext("This form was sent from another website."))


def from_another_site() -> bool:
    """Whether the browser says this post came from another site.

    Under `Referrer-Policy: no-referrer` browsers send `Origin: null` even for a page's
    own forms, so a null origin proves nothing either way; Sec-Fetch-Site does. The
    CSRF token protects every form regardless.
    """
    if request.headers.get("Sec-Fetch-Site") in ("cross-site", "same-site"):
        return True
    origin = request.headers.get("Origin")
    return bool(origin) and origin != "null" and origin != request.host_url.rstrip("/")


def _invalid_link() -> tuple[str, int]:
    return render_template("respond/invalid_link.html"), 404


def _respondent_or_stop() -> Respondent | tuple[str, int]:
    """The current respondent, or the page to show instead (no session, closed, not open)."""
    respondent = current_respondent()
    if respondent is None:
        replaced = link_replaced()
        if request.method == "POST":
            # Keep what was typed on screen so it can be copied after opening the link again.
            typed = [(k, v) for k, v in request.form.items(multi=True) if k != "csrf_token" and v.strip()]
            return render_template("respond/session_ended.html", typed=typed, replaced=replaced), 401
        return render_template("respond/session_ended.html", typed=[], replaced=replaced), 401
    match consultations.state(respondent.consultation):
        case ConsultationState.CLOSED:
            return _render_page("respond/closed.html", respondent, 403)
        case ConsultationState.NOT_YET_OPEN:
            return _render_page("respond/not_open.html", respondent, 403)
    return respondent


def _csrf_message(form: Any) -> str | None:
    return CSRF_MESSAGE if "csrf_token" in form.errors else None


def _render_page(template: str, respondent: Respondent, status: int = 200, **context: Any) -> tuple[str, int]:
    return (
        render_template(
            template,
            respondent=respondent,
            consultation=respondent.consultation,
            questionnaire=respondent.shown,
            **context,
        ),
        status,
    )


def _invalid_links_limit() -> str:
    return ratelimit.per_window("INVALID_LINKS_PER_CLIENT", "INVALID_LINKS_WINDOW")


def _too_many_invalid_links(_limit: object) -> WerkzeugResponse:
    return make_response(render_template("respond/invalid_link.html", too_many=True), 429)


@bp.get("/r/<path:token>")
# Per client address, only links that are not valid count (each costs a database lookup).
@limiter.limit(
    _invalid_links_limit, deduct_when=lambda r: r.status_code == 404, on_breach=_too_many_invalid_links
)
def redeem(token: str) -> Page:
    holder = links.recognise(token)
    if holder is None:
        return _invalid_link()
    remember(holder)
    return redirect(url_for("respond.start"), 303)


@bp.get("/respond/")
def start() -> Page:
    respondent = _respondent_or_stop()
    if not isinstance(respondent, Respondent):
        return respondent
    progress = _section_progress(respondent)
    return _render_page("respond/start.html", respondent, progress=progress)


def _section_progress(respondent: Respondent) -> list[dict[str, Any]]:
    answered = responses.answers(respondent.response)
    rows = [
        {
            "step": ABOUT_STEP,
            "title": gettext("About you"),
            "url": url_for("respond.about"),
            "answered": _about_complete(respondent),
        }
    ]
    for section in respondent.shown.sections:
        count = sum(1 for q in section.questions if q.id in answered)
        rows.append(
            {
                "step": section.id,
                "title": section.title,
                "url": url_for("respond.section", section_id=section.id),
                "answered": count > 0,
            }
        )
    return rows


def _about_complete(respondent: Respondent) -> bool:
    profile = responses.profile_of(respondent.response)
    if profile is None or profile.consent_to_be_named is None:
        return False
    return all(getattr(profile, name) for name in ("role", "organisation_type", "region"))


def _go_on(respondent: Respondent, step: str) -> WerkzeugResponse:
    if request.form.get("action") == "later":
        return redirect(url_for("respond.saved"), 303)
    following = respondent.next_step(step)
    if following is None:
        return redirect(url_for("respond.check"), 303)
    return redirect(url_for("respond.section", section_id=following), 303)


@bp.route("/respond/about", methods=["GET", "POST"])
def about() -> Page:
    respondent = _respondent_or_stop()
    if not isinstance(respondent, Respondent):
        return respondent
    profile = responses.profile_of(respondent.response)
    saved = {
        "role": (profile.role if profile else None) or respondent.invitation.role,
        "organisation_type": (profile.organisation_type if profile else None)
        or respondent.invitation.organisation_type,
        "region": (profile.region if profile else None) or respondent.invitation.region,
        "consent_to_be_named": None
        if profile is None or profile.consent_to_be_named is None
        else ("yes" if profile.consent_to_be_named else "no"),
        "organisation_name": profile.organisation_name if profile else None,
    }
    save_later = request.form.get("action") == "later"
    form = AboutYouForm(formdata=request.form if request.method == "POST" else None, data=saved)
    form.restrict(respondent.shown, respondent.asked_about, save_later=save_later)
    if request.method == "POST":
        if not form.validate():
            return _render_page(
                "respond/about.html",
                respondent,
                400,
                form=form,
                message=_csrf_message(form),
                **_given(respondent),
            )
        response = responses.lock_or_create(
            respondent.consultation, respondent.holder.response_key_hash, respondent.invitation
        )
        consent = {"yes": True, "no": False}.get(form.consent_to_be_named.data or "")
        chosen = {
            name: form[name].data if name in form else saved[name]
            for name in ("role", "organisation_type", "region")
        }
        organisation = (
            form.organisation_name.data if "organisation_name" in form else respondent.invitation.organisation
        )
        responses.save_profile(
            response,
            responses.Profile(
                role=chosen["role"] or None,
                organisation_type=chosen["organisation_type"] or None,
                region=chosen["region"] or None,
                consent_to_be_named=consent,
                organisation_name=organisation or None,
            ),
        )
        db.session.commit()
        return _go_on(respondent, ABOUT_STEP)
    return _render_page("respond/about.html", respondent, form=form, message=None, **_given(respondent))


def _given(respondent: Respondent) -> dict[str, Any]:
    """The "About you" details that came with the invitation, as they read in the page's language."""
    profile = respondent.shown.profile
    invitation = respondent.invitation
    return {
        "given": [
            (
                label,
                getattr(invitation, key)
                if key == "organisation"
                else profile_label(profile, key, getattr(invitation, key)),
            )
            for key, label in (
                ("role", gettext("Role")),
                ("organisation_type", gettext("Type of organisation")),
                ("region", gettext("Region")),
                ("organisation", gettext("Organisation")),
            )
            if getattr(invitation, key)
        ]
    }


@bp.route("/respond/section/<section_id>", methods=["GET", "POST"])
def section(section_id: str) -> Page:
    respondent = _respondent_or_stop()
    if not isinstance(respondent, Respondent):
        return respondent
    questionnaire = respondent.questionnaire
    page_section = respondent.section(section_id)
    section_ids = {q.id for q in page_section.questions}
    stored = responses.answers(respondent.response)

    if request.method == "GET":
        return _section_page(respondent, page_section, stored)

    unknown = sorted(
        key for key in request.form if key not in section_ids and key not in {"csrf_token", "action", "shown"}
    )
    if unknown:
        abort(
            400, gettext("This page does not ask %(names)s. Nothing was saved.", names=", ".join(unknown[:5]))
        )
    # The questions shown when the page was drawn: posted answers to these are accepted,
    # and a question that the posted answers reveal is asked before moving on.
    rendered = set(request.form.getlist("shown")) & section_ids
    posted_view = {**stored, **{q: v for q, v in request.form.items() if q in section_ids}}
    candidates = tuple(
        q for q in page_section.questions if q.id in rendered or questionnaire.is_shown(q, posted_view)
    )
    form = build_section_form(respondent.shown, _shown_copies(respondent, candidates), formdata=request.form)
    if not form.validate():
        # Drawn again as posted: the questions that applied, and those the posted answers reveal.
        drawn = frozenset(q.id for q in candidates)
        layout = page_layout(respondent.shown, respondent.shown.section(section_id), posted_view, drawn)
        form = build_section_form(respondent.shown, drawn_questions(layout), formdata=request.form)
        form.validate()
        return _render_page(
            "respond/section.html",
            respondent,
            400,
            form=form,
            layout=layout,
            section=page_section,
            revealed=None,
            message=_csrf_message(form),
        )
    database.begin_writing()
    response_id = responses.lock_id_or_create(
        respondent.consultation, respondent.holder.response_key_hash, respondent.invitation
    )
    # Answers to the candidates alone: the questions shown or revealed.
    stored = responses.save_section(response_id, questionnaire, page_section, form.answers())
    db.session.commit()
    newly_shown = [q for q in questionnaire.iter_shown(page_section, stored) if q.id not in rendered]
    if newly_shown:
        message = ngettext(
            "Your answers have been saved. Because of your answer, question %(numbers)s now applies to you.",
            "Your answers have been saved. Because of your answers, questions %(numbers)s now apply to you.",
            len(newly_shown),
            numbers=gettext(" and ").join(str(q.number) for q in newly_shown),
        )
        return _section_page(respondent, page_section, stored, revealed=message)
    return _go_on(respondent, page_section.id)


def _section_page(
    respondent: Respondent, section: Section, stored: dict[str, str], revealed: str | None = None
) -> Page:
    """The section page showing the stored answers to the questions that apply."""
    layout = page_layout(respondent.shown, respondent.shown.section(section.id), stored)
    return _render_page(
        "respond/section.html",
        respondent,
        form=build_section_form(respondent.shown, drawn_questions(layout), data=stored),
        layout=layout,
        section=section,
        revealed=revealed,
        message=None,
    )


@bp.get("/respond/saved")
def saved() -> Page:
    respondent = _respondent_or_stop()
    if not isinstance(respondent, Respondent):
        return respondent
    return _render_page("respond/saved.html", respondent)


def _shown_copies(respondent: Respondent, questions: tuple[Question, ...]) -> tuple[Question, ...]:
    """`questions` as they read in the page's language (the same questions, translated)."""
    return tuple(respondent.shown.question(q.id) for q in questions)


def _check_context(respondent: Respondent) -> dict[str, Any]:
    stored = responses.answers(respondent.response)
    shown = respondent.shown
    sections = [
        (s, [(q, answer_label(q, stored.get(q.id))) for q in shown.iter_shown(s, stored)])
        for s in shown.sections
    ]
    missing_about = not _about_complete(respondent)
    profile = responses.profile_of(respondent.response)
    about = {
        key: profile_label(
            shown.profile,
            key,
            (getattr(profile, key) if profile else None) or getattr(respondent.invitation, key),
        )
        for key in ("role", "organisation_type", "region")
    }
    return {
        "sections": sections,
        "missing_about": missing_about,
        "answered": len(stored),
        "profile": profile,
        "about": about,
    }


@bp.route("/respond/check", methods=["GET", "POST"])
def check() -> Page:
    respondent = _respondent_or_stop()
    if not isinstance(respondent, Respondent):
        return respondent
    form = SubmitForm()
    if request.method == "POST":
        context = _check_context(respondent)
        if not form.validate():
            return _render_page(
                "respond/check.html", respondent, 400, form=form, message=_csrf_message(form), **context
            )
        if context["missing_about"]:
            return _render_page(
                "respond/check.html",
                respondent,
                400,
                form=form,
                message=None,
                about_error=gettext("Answer the questions in About you before you submit"),
                **context,
            )
        if not links.mark_responded(respondent.invitation, respondent.holder):
            # The link was reissued or withdrawn after this page was drawn: nothing is submitted.
            db.session.rollback()
            return render_template("respond/session_ended.html", typed=[], replaced=True), 401
        response = responses.lock_or_create(
            respondent.consultation, respondent.holder.response_key_hash, respondent.invitation
        )
        responses.submit(response, respondent.questionnaire)
        db.session.commit()
        return redirect(url_for("respond.submitted"), 303)
    return _render_page(
        "respond/check.html", respondent, form=form, message=None, **_check_context(respondent)
    )


@bp.get("/respond/submitted")
def submitted() -> Page:
    respondent = _respondent_or_stop()
    if not isinstance(respondent, Respondent):
        return respondent
    if respondent.response is None or respondent.response.status != Status.SUBMITTED:
        return redirect(url_for("respond.check"), 303)
    submitted_count = len(responses.answers(respondent.response, Stage.SUBMITTED))
    return _render_page("respond/submitted.html", respondent, submitted_count=submitted_count)
