"""What every `consult` command shares: the app it acts on, dates, the consultation, link roots."""

from __future__ import annotations

import datetime as dt
import os
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from flask import Flask

    from consult.models import Consultation


def command_app(setting_up: bool = False, base_url: str | None = None) -> Flask:
    """The app to act on: the caller's (tests, `flask --app consult`), else a new one.

    When `setting_up`, a new app gets a generated SECRET_KEY in instance/config.py if
    none is configured anywhere, and `base_url` (already checked) becomes the BASE_URL
    written there.
    """
    from flask.cli import ScriptInfo

    context = click.get_current_context(silent=True)
    info = context.find_object(ScriptInfo) if context is not None else None
    if info is not None:
        app = info.load_app()  # configured by the caller: no file of ours is written
        if base_url:
            app.config["BASE_URL"] = base_url
        return app
    from consult import create_app
    from consult.config import ensure_instance_secret, write_instance_base_url

    written = ensure_instance_secret(base_url) if setting_up else None
    if written:
        click.echo(f"Wrote a new SECRET_KEY to {written}", err=True)
    elif setting_up and base_url:
        click.echo(f"Set BASE_URL = {base_url!r} in {write_instance_base_url(base_url)}", err=True)
    if base_url and os.environ.get("CONSULT_BASE_URL") not in (None, base_url):
        click.echo(
            f"Warning: CONSULT_BASE_URL in the environment ({os.environ['CONSULT_BASE_URL']}) "
            "overrides instance/config.py: change or unset it too",
            err=True,
        )
    try:
        return create_app()
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from None


def parse_date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date: use YYYY-MM-DD, for example 2015-03-31") from None



def consultation_named(slug: str) -> Consultation:
    from consult.data import consultations

    consultation = consultations.get_by_slug(slug)
    if consultation is None:
        raise click.ClickException(f"No consultation {slug!r}: run `consult init` first")
    return consultation



def link_root(app: Flask, base_url: str | None = None) -> str:
    """The root of printed links: --base-url, else BASE_URL (required outside development)."""
    from consult.web.public_url import DEVELOPMENT_BASE_URL

    return (base_url or app.config.get("BASE_URL") or DEVELOPMENT_BASE_URL).rstrip("/")

