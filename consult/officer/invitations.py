"""The invitation list: upload, look through, send links and reminders, download a mail merge.

Every page here shows or changes contact details, so every route is for officers only
(`officer_required`); analysts get 403. Each route calls the data layer and commits once,
except sending, which commits after each email so that an interrupted run can resume
(`consult.mail.sending`).
"""

from __future__ import annotations

import math
from typing import Any

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response as WerkzeugResponse

from consult.auth.access import officer_required
from consult.data import audit, consultations, invitations
from consult.extensions import db
from consult.mail import merge as mail_merge
from consult.mail import sending as mail
from consult.mail import smtp
from consult.officer.blueprint import bp, current_consultation
from consult.officer.forms import ConfirmForm, MailMergeForm, ReminderForm, UploadListForm
from consult.web import public_url

Page = str | WerkzeugResponse | tuple[str, int]
PER_PAGE = 50
SHOWN_ERRORS = 500


def _base_url() -> str:
    return public_url.base_url()


def _mail_settings() -> smtp.MailSettings | None:
    return smtp.settings_from(current_app.config)


def _too_large_message() -> str:
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    return f"The selected file must be smaller than {max(1, math.floor(limit / 1024 / 1024))} MB"


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge) -> tuple[str, int]:
    """An upload over the size limit: the upload page says so; elsewhere, the error page."""
    if request.endpoint == "officer.upload_invitations" and current_user.is_authenticated:
        if current_user.is_officer:
            return _upload_page(UploadListForm(formdata=None), problem=_too_large_message(), status=413)
    return render_template("error.html", error=error), 413


@bp.get("/invitations")
@officer_required
def invitations_list() -> str:
    consultation = current_consultation()
    counts = invitations.counts(consultation)
    pages = max(1, math.ceil(counts.on_list / PER_PAGE))
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
    return render_template(
        "officer/invitations.html",
        consultation=consultation,
        counts=counts,
        people=invitations.page_of(consultation, page, PER_PAGE),
        page=page,
        pages=pages,
        outbox=mail.outbox_state(consultation),
        mail_ready=_mail_settings() is not None,
        form=ConfirmForm(),
    )


def _upload_page(
    form: UploadListForm,
    problem: str | None = None,
    checked: invitations.CheckedList | None = None,
    status: int = 200,
) -> tuple[str, int]:
    consultation = current_consultation()
    profile = consultations.questionnaire_of(consultation).profile
    errors = checked.errors if checked else []
    return (
        render_template(
            "officer/invitations_upload.html",
            form=form,
            problem=problem,
            errors=errors[:SHOWN_ERRORS],
            more_errors=max(0, len(errors) - SHOWN_ERRORS),
            bad_rows=len({e.row for e in errors}),
            profile=profile,
            purged=consultation.purged_on is not None,
        ),
        status,
    )


@bp.route("/invitations/upload", methods=["GET", "POST"])
@officer_required
def upload_invitations() -> Page:
    consultation = current_consultation()
    form = UploadListForm()
    if request.method == "GET":
        return _upload_page(form)
    if consultation.purged_on is not None:
        return _upload_page(
            form, problem="The contact list has been destroyed: no list can be uploaded", status=400
        )
    if not form.validate():
        return _upload_page(form, status=400)
    upload = form.file.data
    profile = consultations.questionnaire_of(consultation).profile
    try:
        checked = invitations.check_file(upload.filename or "", upload.read(), profile)
    except invitations.ListFileError as exc:
        return _upload_page(form, problem=str(exc), status=400)
    if not checked.ok:
        return _upload_page(form, checked=checked, status=400)
    result = invitations.import_people(consultation, checked.people)
    audit.record(
        "imported invitation list",
        current_user.email,
        f"{len(checked.people)} rows: {result.added} added, {result.already_invited} already on the list",
    )
    db.session.commit()
    flash(
        f"{result.added} {'person' if result.added == 1 else 'people'} added to the invitation list. "
        f"{result.already_invited} already on the list were left as they were.",
        "success",
    )
    return redirect(url_for("officer.invitations_list"), 303)


def _send_page(kind: str, form: Any, problem: str | None = None, status: int = 200) -> tuple[str, int]:
    consultation = current_consultation()
    query = (
        mail.invitation_candidates(consultation)
        if kind == mail.INVITATION
        else mail.reminder_candidates(consultation)
    )
    return (
        render_template(
            "officer/invitations_send.html",
            kind=kind,
            form=form,
            problem=problem,
            due=mail.count_candidates(query),
            outbox=mail.outbox_state(consultation),
            mail_ready=_mail_settings() is not None,
            consultation=consultation,
            state=consultations.state(consultation),
        ),
        status,
    )


def _send(kind: str, new_link: bool = False) -> WerkzeugResponse | tuple[str, int] | None:
    """Queue `kind` for everyone due one and send for a while; None if there was a problem shown."""
    consultation = current_consultation()
    settings = _mail_settings()
    if settings is None:
        return None
    _, queued = mail.queue(consultation, kind, new_link=new_link)
    db.session.commit()
    return _run_outbox(consultation, settings, f"queued {queued} {kind}s")


def _run_outbox(consultation: Any, settings: smtp.MailSettings, what: str) -> WerkzeugResponse:
    try:
        report = mail.send_pending(
            consultation, settings, _base_url(), time_budget=current_app.config.get("MAIL_SEND_SECONDS")
        )
    except smtp.MailError as exc:
        db.session.rollback()
        audit.record("sent emails", current_user.email, f"{what}; none sent: {exc}")
        db.session.commit()
        flash(f"{exc}. Nothing more was sent: emails waiting to be sent are kept.", "important")
        return redirect(url_for("officer.invitations_list"), 303)
    audit.record(
        "sent emails",
        current_user.email,
        f"{what}; {report.sent} sent, {report.failed} refused, {report.remaining} still to send, "
        f"{report.unconfirmed} unconfirmed",
    )
    db.session.commit()
    message = f"{report.sent} {'email' if report.sent == 1 else 'emails'} sent."
    if report.failed:
        message += f" {report.failed} refused by the mail server (listed below)."
    if report.interrupted:
        message += f" {report.interrupted}."
    if report.remaining:
        message += f" {report.remaining} still to send: select ‘Continue sending’."
    flash(message, "success" if not (report.failed or report.interrupted) else "important")
    return redirect(url_for("officer.invitations_list"), 303)


@bp.route("/invitations/send", methods=["GET", "POST"])
@officer_required
def send_invitations() -> Page:
    form = ConfirmForm()
    if request.method == "POST" and form.validate():
        try:
            sent = _send(mail.INVITATION)
        except smtp.MailError as exc:
            db.session.rollback()
            return _send_page(mail.INVITATION, form, problem=str(exc), status=400)
        if sent is not None:
            return sent
        return _send_page(mail.INVITATION, form, problem="Email is not set up: see below", status=400)
    return _send_page(mail.INVITATION, form, status=400 if request.method == "POST" else 200)


@bp.route("/invitations/reminders", methods=["GET", "POST"])
@officer_required
def send_reminders() -> Page:
    form = ReminderForm()
    if request.method == "POST" and form.validate():
        try:
            sent = _send(mail.REMINDER, new_link=form.content.data == "new_link")
        except smtp.MailError as exc:
            db.session.rollback()
            return _send_page(mail.REMINDER, form, problem=str(exc), status=400)
        if sent is not None:
            return sent
        return _send_page(mail.REMINDER, form, problem="Email is not set up: see below", status=400)
    return _send_page(mail.REMINDER, form, status=400 if request.method == "POST" else 200)


@bp.post("/invitations/outbox/continue")
@officer_required
def continue_sending() -> Page:
    form = ConfirmForm()
    consultation = current_consultation()
    settings = _mail_settings()
    if not form.validate() or settings is None:
        flash("Emails could not be sent: email is not set up, or the page had expired", "important")
        return redirect(url_for("officer.invitations_list"), 303)
    try:
        return _run_outbox(consultation, settings, "continued sending")
    except smtp.MailError as exc:
        db.session.rollback()
        flash(str(exc), "important")
        return redirect(url_for("officer.invitations_list"), 303)


@bp.post("/invitations/outbox/release")
@officer_required
def release_unconfirmed() -> WerkzeugResponse:
    form = ConfirmForm()
    if form.validate():
        released = mail.release_unconfirmed(current_consultation())
        audit.record("released unconfirmed emails", current_user.email, f"{released} to send again")
        db.session.commit()
        flash(
            f"{released} unconfirmed {'email' if released == 1 else 'emails'} will be sent again "
            "when you select ‘Continue sending’.",
            "success",
        )
    return redirect(url_for("officer.invitations_list"), 303)


@bp.route("/invitations/mail-merge", methods=["GET", "POST"])
@officer_required
def mail_merge_download() -> Page:
    consultation = current_consultation()
    form = MailMergeForm()
    problem = None
    if request.method == "POST" and form.validate():
        try:
            rows = mail_merge.mail_merge(consultation, form.scope.data or "new", _base_url())
        except smtp.MailError as exc:
            problem = str(exc)
        else:
            audit.record(
                "downloaded mail-merge file",
                current_user.email,
                f"{len(rows)} links made ({form.scope.data}); earlier links of these people revoked",
            )
            db.session.commit()
            filename = f"{consultation.slug}-mail-merge-{len(rows)}.csv"
            return Response(
                mail_merge.mail_merge_csv(rows),
                mimetype="text/csv",
                headers={"Content-Disposition": f'attachment; filename="{filename}"'},
            )
    counts = invitations.counts(consultation)
    status = 400 if request.method == "POST" else 200
    return (
        render_template("officer/mail_merge.html", form=form, problem=problem, counts=counts),
        status,
    )
