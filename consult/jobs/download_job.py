"""The prepared-download job: make the counts or the Board report and store the file.

The same function runs under both runners (a thread of the server, or an RQ worker). The
file goes to the download's row, which its page reads; a problem the analysis package
reports becomes the download's message, in plain words.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import has_app_context

from consult.data import consultations, prepared_downloads
from consult.data import releases as releases_data
from consult.extensions import db
from consult.models import Consultation, PreparedDownload
from consult.officer import board_report_words as words_data

if TYPE_CHECKING:
    from analysis.releases.record import ReleaseRecord

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


def counts_result(consultation: Consultation, releases: ReleaseRecord | None = None):  # noqa: ANN201
    """Counts of every single-choice question, overall and by each breakdown, suppressed
    together with every release in `releases` (an `analysis.counts.counting.CountsResult`)."""
    from analysis.counts.counting import count_responses
    from analysis.database_source import read_responses

    loaded = read_responses(db.session.connection(), consultation=consultation.slug, source="database")
    return count_responses(
        loaded, by=BREAKDOWNS, threshold=consultations.disclosure_threshold(consultation), releases=releases
    )


def counts_body(consultation: Consultation, fmt: str, releases: ReleaseRecord) -> Made:
    """The counts as CSV (with a byte-order mark, for Excel), an XLSX workbook or an HTML report."""
    from analysis.releases.publish import with_counts_release

    result = counts_result(consultation, releases)
    if fmt == "csv":
        from analysis.counts.tables import csv_header_and_rows
        from analysis.csv_output import csv_text

        body = csv_text(*csv_header_and_rows(result)).encode("utf-8")
    elif fmt == "xlsx":
        from analysis.counts.tables import write_xlsx

        binary = io.BytesIO()
        write_xlsx(result, binary)
        body = binary.getvalue()
    else:
        from analysis.counts.html_report import render_report

        body = render_report(result).encode("utf-8")
    file = f"{consultation.slug}-counts.{fmt}"
    return Made(body, with_counts_release(result, output="counts", fmt=fmt, file=file))


def board_report_body(consultation: Consultation, fmt: str, releases: ReleaseRecord) -> Made:
    """The Board report ("docx" or "html") from the database, with the saved words and the
    stored theme review; no theme engine runs, so unthemed questions say so."""
    from analysis.board_report import prepare_report, render, with_report_release
    from analysis.board_report.sources import read_report_source

    url = db.engine.url.render_as_string(hide_password=False)
    source = read_report_source(url, consultation=consultation.slug)
    report = prepare_report(
        source,
        words=words_data.saved_words(consultation),
        threshold=consultations.disclosure_threshold(consultation),
        run_engine=False,
        releases=releases,
    )
    file = f"{consultation.slug}-board-report.{fmt}"
    return Made(render(report, fmt), with_report_release(report, fmt, file))


@dataclass(frozen=True)
class Made:
    """A prepared file, and the release record with it added (saved with the file)."""

    body: bytes
    record: ReleaseRecord | None


BUILDERS: dict[str, tuple[Callable[[Consultation, str, ReleaseRecord], Made], str]] = {
    "counts": (counts_body, "The counts could not be made"),
    "board-report": (board_report_body, "The Board report could not be made"),
}
# Tries before giving up when other releases keep being recorded while this one is made.
_ATTEMPTS = 3


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
        _make_and_record(download, consultation, build)
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


def _make_and_record(download: PreparedDownload, consultation: Consultation, build: Callable) -> None:  # type: ignore[type-arg]
    """Make the file against the release record, then store it and record it as a release in
    one transaction. If another release was recorded meanwhile, make it again against that."""
    from analysis.releases.record import ReleaseRecordError

    for attempt in range(_ATTEMPTS):
        record = releases_data.read_record(consultation)
        db.session.commit()  # read in a short transaction; none is held while the file is made
        made = build(consultation, download.format, record)
        prepared_downloads.finish(download, made.body)
        try:
            if made.record is not None:
                releases_data.save_record(consultation, made.record, record, download.requested_by)
        except ReleaseRecordError:
            db.session.rollback()
            if attempt == _ATTEMPTS - 1:
                raise
            continue
        db.session.commit()
        return
