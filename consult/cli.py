"""The `consult` command: set up, issue links, serve and export.

Each command builds the app itself, so `consult --help` starts instantly.
"""

from __future__ import annotations

import datetime as dt
import secrets
import sys
from pathlib import Path

import click

DEFAULT_BASE_URL = "http://127.0.0.1:5000"  # development only: elsewhere BASE_URL is required


def _app(setting_up: bool = False):  # noqa: ANN202 - a Flask app, imported lazily for a quick --help
    """The app to act on: the caller's (tests, `flask --app consult`), else a new one.

    When `setting_up`, a new app gets a generated SECRET_KEY in instance/config.py if
    none is configured anywhere.
    """
    from flask.cli import ScriptInfo

    context = click.get_current_context(silent=True)
    info = context.find_object(ScriptInfo) if context is not None else None
    if info is not None:
        return info.load_app()
    from consult import create_app
    from consult.config import ensure_instance_secret

    if setting_up and (written := ensure_instance_secret()):
        click.echo(f"Wrote a new SECRET_KEY to {written}", err=True)
    try:
        return create_app()
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from None


def _parse_date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date: use YYYY-MM-DD, for example 2015-03-31") from None


@click.group(help="consult: consultation surveys through unique links, stored anonymised.")
def main() -> None:
    pass


@main.command()
@click.option("--questionnaire", default=None, help="Questionnaire to load (default: taking-stock).")
@click.option("--opens-on", help="Opening date, YYYY-MM-DD (default: today).")
@click.option("--closes-on", help="Closing date, YYYY-MM-DD (default: 12 weeks after opening).")
@click.option(
    "--first-officer",
    default="officer@localhost",
    show_default=True,
    help="Email of the first officer account, made (with a one-time sign-in link) only if there is none.",
)
def init(questionnaire: str | None, opens_on: str | None, closes_on: str | None, first_officer: str) -> None:
    """Create or upgrade the database and load the questionnaire. Safe to repeat."""
    app = _app(setting_up=True)
    from flask_migrate import upgrade

    from consult.data import consultations
    from consult.data import officers as officer_data
    from consult.data.consultations import DateError
    from consult.extensions import db
    from consult.models import OfficerRole
    from questions import QuestionnaireError

    with app.app_context():
        upgrade()
        try:
            consultation, created = consultations.ensure_consultation(
                questionnaire or app.config["QUESTIONNAIRE"], _parse_date(opens_on), _parse_date(closes_on)
            )
        except (QuestionnaireError, DateError) as exc:
            raise click.ClickException(str(exc)) from None
        db.session.commit()
        verb = "Loaded" if created else "Already loaded:"
        click.echo(
            f"{verb} {consultation.title!r}, open {consultation.opens_on} to {consultation.closes_on}",
            err=True,
        )
        if first_officer and officer_data.count() == 0:
            officer = officer_data.add_officer(first_officer, OfficerRole.OFFICER)
            token = officer_data.create_sign_in_link(officer)
            db.session.commit()
            click.echo(f"First officer {officer.email}: sign in within 24 hours at", err=True)
            click.echo(f"{_root(app)}/sign-in/link/{token}", err=True)


@main.group()
def officers() -> None:
    """Officer and analyst accounts."""


def _root(app, base_url: str | None = None) -> str:  # noqa: ANN001 - a Flask app
    """The root of printed links: --base-url, else BASE_URL (required outside development)."""
    from consult.public_url import DEVELOPMENT_BASE_URL

    return (base_url or app.config.get("BASE_URL") or DEVELOPMENT_BASE_URL).rstrip("/")


@officers.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice(["officer", "analyst"]), default="officer", show_default=True)
@click.option(
    "--link",
    "with_link",
    is_flag=True,
    help="Print a one-time sign-in link instead of asking for a password.",
)
@click.option("--base-url", default=None, help="Site address for the sign-in link.")
def officers_add(email: str, role: str, with_link: bool, base_url: str | None) -> None:
    """Create an account; ask for its password, or print a one-time sign-in link."""
    app = _app()
    from consult.data import audit
    from consult.data import officers as officer_data
    from consult.extensions import db
    from consult.models import OfficerRole

    password = None
    if not with_link:
        password = click.prompt("Password (12 to 128 characters)", hide_input=True, confirmation_prompt=True)
        if problem := officer_data.password_problem(password, email):
            raise click.ClickException(problem)
    with app.app_context():
        try:
            officer = officer_data.add_officer(email, OfficerRole(role), password)
        except officer_data.AccountError as exc:
            raise click.ClickException(str(exc)) from None
        token = officer_data.create_sign_in_link(officer) if with_link else None
        audit.record("added account", None, f"{officer.email} as {role} (command line)")
        db.session.commit()
        click.echo(f"Added {officer.email} as {role}", err=True)
        if token:
            from consult.public_url import sign_in_link_url

            click.echo(sign_in_link_url(token, _root(app, base_url)))


def _officer_account(email: str):  # noqa: ANN202 - consult.models.Officer
    from consult.data import officers as officer_data

    officer = officer_data.get_by_email(email)
    if officer is None:
        raise click.ClickException(f"There is no account for {email}")
    return officer


@officers.command("disable")
@click.argument("email")
def officers_disable(email: str) -> None:
    """Disable an account: it can no longer sign in, and is signed out everywhere now."""
    app = _app()
    from consult.data import audit
    from consult.data import officers as officer_data
    from consult.extensions import db

    with app.app_context():
        officer = _officer_account(email)
        officer_data.disable_officer(officer)
        audit.record("disabled account", None, f"{officer.email} (command line)")
        db.session.commit()
    click.echo(f"Disabled {email}; every session of it has ended", err=True)


@officers.command("role")
@click.argument("email")
@click.argument("role", type=click.Choice(["officer", "analyst"]))
def officers_role(email: str, role: str) -> None:
    """Change an account's role; it is signed out everywhere and signs in again under the new role."""
    app = _app()
    from consult.data import audit
    from consult.data import officers as officer_data
    from consult.extensions import db
    from consult.models import OfficerRole

    with app.app_context():
        officer = _officer_account(email)
        officer_data.change_role(officer, OfficerRole(role))
        audit.record("changed role", None, f"{officer.email} to {role} (command line)")
        db.session.commit()
    click.echo(f"{email} is now {role}; every session of it has ended", err=True)


@main.command()
@click.option("--questionnaire", default=None, help="Consultation (questionnaire slug).")
@click.option("--opens-on", help="New opening date, YYYY-MM-DD.")
@click.option("--closes-on", help="New closing date, YYYY-MM-DD.")
def dates(questionnaire: str | None, opens_on: str | None, closes_on: str | None) -> None:
    """Show or change a consultation's opening and closing dates (changes are audited)."""
    app = _app()
    from consult.data import closing, consultations
    from consult.data.consultations import DateError
    from consult.extensions import db

    with app.app_context():
        consultation = _consultation(questionnaire or app.config["QUESTIONNAIRE"])
        if opens_on or closes_on:
            try:
                closing.change_dates(consultation, _parse_date(opens_on), _parse_date(closes_on), None)
            except DateError as exc:
                raise click.ClickException(str(exc)) from None
            db.session.commit()
        click.echo(
            f"{consultation.slug}: open {consultation.opens_on} to {consultation.closes_on} "
            f"({consultations.state(consultation).replace('_', ' ')})"
        )


def _consultation(slug: str):  # noqa: ANN202 - consult.models.Consultation
    from consult.data import consultations

    consultation = consultations.get_by_slug(slug)
    if consultation is None:
        raise click.ClickException(f"No consultation {slug!r}: run `consult init` first")
    return consultation


@main.group()
def links() -> None:
    """Respondent links."""


@links.command("new")
@click.option("--count", default=1, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--role", help="Role the links' holders have (not asked again).")
@click.option("--organisation-type", help="Type of organisation (not asked again).")
@click.option("--region", help="Region (not asked again).")
@click.option("--questionnaire", default=None, help="Consultation (questionnaire slug).")
@click.option(
    "--base-url", default=None, help=f"Site address for the links (default: BASE_URL or {DEFAULT_BASE_URL})."
)
def links_new(
    count: int,
    role: str | None,
    organisation_type: str | None,
    region: str | None,
    questionnaire: str | None,
    base_url: str | None,
) -> None:
    """Print COUNT new respondent links, one a line, and nothing else on stdout."""
    app = _app()
    from consult.data import consultations
    from consult.data import links as link_data
    from consult.extensions import db

    with app.app_context():
        consultation = _consultation(questionnaire or app.config["QUESTIONNAIRE"])
        profile = consultations.questionnaire_of(consultation).profile
        for value, allowed, what in (
            (role, profile.roles, "role"),
            (organisation_type, profile.organisation_types, "organisation type"),
            (region, profile.regions, "region"),
        ):
            if value is not None and value not in allowed:
                raise click.BadParameter(f"{value!r} is not a {what}; choose from: {', '.join(allowed)}")
        root = _root(app, base_url)
        issued = [
            link_data.issue_link(consultation, role=role, organisation_type=organisation_type, region=region)
            for _ in range(count)
        ]
        db.session.commit()
    for link in issued:
        click.echo(f"{root}/r/{link.token}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Run the app for local use (for production, run gunicorn: see README)."""
    app = _app()
    from consult.serving import run_local

    if app.config.get("JOBS_REDIS_URL") is None:
        # Runs this server was doing when it last stopped will never finish: say so.
        from consult.data import theme_runs
        from consult.extensions import db

        with app.app_context():
            stopped = theme_runs.abandon_unfinished(reason="Stopped: the server was stopped while it ran")
            if stopped:
                click.echo(f"{stopped} unfinished theme run(s) marked stopped", err=True)
            db.session.commit()
    click.echo(f"Serving on http://{host}:{port}/ (Ctrl-C to stop)", err=True)
    run_local(app, host, port)


@main.command()
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker(burst: bool) -> None:
    """Run background jobs (theme runs) from the Redis queue in JOBS_REDIS_URL, with RQ."""
    app = _app()
    url = app.config.get("JOBS_REDIS_URL")
    if not url:
        raise click.ClickException(
            "No job queue is configured: set CONSULT_JOBS_REDIS_URL (redis://…). "
            "Without one, `consult serve` runs jobs itself."
        )
    from redis import Redis
    from rq import Worker

    from consult.extensions import db

    with app.app_context():
        # Each job runs in a forked child: it must open its own database connections,
        # never share one inherited from this process.
        db.engine.dispose()
        connection = Redis.from_url(str(url))
        queue_name = str(app.config["JOBS_QUEUE"])
        click.echo(f"Working on queue {queue_name!r} (Ctrl-C to stop)", err=True)
        Worker([queue_name], connection=connection).work(burst=burst)


@main.group()
def export() -> None:
    """Exports."""


@export.command("responses")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--questionnaire", default=None, help="Consultation (questionnaire slug).")
def export_responses(out_path: Path, questionnaire: str | None) -> None:
    """Write the anonymised response-level export (CSV, safe to open in Excel)."""
    app = _app()
    from consult.data import consultations
    from consult.data.export import response_rows, write_csv

    with app.app_context():
        consultation = _consultation(questionnaire or app.config["QUESTIONNAIRE"])
        questionnaire_def = consultations.questionnaire_of(consultation)
        rows = response_rows(consultation, questionnaire_def)
    # Write to a temporary file first so a failed export never leaves half a file.
    partial = out_path.with_name(f".{out_path.name}.{secrets.token_hex(4)}.part")
    try:
        with partial.open("w", encoding="utf-8-sig", newline="") as fh:
            written = write_csv(rows, questionnaire_def, fh)
        partial.replace(out_path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise click.ClickException(f"Could not write {out_path}: {exc.strerror}") from None
    click.echo(f"Wrote {written} response{'' if written == 1 else 's'} to {out_path}", err=True)


@main.command()
@click.option(
    "--on", "on", required=True, help="The closing date, YYYY-MM-DD: the last day responses are accepted."
)
@click.option("--questionnaire", default=None, help="Consultation (questionnaire slug).")
def close(on: str, questionnaire: str | None) -> None:
    """Set the closing date: links stop accepting answers after the end of that day."""
    app = _app()
    from consult.data import closing, consultations
    from consult.data.consultations import DateError
    from consult.extensions import db

    closes_on = _parse_date(on)
    with app.app_context():
        consultation = _consultation(questionnaire or app.config["QUESTIONNAIRE"])
        try:
            closing.change_dates(consultation, None, closes_on, None)
        except DateError as exc:
            raise click.ClickException(f"{exc}, {consultation.opens_on}") from None
        db.session.commit()
        click.echo(
            f"{consultation.slug}: closes at the end of {consultation.closes_on} "
            f"({consultations.state(consultation).replace('_', ' ')})"
        )


@main.command("purge-contacts")
@click.option("--questionnaire", default=None, help="Consultation (questionnaire slug).")
@click.option(
    "--confirm",
    "confirmation",
    metavar="SLUG",
    help="The consultation's slug, to confirm without the prompt (for scripts).",
)
def purge_contacts(questionnaire: str | None, confirmation: str | None) -> None:
    """After closing: delete the invitation list and the response key, for good.

    Responses, the export and reports keep working; no link works any more and no
    response can be matched to a person. Asks you to type the consultation's slug.
    """
    app = _app()
    from consult.data import closing
    from consult.extensions import db

    with app.app_context():
        consultation = _consultation(questionnaire or app.config["QUESTIONNAIRE"])
        if refusal := closing.purge_refusal(consultation):
            raise click.ClickException(f"{refusal} Nothing was deleted.")
        if confirmation is None:
            click.echo(
                "This deletes every invitation (names, email addresses, organisations), any queued "
                "emails and the response key. It cannot be undone.",
                err=True,
            )
            confirmation = click.prompt(
                f"Type {consultation.slug} to confirm", default="", show_default=False
            )
        if confirmation.strip() != consultation.slug:
            raise click.ClickException(f"You did not type {consultation.slug}. Nothing was deleted.")
        result = closing.purge_contacts(consultation, None)
        db.session.commit()
        closing.scrub_storage()
    click.echo(
        f"Deleted {result.invitations} invitations and {result.messages} queued emails; "
        f"destroyed the response key ({result.response_keys} responses unlinked). "
        "Responses and reports still work.",
        err=True,
    )


@main.command()
@click.option(
    "--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path), help="File to write."
)
def backup(out_path: Path) -> None:
    """Back up the database to one file while the app keeps serving (see docs/backup.md)."""
    app = _app()
    from consult import backup as backups
    from consult.extensions import db

    with app.app_context():
        try:
            report = backups.back_up(db.engine, out_path)
        except backups.BackupError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(
        f"Backed up the {report.backend} database (schema {report.revision}) to {report.path} "
        f"({report.size:,} bytes)",
        err=True,
    )


@main.command()
@click.argument("backup_file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds responses.")
def restore(backup_file: Path, force: bool) -> None:
    """Restore the database from a backup made by `consult backup`.

    Refuses a backup from a newer version of consult, and a database that holds responses
    unless --force. A backup from an older version is brought up to date after restoring.
    """
    app = _app()
    from flask_migrate import upgrade

    from consult import backup as backups
    from consult.extensions import db

    with app.app_context():
        try:
            revision = backups.restore(db.engine, backup_file, force=force)
        except backups.BackupError as exc:
            raise click.ClickException(str(exc)) from None
        head, _ = backups.known_revisions()
        if revision != head:
            upgrade()
            click.echo(f"Upgraded the restored schema from {revision} to {head}", err=True)
    click.echo(f"Restored {backup_file} (schema {revision})", err=True)


@main.group()
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
    app = _app()
    from consult.data import audit, smtp
    from consult.data import mail as mail_data
    from consult.extensions import db

    settings = smtp.settings_from(app.config)
    if settings is None:
        raise click.ClickException("Email is not set up: set MAIL_SERVER and MAIL_FROM")
    with app.app_context():
        consultation = _consultation(questionnaire or app.config["QUESTIONNAIRE"])
        try:
            if what:
                _, queued = mail_data.queue(consultation, what, new_link=new_link)
                db.session.commit()
                click.echo(f"Queued {queued} {what}s", err=True)
            report = mail_data.send_pending(consultation, settings, _root(app, base_url))
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
