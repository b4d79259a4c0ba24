"""`consult questionnaire`: check a questionnaire file, and load it as a consultation."""

from __future__ import annotations

from pathlib import Path

import click

from consult.cli.common import command_app, parse_date

_FILE = click.Path(dir_okay=False, path_type=Path)


@click.group()
def questionnaire() -> None:
    """Questionnaire files: check one, or load it as a consultation."""


@questionnaire.command("check")
@click.argument("file", type=_FILE)
def check(file: Path) -> None:
    """Check FILE: ids, numbering, conditions, options, profile lists and translations.

    Prints every fault as FILE:LINE: … and exits 1; for a valid file, prints its
    translation status and every text whose translation is missing or still a draft,
    and exits 0.
    """
    from questions import LANGUAGE_NAMES, TRANSLATIONS, TranslationStatus, read

    result = read(file)
    if result.faults:
        for fault in result.faults:
            click.echo(fault.located(file), err=True)
        raise SystemExit(1)
    checked = result.questionnaire
    assert checked is not None  # a file without faults has its questionnaire
    size = f"{len(checked.questions)} questions in {len(checked.sections)} sections"
    click.echo(f"{file}: valid: {checked.slug!r}, {size}")
    for lang in TRANSLATIONS:
        status = checked.translation_status(lang)
        click.echo(f"{LANGUAGE_NAMES[lang]} ({lang}): {status}{_offered(status)}")
        for gap in result.untranslated(lang):
            what = "no" if gap.text.status is TranslationStatus.MISSING else "draft"
            where = f"{file}:{gap.line}" if gap.line else str(file)
            click.echo(
                f"{where}: {gap.text.element}: {what} {LANGUAGE_NAMES[lang]} for {', '.join(gap.text.fields)}"
            )


def _offered(status: str) -> str:
    if status == "complete":
        return " (offered to respondents)"
    if status == "draft":
        return " (offered to respondents only where OFFER_DRAFT_TRANSLATIONS is true)"
    return " (not offered to respondents)"


@questionnaire.command("load")
@click.argument("file", type=_FILE)
@click.option("--opens-on", help="Opening date, YYYY-MM-DD (a new consultation: today).")
@click.option("--closes-on", help="Closing date, YYYY-MM-DD (a new consultation: 12 weeks after opening).")
def load(file: Path, opens_on: str | None, closes_on: str | None) -> None:
    """Load FILE as a consultation, or as the new questionnaire of an existing one.

    The file is checked, then kept as questions/SLUG.toml. While a consultation has no
    responses (not even a saved draft), any valid file may replace its questionnaire;
    once it has, only the text around the questions and the translations may change, so
    that no stored answer comes to mean something else. Restart the app servers and
    workers afterwards: they read a questionnaire once.
    """
    opening, closing_date = parse_date(opens_on), parse_date(closes_on)
    app = command_app()
    from consult.data.consultations import DateError
    from consult.data.questionnaire_files import LoadRefused, load_file
    from consult.extensions import db
    from questions import QuestionnaireError

    with app.app_context():
        try:
            loaded = load_file(file, opening, closing_date)
        except QuestionnaireError as exc:
            db.session.rollback()
            for fault in exc.faults:
                click.echo(fault.located(file), err=True)
            raise SystemExit(1) from None
        except (LoadRefused, DateError) as exc:
            db.session.rollback()
            raise click.ClickException(str(exc)) from None
        db.session.commit()
        consultation = loaded.consultation
        named = f"{consultation.slug!r} ({consultation.title})"
        dates = f"open {consultation.opens_on} to {consultation.closes_on}"
        if loaded.created:
            click.echo(f"Loaded {named}, {dates}", err=True)
        elif not loaded.copied:
            click.echo(f"Already loaded: {named}, {dates}", err=True)
        else:
            held = f"{loaded.responses} response{'' if loaded.responses == 1 else 's'}"
            click.echo(f"Replaced the questionnaire of {named}, keeping its {held}; {dates}", err=True)
            click.echo("Restart the app servers and workers to use it.", err=True)
        if app.config["QUESTIONNAIRE"] != consultation.slug:
            click.echo(
                f"The app's QUESTIONNAIRE setting is {app.config['QUESTIONNAIRE']!r}: set it to "
                f"{consultation.slug!r} for the public pages and officers' dashboard to show this one.",
                err=True,
            )
