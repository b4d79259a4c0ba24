"""`consult-analysis counts`: counts and cross-tabulations with disclosure control.

Errors are one line on stderr and exit status 1 (a command line click cannot read exits 2).
Progress goes to stderr; output to --out or, for text formats, stdout.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from analysis import cli_options as shared

__all__ = ["counts_command"]

_FORMATS = ("csv", "xlsx", "html", "json", "png", "svg")
_BY = ("role", "organisation_type", "region", "channel")


@click.command("counts")
@shared.source_argument
@click.option(
    "--by",
    "by",
    multiple=True,
    type=click.Choice(_BY),
    help="Cross-tabulate by this attribute (repeat for several).",
)
@shared.threshold_option()
@click.option(
    "--show-zeros",
    is_flag=True,
    help="Publish zeros also where fewer than the threshold were asked (elsewhere they always are).",
)
@click.option(
    "--no-suppression",
    is_flag=True,
    help="Turn disclosure control off; output is labelled NOT FOR PUBLICATION.",
)
@click.option("--include-drafts", is_flag=True, help="Count draft (unsubmitted) responses too.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(_FORMATS),
    default="csv",
    show_default=True,
    help="csv/json/html: a file or stdout; xlsx: a file; png/svg: a folder of charts.",
)
@click.option("--out", type=click.Path(path_type=Path), help="Output file (folder for png/svg).")
@shared.questionnaire_option
@shared.consultation_option
@shared.quiet_option
def counts_command(
    source: str,
    by: tuple[str, ...],
    threshold: int,
    show_zeros: bool,
    no_suppression: bool,
    include_drafts: bool,
    fmt: str,
    out: Path | None,
    questionnaire: str,
    consultation: str | None,
    quiet: bool,
) -> None:
    """Count answers to every single-choice question, overall and by segment.

    INPUT is the anonymised export CSV or a database URL (sqlite:///path,
    postgresql+psycopg://…).
    """
    if fmt in ("xlsx", "png", "svg") and out is None:
        raise click.UsageError(f"--format {fmt} needs --out")
    say = shared.progress_printer(quiet)
    with shared.one_line_errors(out):
        say(f"loading {source if '://' not in source else 'database'}")
        from analysis.counts.counting import count_responses
        from analysis.loading import load_responses

        loaded = load_responses(
            source, questionnaire=questionnaire, consultation=consultation, include_drafts=include_drafts
        )
        say(f"loaded {len(loaded.responses):,} responses ({len(loaded.excluded):,} exclusions listed)")
        result = count_responses(
            loaded, by=by, threshold=threshold, suppression=not no_suppression, show_zeros=show_zeros
        )
        say(f"counted; {result.suppressed_cells:,} cells suppressed")
        _write(result, fmt, out)
    if no_suppression:
        click.echo("warning: disclosure control is off; this output is NOT FOR PUBLICATION", err=True)
    if out is not None:
        say(f"wrote {out}")


def _write(result: object, fmt: str, out: Path | None) -> None:
    from analysis.counts import tables as count_tables

    if fmt == "csv":
        count_tables.write_csv(result, out if out is not None else sys.stdout)  # type: ignore[arg-type]
    elif fmt == "json":
        count_tables.write_json(result, out if out is not None else sys.stdout)  # type: ignore[arg-type]
    elif fmt == "xlsx":
        count_tables.write_xlsx(result, out)  # type: ignore[arg-type]
    elif fmt == "html":
        from analysis.counts.html_report import render_report

        html = render_report(result)  # type: ignore[arg-type]
        if out is None:
            sys.stdout.write(html)
        else:
            out.write_text(html, encoding="utf-8")
    else:
        from analysis.counts.charts import write_charts

        write_charts(result, out, fmt)  # type: ignore[arg-type]
