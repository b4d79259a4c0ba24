"""`consult-analysis report`: the Board report as a Word document or an HTML page.

Errors are one line on stderr and exit status 1 (a command line click cannot read exits 2).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from analysis import cli_options as shared

__all__ = ["report_command"]


@click.command("report")
@shared.source_argument
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("docx", "html")),
    default="docx",
    show_default=True,
    help="docx: a Word document (needs --out); html: one accessible page.",
)
@click.option("--out", type=click.Path(path_type=Path), help="Output file (HTML goes to stdout without it).")
@click.option(
    "--words",
    "words_path",
    type=click.Path(path_type=Path),
    help="TOML file of the officer's words: purpose, summary, recommendations, action, contact, …",
)
@shared.threshold_option()
@shared.questionnaire_option
@shared.consultation_option
@shared.quiet_option
def report_command(
    source: str,
    fmt: str,
    out: Path | None,
    words_path: Path | None,
    threshold: int,
    questionnaire: str,
    consultation: str | None,
    quiet: bool,
) -> None:
    """Write the report back to the Board, laid out as an LGA Board paper.

    INPUT is the anonymised export CSV or a database URL. From a database, reviewed theme
    sets are used; any free-text question without one (and every one in an export) gets
    the core engine's themes, marked as a machine draft. What is still missing before the
    paper goes to the Board (words not written, themes not checked) is listed on stderr.
    """
    if fmt == "docx" and out is None:
        raise click.UsageError("--format docx needs --out")
    say = shared.progress_printer(quiet)
    with shared.one_line_errors(out):
        from analysis.board_report import prepare_report, render
        from analysis.board_report.words import load_words

        words = load_words(words_path) if words_path is not None else None
        if words is None:
            say("no --words file: the paper leaves out the parts only the consultation team can write")
        say(f"loading {source if '://' not in source else 'database'}")
        report = prepare_report(
            source,
            words=words,
            threshold=threshold,
            questionnaire=questionnaire,
            consultation=consultation,
        )
        body = render(report, fmt)
        if report.checklist:
            # For the team, not the Board: printed even with --quiet, as it is no progress message.
            click.echo("Before this paper goes to the Board:", err=True)
            for item in report.checklist:
                click.echo(f"  - {item}", err=True)
        if out is None:
            sys.stdout.write(body.decode("utf-8"))
        else:
            out.write_bytes(body)
            say(f"wrote {out}")
