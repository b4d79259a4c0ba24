"""Downloads from the dashboard: counts as CSV, XLSX and an HTML report; the response export.

The counts come from the analysis package, run in-process on the database through the
analysis package's own reader, with disclosure control at the consultation's threshold. An analyst
may download all of these: none carries a contact detail. Every download is audited.
"""

from __future__ import annotations

import io

from flask import Response, abort
from flask_login import current_user

from analysis.csv_output import BYTE_ORDER_MARK, csv_text
from consult.data import audit, consultations
from consult.data.export import response_rows, write_csv
from consult.extensions import db
from consult.models import Consultation
from consult.officer.blueprint import bp, current_consultation

BREAKDOWNS = ("role", "organisation_type", "region", "channel")
COUNT_FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
}


def counts_result(consultation: Consultation):  # noqa: ANN201 - analysis.counts.counting.CountsResult
    """Counts of every single-choice question, overall and by each breakdown, suppressed."""
    from analysis.counts.counting import count_responses
    from analysis.database_source import read_responses

    loaded = read_responses(db.session.connection(), consultation=consultation.slug, source="database")
    return count_responses(loaded, by=BREAKDOWNS, threshold=consultations.disclosure_threshold(consultation))


def attachment(body: bytes | str, mimetype: str, filename: str) -> Response:
    """`body` as a download named `filename` (shared by the counts and theme reports)."""
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/downloads/counts.<fmt>")
def download_counts(fmt: str) -> Response:
    """The counts as CSV, XLSX or a single-file HTML report (analysts and officers)."""
    if fmt not in COUNT_FORMATS:
        abort(404)
    consultation = current_consultation()
    result = counts_result(consultation)
    if fmt == "csv":
        from analysis.counts.tables import csv_header_and_rows

        body: bytes | str = csv_text(*csv_header_and_rows(result))
    elif fmt == "xlsx":
        from analysis.counts.tables import write_xlsx

        binary = io.BytesIO()
        write_xlsx(result, binary)
        body = binary.getvalue()
    else:
        from analysis.counts.html_report import render_report

        body = render_report(result)
    audit.record("exported", current_user.email, f"{consultation.slug}: counts ({fmt.upper()})")
    db.session.commit()
    return attachment(body, COUNT_FORMATS[fmt], f"{consultation.slug}-counts.{fmt}")


@bp.get("/downloads/responses.csv")
def download_responses() -> Response:
    """The anonymised response-level export (no contact details), safe to open in Excel."""
    consultation = current_consultation()
    questionnaire = consultations.questionnaire_of(consultation)
    text = io.StringIO(newline="")
    text.write(BYTE_ORDER_MARK)
    count = write_csv(response_rows(consultation, questionnaire), questionnaire, text)
    audit.record("exported", current_user.email, f"{consultation.slug}: {count} responses (CSV)")
    db.session.commit()
    return attachment(text.getvalue(), COUNT_FORMATS["csv"], f"{consultation.slug}-responses.csv")
