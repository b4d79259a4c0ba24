"""Downloads from the dashboard: the counts and the Board report, prepared; the response export.

The counts (CSV, XLSX, an HTML report) and the Board report (Word, HTML) read every
response and take seconds to tens of seconds, so they are made by a background job
(`consult.jobs.download_job`): the officer asks for one, the request records and queues
it, and its page shows the progress and then offers the file. The anonymised response
export is a quick single read, made in the request. An analyst may download all of these:
none carries a contact detail. Every download is audited when its file is fetched.
"""

from __future__ import annotations

import io

from flask import Response, abort, current_app, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from analysis.csv_output import BYTE_ORDER_MARK
from consult import database
from consult.data import audit, consultations, prepared_downloads
from consult.data.export import response_rows, write_csv
from consult.extensions import db
from consult.jobs.download_job import run_download_job
from consult.jobs.runner import queue_job
from consult.models import PreparedDownload
from consult.officer.blueprint import bp, current_consultation

CSV_TYPE = prepared_downloads.FORMATS["counts"]["csv"]
# How each prepared download is named in the audit log (as it was when made in the request).
AUDIT_NAMES = {"counts": "counts", "board-report": "Board report"}


def attachment(body: bytes | str, content_type: str, filename: str) -> Response:
    """`body` as a download named `filename` (shared by every download).

    `content_type` is the whole header, charset included where there is one: passed as
    `mimetype` instead, Werkzeug would append a second charset to text types.
    """
    response = Response(body, content_type=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.post("/downloads/prepare/<kind>/<fmt>")
def prepare_download(kind: str, fmt: str) -> WerkzeugResponse:
    """Record and queue a download of `kind` ("counts", "board-report") as `fmt`; show its page."""
    if fmt not in prepared_downloads.FORMATS.get(kind, {}):
        abort(404)
    consultation = current_consultation()
    download_id = prepared_downloads.record_download(consultation, kind, fmt, current_user.email).id
    db.session.commit()  # the job must find the row, whichever process runs it
    queue_job(
        run_download_job,
        PreparedDownload,
        download_id,
        "The download could not be prepared: the job queue is not available. Try again later.",
    )
    return redirect(url_for("officer.prepared_download", download_id=download_id), 303)


@bp.get("/downloads/<id:download_id>")
def prepared_download(download_id: int) -> str:
    """A prepared download's progress; when it is ready, the link to its file."""
    download = prepared_downloads.get_download(current_consultation(), download_id)
    if download is None:
        abort(404)
    return render_template(
        "officer/prepared_download.html",
        download=download,
        label=prepared_downloads.LABELS[download.kind],
        queued_on_rq=current_app.config.get("JOBS_REDIS_URL") is not None,
    )


@bp.get("/downloads/<id:download_id>/file")
@database.writes  # each fetch is audited
def prepared_download_file(download_id: int) -> Response:
    """The file a finished download made, as an attachment (audited)."""
    consultation = current_consultation()
    download = prepared_downloads.get_download(consultation, download_id)
    if download is None or download.status != prepared_downloads.FINISHED or download.content is None:
        abort(404)
    audit.record(
        "exported",
        current_user.email,
        f"{consultation.slug}: {AUDIT_NAMES[download.kind]} ({download.format.upper()})",
    )
    db.session.commit()
    return attachment(download.content, download.mimetype, download.filename)


@bp.get("/downloads/responses.csv")
@database.writes  # each export is audited
def download_responses() -> Response:
    """The anonymised response-level export (no contact details), safe to open in Excel."""
    consultation = current_consultation()
    questionnaire = consultations.questionnaire_of(consultation)
    text = io.StringIO(newline="")
    text.write(BYTE_ORDER_MARK)
    count = write_csv(response_rows(consultation, questionnaire), questionnaire, text)
    audit.record("exported", current_user.email, f"{consultation.slug}: {count} responses (CSV)")
    db.session.commit()
    return attachment(text.getvalue(), CSV_TYPE, f"{consultation.slug}-responses.csv")
