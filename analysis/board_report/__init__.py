"""The report back to the Board: one document laid out as the LGA's Board papers are.

    from analysis.board_report import make_report
    body = make_report("export.csv", fmt="docx", words=load_words("words.toml"))

Parts: `words` (the officer's words, from TOML or a form), `sources` (what the report is
made from), `question_themes` (each free-text question's themes), `group_findings` (which
groups answered differently, tested with `analysis.findings`), `content` and
`question_results` (the document model, `model`), `methods` (the annex), `checklist` (what
the team still has to do, never printed in the paper), and two writers: `docx_writer`
(Word, python-docx) and `html_writer` (accessible HTML, Jinja2). Heavy libraries load only
when used.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from analysis.counts.disclosure import DEFAULT_THRESHOLD
from analysis.errors import AnalysisError
from questions import DEFAULT_QUESTIONNAIRE

if TYPE_CHECKING:
    from analysis.board_report.model import BoardReport
    from analysis.board_report.sources import ReportSource
    from analysis.board_report.words import BoardWords
    from analysis.releases.record import ReleaseRecord

__all__ = ["FORMATS", "make_report", "prepare_report", "render", "with_report_release"]

FORMATS = ("docx", "html")


def render(report: BoardReport, fmt: str) -> bytes:
    """The report written as "docx" or "html" (UTF-8), as bytes."""
    if fmt == "docx":
        from analysis.board_report.docx_writer import report_docx

        return report_docx(report)
    if fmt == "html":
        from analysis.board_report.html_writer import report_html

        return report_html(report).encode("utf-8")
    raise AnalysisError(f"the report's format must be docx or html, not {fmt!r}")


def prepare_report(
    source: str | Path | ReportSource,
    *,
    words: BoardWords | None = None,
    threshold: int = DEFAULT_THRESHOLD,
    run_engine: bool = True,
    questionnaire: str = DEFAULT_QUESTIONNAIRE,
    consultation: str | None = None,
    releases: ReleaseRecord | None = None,
) -> BoardReport:
    """Read `source` (export CSV, database URL or a `ReportSource`) and build the report's model
    (with its `checklist` for the team); `render` writes it. With `releases` (the release
    record), its figures are protected together with every release in it
    (`with_report_release` then adds the paper to the record, once written)."""
    from analysis.board_report.content import build_report
    from analysis.board_report.sources import ReportSource, read_report_source

    if threshold < 1:
        raise AnalysisError(f"the threshold must be a whole number of 1 or more (got {threshold})")
    if not isinstance(source, ReportSource):
        source = read_report_source(source, questionnaire=questionnaire, consultation=consultation)
    return build_report(source, words, threshold=threshold, run_engine=run_engine, releases=releases)


def with_report_release(report: BoardReport, fmt: str, file: str) -> ReleaseRecord:
    """The release record the report was made against, with the paper added as a release."""
    from analysis.releases.publish import with_counts_release

    return with_counts_release(
        report.counts, output="board-report", fmt=fmt, file=file, extra={"themes": report.themes_released}
    )


def make_report(
    source: str | Path | ReportSource,
    *,
    fmt: str,
    words: BoardWords | None = None,
    threshold: int = DEFAULT_THRESHOLD,
    run_engine: bool = True,
    questionnaire: str = DEFAULT_QUESTIONNAIRE,
    consultation: str | None = None,
) -> bytes:
    """Read `source` (export CSV, database URL or a `ReportSource`), build and write the report."""
    if fmt not in FORMATS:
        raise AnalysisError(f"the report's format must be docx or html, not {fmt!r}")
    report = prepare_report(
        source,
        words=words,
        threshold=threshold,
        run_engine=run_engine,
        questionnaire=questionnaire,
        consultation=consultation,
    )
    return render(report, fmt)
