"""Officer and analyst accounts: add, issue a sign-in link, disable, change role."""

from __future__ import annotations

import click

from consult.cli.common import command_app, link_root


@click.group()
def officers() -> None:
    """Officer and analyst accounts."""



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
    app = command_app()
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
            from consult.web.public_url import sign_in_link_url

            click.echo(sign_in_link_url(token, link_root(app, base_url)))


def _officer_account(email: str):  # noqa: ANN202 - consult.models.Officer
    from consult.data import officers as officer_data

    officer = officer_data.get_by_email(email)
    if officer is None:
        raise click.ClickException(f"There is no account for {email}")
    return officer


@officers.command("link")
@click.argument("email")
@click.option("--base-url", default=None, help="Site address for the sign-in link.")
def officers_link(email: str, base_url: str | None) -> None:
    """Print a new one-time sign-in link for an account (a first link lost or used up, a
    forgotten password); it is valid for 24 hours, and the account sets a password if it has none."""
    app = command_app()
    from consult.data import audit
    from consult.extensions import db
    from consult.web.public_url import sign_in_link_url

    with app.app_context():
        officer = _officer_account(email)
        if officer.disabled_on is not None:
            raise click.ClickException(f"The account {officer.email} is disabled: no link can sign it in")
        from consult.data import officers as officer_data

        token = officer_data.create_sign_in_link(officer)
        audit.record("issued a sign-in link", None, f"{officer.email} (command line)")
        db.session.commit()
        click.echo(f"One-time sign-in link for {officer.email}, valid for 24 hours:", err=True)
        click.echo(sign_in_link_url(token, link_root(app, base_url)))


@officers.command("disable")
@click.argument("email")
def officers_disable(email: str) -> None:
    """Disable an account: it can no longer sign in, and is signed out everywhere now."""
    app = command_app()
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
    app = command_app()
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


