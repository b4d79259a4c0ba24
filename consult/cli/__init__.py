"""The `consult` command: set up, issue links, serve, mail, back up and export.

Each command builds the app itself, so `consult --help` starts instantly. Commands live in
modules by what they act on and are added to the group here.
"""

from __future__ import annotations

import click

from consult.cli.accounts import officers
from consult.cli.consultation import close, dates, export, init, links, purge_contacts
from consult.cli.mail import mail
from consult.cli.operations import backup, restore, serve, worker
from consult.cli.questionnaire import questionnaire


@click.group(help="consult: consultation surveys through unique links, stored anonymised.")
def main() -> None:
    pass


for command in (
    init, dates, links, export, close, purge_contacts,
    officers, mail, serve, worker, backup, restore, questionnaire,
):
    main.add_command(command)
