"""Sending invitations and reminders by email."""

from __future__ import annotations

import sys

import click

from consult.cli.common import command_app, consultation_named, link_root


@click.group()
def mail() -> None:
    """Invitations and reminders by email (SMTP settings MAIL_* in the instance config)."""


@mail.command("send")
@click.option(
    "--invitations", "what", flag_value="invitation", help="Queue invitations for everyone without a link."
)
@click.option(
    "--reminders", "what", flag_value="reminder", help="Queue reminders for those who have not submitted."
)
@click.option("--new-link", is_flag=True, help="Reminders carry a new link, replacing the earlier one.")
@click.option("--base-url", default=None, help="Root of the links, e.g. https://consult.example.gov.uk")
@click.option("--questionnaire", default=None, help="Questionnaire (default: the configured one).")
def mail_send(what: str | None, new_link: bool, base_url: str | None, questionnaire: str | None) -> None:
    """Queue invitations or reminders (if asked), then send everything waiting; safe to re-run.

    An interrupted run resumes where it stopped and sends no email twice.
    """
    app = command_app()
    from consult.data import audit
    from consult.extensions import db
    from consult.mail import sending as mail_data
    from consult.mail import smtp

    settings = smtp.settings_from(app.config)
    if settings is None:
        raise click.ClickException("Email is not set up: set MAIL_SERVER and MAIL_FROM")
    with app.app_context():
        consultation = consultation_named(questionnaire or app.config["QUESTIONNAIRE"])
        try:
            if what:
                _, queued = mail_data.queue(consultation, what, new_link=new_link)
                db.session.commit()
                click.echo(f"Queued {queued} {what}s", err=True)
            report = mail_data.send_pending(consultation, settings, link_root(app, base_url))
        except smtp.MailError as exc:
            raise click.ClickException(str(exc)) from None
        audit.record(
            "sent emails",
            None,
            f"command line: {report.sent} sent, {report.failed} refused, "
            f"{report.remaining} still to send, {report.unconfirmed} unconfirmed",
        )
        db.session.commit()
    click.echo(
        f"Sent {report.sent}; refused {report.failed}; still to send {report.remaining}; "
        f"unconfirmed {report.unconfirmed}" + (f". {report.interrupted}" if report.interrupted else ""),
        err=True,
    )
    if report.remaining or report.interrupted:
        sys.exit(1)




@mail.command("requested")
def mail_requested() -> None:
    """Send the emails asked for on the site that still wait (sign-in links, respondents' own links).

    They are normally sent at once by a background job; they wait when the mail server or
    the job queue could not be reached. Safe to re-run.
    """
    app = command_app()
    from consult.data import requested_emails
    from consult.mail import requested, smtp

    settings = smtp.settings_from(app.config)
    if settings is None:
        raise click.ClickException("Email is not set up: set MAIL_SERVER and MAIL_FROM")
    with app.app_context():
        report = requested.send_requested(settings)
        waiting = requested_emails.waiting_count()
    click.echo(
        f"Sent {report.sent}; nothing to send for {report.dropped}; still waiting {waiting}"
        + (f". {report.problem}" if report.problem else ""),
        err=True,
    )
    if report.problem:
        sys.exit(1)
