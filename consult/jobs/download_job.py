"""The prepared-download job: make the counts or the Board report and store the file.

It runs through `consult.jobs.runner.run_job` under either runner (a thread of the
server, or an RQ worker), which claims the download and records its progress and outcome
in its row, which its page reads; a problem the analysis package reports becomes the
download's message, in plain words. The responses are read in snapshots
(`database.reading`), the file is made with no transaction open, and the file and its
release record are written in one short transaction at the end.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from analysis.errors import AnalysisError
from consult import database
from consult.data import board_report_words as words_data
from consult.data import consultations, prepared_downloads
from consult.data import releases as releases_data
from consult.extensions import db
from consult.jobs.runner import JobProgress, run_job
from consult.models import Consultation, PreparedDownload

if TYPE_CHECKING:
    from analysis.releases.record import ReleaseRecord

log = logging.getLogger(__name__)

# The breakdowns of the counts download, each disclosure-controlled with the others.
BREAKDOWNS = ("role", "organisation_type", "region", "channel")


def run_download_job(download_id: int) -> None:
    """Prepare download `download_id` (in the app's context: the server's, or `consult worker`'s)."""
    with database.reading():
        download = db.session.get(PreparedDownload, download_id)
        kind = download.kind if download is not None else None
    if kind is None:
        log.warning("prepared download %s not run: not found", download_id)
        return
    run_job(
        PreparedDownload,
        download_id,
        partial(_make_and_record, download_id),
        starting="Reading the responses",
        failure=BUILDERS[kind][1],
        expected=(AnalysisError,),
        steps_total=STEPS,
    )


def counts_result(consultation: Consultation, releases: ReleaseRecord | None = None):  # noqa: ANN201
    """Counts of every single-choice question, overall and by each breakdown, suppressed
    together with every release in `releases` (an `analysis.counts.counting.CountsResult`)."""
    from analysis.counts.counting import count_responses
    from analysis.database_source import read_responses

    with database.reading():
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

    with database.reading():
        words = words_data.saved_words(consultation)
    # Read on connections of its own, which never take the write lock (plain SELECTs).
    url = db.engine.url.render_as_string(hide_password=False)
    source = read_report_source(url, consultation=consultation.slug)
    report = prepare_report(
        source,
        words=words,
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
# Reading, making the file, storing it.
STEPS = 3


def _make_and_record(download_id: int, progress: JobProgress) -> None:
    """Make the file against the release record, then store it and record it as a release in
    one transaction. If another release was recorded meanwhile, make it again against that."""
    from analysis.releases.record import ReleaseRecordError

    for attempt in range(_ATTEMPTS):
        with database.reading():
            download = db.session.get(PreparedDownload, download_id)
            assert download is not None
            consultation = db.session.get(Consultation, download.consultation_id)
            assert consultation is not None
            kind, fmt, requested_by = download.kind, download.format, download.requested_by
            record = releases_data.read_record(consultation)
        label = prepared_downloads.LABELS[kind].lower()
        progress(f"Making the {label}" if attempt == 0 else f"Making the {label} again: another was released")
        build, _failure = BUILDERS[kind]
        made = build(consultation, fmt, record)
        progress(f"Storing the {label}")
        try:
            prepared_downloads.finish(download, made.body)
            if made.record is not None:
                releases_data.save_record(consultation, made.record, record, requested_by)
        except ReleaseRecordError:
            db.session.rollback()
            if attempt == _ATTEMPTS - 1:
                raise
            continue
        return  # the runner commits the file, the record and the finish together
