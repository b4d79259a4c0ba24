"""`consult-analysis themes` and `consult-analysis evaluate-themes`.

Heavy libraries are imported inside the commands so that `--help` is instant.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from analysis import cli_options as shared
from analysis.themes.engines import ENGINES, default_engine
from analysis.themes.grouping import ENGINE_GROUPING

if TYPE_CHECKING:
    import pandas as pd

    from analysis.themes.model import ThemeReport
    from analysis.themes.sources import FreeTextAnswers

__all__ = ["evaluate_themes_command", "register", "themes_command"]

_FORMATS = ("html", "xlsx", "json")


def _engine_options(f: click.decorators.FC) -> click.decorators.FC:
    for option in reversed(
        [
            click.option(
                "--engine",
                type=click.Choice(ENGINES),
                default=None,
                help="core: NLTK + scikit-learn; semantic: sentence embeddings (needs the embeddings extra) "
                "[default: semantic where the embeddings extra is installed, else core].",
            ),
            click.option(
                "--min-themes",
                type=click.IntRange(1),
                default=2,
                show_default=True,
                help="Fewest themes per question.",
            ),
            click.option(
                "--max-themes",
                type=click.IntRange(1),
                default=None,
                help="Most themes per question [default: "
                + ", ".join(f"{name} engine {g.max_themes}" for name, g in ENGINE_GROUPING.items())
                + "].",
            ),
            click.option("--model", default=None, help="Semantic engine model: hub name or local folder."),
        ]
    ):
        f = option(f)
    return f


@click.command("themes")
@shared.source_argument
@click.option(
    "--question",
    "questions",
    multiple=True,
    metavar="QID",
    help="Free-text question to theme (repeatable); default: all free-text questions.",
)
@_engine_options
@click.option(
    "--campaigns",
    type=click.Choice(["full", "once"]),
    default="full",
    show_default=True,
    help="Count campaign / near-identical answers in full or once per campaign.",
)
@click.option("--include-drafts", is_flag=True, help="Theme draft answers too (never quoted).")
@shared.threshold_option("HTML report: ")
@click.option(
    "--no-suppression",
    is_flag=True,
    help="HTML report: no disclosure control; it is labelled not for publication.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(_FORMATS),
    default=None,
    help="Output format; default from the --out suffix, else json.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Output file; default standard output (html, json).",
)
@shared.questionnaire_option
@shared.consultation_option
@shared.releases_option
@shared.quiet_option
def themes_command(
    source: str,
    questions: tuple[str, ...],
    engine: str | None,
    min_themes: int,
    max_themes: int | None,
    model: str | None,
    campaigns: str,
    include_drafts: bool,
    threshold: int,
    no_suppression: bool,
    fmt: str | None,
    out: Path | None,
    questionnaire: str,
    consultation: str | None,
    releases_path: Path | None,
    quiet: bool,
) -> None:
    """Find themes in free-text answers of INPUT: an export CSV or a database URL.

    The HTML report is the one to publish: theme counts and campaign sizes below
    --threshold are suppressed. XLSX and JSON are working files with one row per answer.
    """
    from analysis.themes import ThemeOptions, theme_answers, write_report
    from analysis.themes.sources import load_free_text

    if fmt is None:
        suffix = out.suffix.lower().lstrip(".") if out else ""
        fmt = suffix if suffix in _FORMATS else "json"
    if fmt == "xlsx" and out is None:
        raise click.UsageError("--format xlsx needs --out PATH")
    say = shared.progress_printer(quiet)
    engine = engine or default_engine()
    with shared.one_line_errors(out):
        options = ThemeOptions(
            engine=engine,
            min_themes=min_themes,
            max_themes=max_themes,  # type: ignore[arg-type]
            campaigns=campaigns,
            include_drafts=include_drafts,
            model=model,
        )  # type: ignore[arg-type]
        say(f"reading {source if '://' not in source else 'database'}")
        loaded = load_free_text(
            source,
            questions=questions,
            questionnaire=questionnaire,
            consultation=consultation,
            include_drafts=include_drafts,
        )
        report = theme_answers(loaded.answers, options, question_text=loaded.question_text, progress=say)  # type: ignore[arg-type]
        report.title = f"Themes in free-text answers: {loaded.title}"
        report.excluded = loaded.with_loader_exclusions(report.excluded)
        report.groups = loaded.respondent_groups()
        if fmt == "html" and not no_suppression:
            _publish_html(report, loaded, source, releases_path, out, threshold, say)
        else:
            destination = out if out is not None else sys.stdout
            write_report(report, fmt, destination, threshold=None if no_suppression else threshold)
    say(f"done{f': {out}' if out else ''}")


@click.command("evaluate-themes")
@click.argument("csv_path", metavar="CSV", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--text", "text_column", required=True, help="Column holding the answer text.")
@click.option(
    "--label",
    "label_columns",
    required=True,
    multiple=True,
    help="Column holding the human-coded theme (repeatable).",
)
@_engine_options
@shared.quiet_option
def evaluate_themes_command(
    csv_path: Path,
    text_column: str,
    label_columns: tuple[str, ...],
    engine: str | None,
    min_themes: int,
    max_themes: int | None,
    model: str | None,
    quiet: bool,
) -> None:
    """Theme a human-coded CSV and print agreement with its labels: NMI, ARI, matched F1; and how
    well the theme labels describe their answers (share of answers using a word of the label)."""
    import pandas as pd

    from analysis.themes import ThemeOptions, ThemesError, theme_answers
    from analysis.themes.evaluation import agreement, coverage_summary, label_coverage, primary_themes

    say = shared.progress_printer(quiet)
    engine = engine or default_engine()
    with shared.one_line_errors():
        frame = _read_coded(csv_path, say)
        for column in (text_column, *label_columns):
            if column not in frame.columns:
                raise ThemesError(f"{csv_path}: no column {column!r} (columns: {', '.join(frame.columns)})")
        answers = pd.DataFrame(
            {
                "response_id": [f"r{i}" for i in range(len(frame))],
                "question_id": "q1",
                "text": frame[text_column],
            }
        )
        options = ThemeOptions(engine=engine, min_themes=min_themes, max_themes=max_themes, model=model)  # type: ignore[arg-type]
        report = theme_answers(answers, options, progress=say)  # type: ignore[arg-type]
    predicted = primary_themes(answers, report.assignments)
    click.echo(
        f"{len(answers)} answers, {predicted.nunique()} groups (themes, other, no answer); engine {engine}"
    )
    for column in label_columns:
        # An answer the coders left without a label is not scored (it is still themed).
        coded = frame[column].str.strip() != ""
        if not coded.any():
            raise click.ClickException(f"{csv_path}: column {column!r} has no labels")
        score = agreement(predicted[coded.to_numpy()], frame.loc[coded, column].str.strip())
        uncoded = int((~coded).sum())
        click.echo(
            f"{column} ({score['labels']} labels): NMI {score['nmi']:.3f}  ARI {score['ari']:.3f}  "
            f"matched F1 macro {score['f1_macro']:.3f}  weighted {score['f1_weighted']:.3f}"
            + (f"  ({uncoded} answers without a label not scored)" if uncoded else "")
        )
    coverage = coverage_summary(label_coverage(report.themes, report.assignments, answers))
    click.echo(
        f"theme labels: {coverage['half_or_more']} of {coverage['themes']} themes of 10 or more answers have "
        f"a word of their label in half or more of their answers, {coverage['under_quarter']} in under a "
        f"quarter (lowest {coverage['lowest']:.0%})"
    )


def _read_coded(path: Path, say: Callable[[str], None]) -> pd.DataFrame:
    """A coded file as text columns: comma-separated (tab for .tsv/.tab), UTF-8 or else Windows-1252.

    Spreadsheets saved as CSV on Windows are often Windows-1252, where UTF-8 fails on the
    first curly apostrophe; a byte-order mark is dropped.
    """
    import pandas as pd

    from analysis.themes import ThemesError

    sep = "\t" if path.suffix.lower() in (".tsv", ".tab") else ","
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, sep=sep, encoding=encoding)
        except UnicodeDecodeError:
            continue
        except (ValueError, pd.errors.ParserError) as exc:
            raise ThemesError(f"{path}: not a readable CSV ({str(exc).splitlines()[0]})") from None
        if encoding != "utf-8-sig":
            say(f"{path.name} is not UTF-8: read as Windows-1252")
        return frame
    raise ThemesError(f"{path}: not a readable CSV (neither UTF-8 nor Windows-1252 text)")


def _publish_html(
    report: ThemeReport,
    loaded: FreeTextAnswers,
    source: str,
    releases_path: Path | None,
    out: Path | None,
    threshold: int,
    say: Callable[[str], None],
) -> None:
    """The HTML report, the one for publication: made against the release record and then
    added to it (its figures per question), once written."""
    from analysis.releases.command_line import open_release_record
    from analysis.releases.store import replace_atomically
    from analysis.themes.disclosure import protect_theme_report
    from analysis.themes.html_report import to_html
    from analysis.themes.releases import answer_versions, question_histories, release_themes

    with open_release_record(source, releases_path, loaded.loaded, say=say) as session:
        versions = answer_versions(loaded.answers)
        history = question_histories(session.record, versions) if session.record is not None else {}
        figures = protect_theme_report(report, threshold, history)
        text = to_html(report, threshold, figures)
        written = []
        if out is None:
            sys.stdout.write(text)
            sys.stdout.flush()
        else:
            replace_atomically(out, text.encode("utf-8"))
            written = [out]
        if session.record is None:
            session.record_output(None, written)
        else:
            coverage = session.record.cover(loaded.loaded, threshold)
            release = coverage.next_release(
                output="themes",
                format="html",
                file=out.name if out is not None else "standard output",
                threshold=threshold,
                breakdowns=(),
                show_zeros=False,
                figures=(),
                themes=release_themes(figures, versions),
                summary={"questions": len(versions), "not_updated": sorted(figures.not_updated)},
            )
            session.record_output(coverage.with_release(release), written)


def register(group: click.Group) -> None:
    """Add the themes commands to the `consult-analysis` group."""
    group.add_command(themes_command)
    group.add_command(evaluate_themes_command)
