"""The prepared-download job: make the counts or the Board report and store the file.

The same function runs under both runners (a thread of the server, or an RQ worker). The
file goes to the download's row, which its page reads; a problem the analysis package
reports becomes the download's message, in plain words.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable

from flask import has_app_context

from consult.data import consultations, prepared_downloads
from consult.extensions import db
from consult.models import Consultation, PreparedDownload
from consult.officer import board_report_words as words_data

log = logging.getLogger(__name__)

# The breakdowns of the counts download, each disclosure-controlled with the others.
BREAKDOWNS = ("role", "organisation_type", "region", "channel")


def run_download_job(download_id: int) -> None:
    """Prepare download `download_id`. Uses the current app, or builds one from the
    configuration (as an RQ worker process that was started without one would need)."""
    if has_app_context():
        _run(download_id)
        return
    from consult import create_app

    with create_app().app_context():
        _run(download_id)


def counts_result(consultation: Consultation):  # noqa: ANN201 - analysis.counts.counting.CountsResult
    """Counts of every single-choice question, overall and by each breakdown, suppressed."""
    from analysis.counts.counting import count_responses
    from analysis.database_source import read_responses

    loaded = read_responses(db.session.connection(), consultation=consultation.slug, source="database")
    return count_responses(loaded, by=BREAKDOWNS, threshold=consultations.disclosure_threshold(consultation))


def counts_body(consultation: Consultation, fmt: str) -> bytes:
    """The counts as CSV (with a byte-order mark, for Excel), an XLSX workbook or an HTML report."""
    result = counts_result(consultation)
    if fmt == "csv":
        from analysis.counts.tables import csv_header_and_rows
        from analysis.csv_output import csv_text

        return csv_text(*csv_header_and_rows(result)).encode("utf-8")
    if fmt == "xlsx":
        from analysis.counts.tables import write_xlsx

        binary = io.BytesIO()
        write_xlsx(result, binary)
        return binary.getvalue()
    from analysis.counts.html_report import render_report

    return render_report(result).encode("utf-8")


def board_report_body(consultation: Consultation, fmt: str) -> bytes:
    """The Board report ("docx" or "html") from the database, with the saved words and the
    stored theme review; no theme engine runs, so unthemed questions say so."""
    from analysis.board_report import make_report
    from analysis.board_report.sources import read_report_source

    url = db.engine.url.render_as_string(hide_password=False)
    source = read_report_source(url, consultation=consultation.slug)
    return make_report(
        source,
        fmt=fmt,
        words=words_data.saved_words(consultation),
        threshold=consultations.disclosure_threshold(consultation),
        run_engine=False,
    )


BUILDERS: dict[str, tuple[Callable[[Consultation, str], bytes], str]] = {
    "counts": (counts_body, "The counts could not be made"),
    "board-report": (board_report_body, "The Board report could not be made"),
}


def _run(download_id: int) -> None:
    download = db.session.get(PreparedDownload, download_id)
    if download is None or download.status != prepared_downloads.QUEUED:
        db.session.rollback()
        return  # done already, or abandoned: never run twice
    build, failure = BUILDERS[download.kind]
    try:
        consultation = db.session.get(Consultation, download.consultation_id)
        assert consultation is not None
        prepared_downloads.start(download, f"Making the {prepared_downloads.LABELS[download.kind].lower()}")
        db.session.commit()
        body = build(consultation, download.format)
        prepared_downloads.finish(download, body)
        db.session.commit()
    except Exception as exc:
        from analysis.errors import AnalysisError

        db.session.rollback()
        download = db.session.get(PreparedDownload, download_id)
        if download is not None:
            known = isinstance(exc, AnalysisError) and str(exc)
            reason = str(exc).splitlines()[0] if known else "an unexpected error"
            prepared_downloads.fail(download, f"{failure}: {reason}")
            db.session.commit()
        if not isinstance(exc, AnalysisError):
            log.exception("prepared download %s failed", download_id)
            raise
