"""`consult-analysis`: the analysis command line (a click group).

Each subcommand lives in its own module. `counts` (analysis/counts/cli.py) is registered
directly; the free-text commands `themes` and `evaluate-themes` (analysis/themes/cli.py)
are loaded only when used, because importing the themes package loads scikit-learn. Heavy
libraries are imported inside the commands, so `consult-analysis --help` answers
instantly. To add a command: write it in its own module, then add it to `_LAZY` below
(name → module, attribute, one-line help) or `main.add_command` it if its module is light.
"""

from __future__ import annotations

import importlib

import click

from analysis.counts.cli import counts_command

__all__ = ["main"]

_LAZY: dict[str, tuple[str, str, str]] = {
    "themes": ("analysis.themes.cli", "themes_command", "Find themes in the free-text answers of INPUT."),
    "evaluate-themes": (
        "analysis.themes.cli",
        "evaluate_themes_command",
        "Theme a human-coded CSV and print agreement with its codes.",
    ),
    "report": (
        "analysis.board_report.cli",
        "report_command",
        "Write the report back to the Board (Word or HTML) from INPUT.",
    ),
}


class _LazyGroup(click.Group):
    """A group whose heavier subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *_LAZY})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in _LAZY and name not in self.commands:
            module, attribute, _ = _LAZY[name]
            try:
                command = getattr(importlib.import_module(module), attribute)
            except (ImportError, AttributeError):
                return None
            self.add_command(command, name)
        return super().get_command(ctx, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            if name in _LAZY and name not in self.commands:
                rows.append((name, _LAZY[name][2]))
            elif (command := self.get_command(ctx, name)) is not None:
                rows.append((name, command.get_short_help_str(formatter.width - 6 - len(name))))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Analyse consultation responses from the anonymised export CSV or a database URL."""


main.add_command(counts_command)
