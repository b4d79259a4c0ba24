"""Commands for the consultation itself: set up, dates, links, export, closing and purging."""

from __future__ import annotations

import secrets
from pathlib import Path

import click

from consult.cli.common import command_app, consultation_named, link_root, parse_date
from consult.web.public_url import DEVELOPMENT_BASE_URL


@click.command()
@click.option("--questionnaire", default=None, help="Questionnaire to load (default: QUESTIONNAIRE setting).")
@click.option("--opens-on", help="Opening date, YYYY-MM-DD (default: today).")
@click.option("--closes-on", help="Closing date, YYYY-MM-DD (default: 12 weeks after opening).")
@click.option(
    "--first-officer",
    default="officer@localhost",
    show_default=True,
    help="Email of the first officer account, made (with a one-time sign-in link) only if there is none.",
)
@click.option(
    "--base-url",
    default=None,
    help="The site's address, written as BASE_URL to instance/config.py (e.g. http://127.0.0.1:5700).",
)
def init(
    questionnaire: str | None,
    opens_on: str | None,
    closes_on: str | None,
    first_officer: str,
    base_url: str | None,
) -> None:
    """Create or upgrade the database and load the questionnaire. Safe to repeat."""
    from consult.config import checked_base_url

    if base_url is not None:
        try:
            base_url = checked_base_url(base_url)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
    app = command_app(setting_up=True, base_url=base_url)
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
                questionnaire or app.config["QUESTIONNAIRE"], parse_date(opens_on), parse_date(closes_on)
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
            click.echo(f"{link_root(app)}/sign-in/link/{token}", err=True)
            click.echo(
                f"(Link lost or used up? `consult officers link {officer.email}` prints a new one.)",
                err=True,
            )


@click.command()
@click.option("--questionnaire", default=None, help="Consultation (questionnaire slug).")
@click.option("--opens-on", help="New opening date, YYYY-MM-DD.")
@click.option("--closes-on", help="New closing date, YYYY-MM-DD.")
def dates(questionnaire: str | None, opens_on: str | None, closes_on: str | None) -> None:
    """Show or change a consultation's opening and closing dates (changes are audited)."""
    app = command_app()
    from consult.data import closing, consultations
    from consult.data.consultations import DateError
    from consult.extensions import db

    with app.app_context():
        consultation = consultation_named(questionnaire or app.config["QUESTIONNAIRE"])
        if opens_on or closes_on:
            try:
                closing.change_dates(consultation, parse_date(opens_on), parse_date(closes_on), None)
            except DateError as exc:
                raise click.ClickException(str(exc)) from None
            db.session.commit()
        click.echo(
            f"{consultation.slug}: open {consultation.opens_on} to {consultation.closes_on} "
            f"({consultations.state(consultation).replace('_', ' ')})"
        )


@click.group()
def links() -> None:
    """Respondent links."""


@links.command("new")
@click.option("--count", default=1, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--role", help="Role the links' holders have (not asked again).")
@click.option("--organisation-type", help="Type of organisation (not asked again).")
@click.option("--region", help="Region (not asked again).")
@click.option("--questionnaire", default=None, help="Consultation (questionnaire slug).")
@click.option(
    "--base-url",
    default=None,
    help=f"Site address for the links (default: BASE_URL or {DEVELOPMENT_BASE_URL}).",
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
    app = command_app()
    from consult.data import consultations
    from consult.data import links as link_data
    from consult.extensions import db

    with app.app_context():
        consultation = consultation_named(questionnaire or app.config["QUESTIONNAIRE"])
        profile = consultations.questionnaire_of(consultation).profile
        for value, allowed, what in (
            (role, profile.roles, "role"),
            (organisation_type, profile.organisation_types, "organisation type"),
            (region, profile.regions, "region"),
        ):
            if value is not None and value not in allowed:
                raise click.BadParameter(f"{value!r} is not a {what}; choose from: {', '.join(allowed)}")
        root = link_root(app, base_url)
        issued = [
            link_data.issue_link(consultation, role=role, organisation_type=organisation_type, region=region)
            for _ in range(count)
        ]
        db.session.commit()
    for link in issued:
        click.echo(f"{root}/r/{link.token}")


@click.group()
def export() -> None:
    """Exports."""


@export.command("responses")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--questionnaire", default=None, help="Consultation (questionnaire slug).")
def export_responses(out_path: Path, questionnaire: str | None) -> None:
    """Write the anonymised response-level export (CSV, safe to open in Excel)."""
    app = command_app()
    from consult.data import consultations
    from consult.data.export import response_rows, write_csv

    with app.app_context():
        consultation = consultation_named(questionnaire or app.config["QUESTIONNAIRE"])
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


@click.command()
@click.option(
    "--on", "on", required=True, help="The closing date, YYYY-MM-DD: the last day responses are accepted."
)
@click.option("--questionnaire", default=None, help="Consultation (questionnaire slug).")
def close(on: str, questionnaire: str | None) -> None:
    """Set the closing date: links stop accepting answers after the end of that day."""
    app = command_app()
    from consult.data import closing, consultations
    from consult.data.consultations import DateError
    from consult.extensions import db

    closes_on = parse_date(on)
    with app.app_context():
        consultation = consultation_named(questionnaire or app.config["QUESTIONNAIRE"])
        try:
            closing.change_dates(consultation, None, closes_on, None)
        except DateError as exc:
            raise click.ClickException(f"{exc}, {consultation.opens_on}") from None
        db.session.commit()
        click.echo(
            f"{consultation.slug}: closes at the end of {consultation.closes_on} "
            f"({consultations.state(consultation).replace('_', ' ')})"
        )


@click.command("purge-contacts")
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
    app = command_app()
    from consult.data import closing
    from consult.extensions import db

    with app.app_context():
        consultation = consultation_named(questionnaire or app.config["QUESTIONNAIRE"])
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


