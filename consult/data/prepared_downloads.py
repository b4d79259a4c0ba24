"""Prepared downloads: result files made by a background job, kept in the database.

The counts and the Board report read every response and can take longer than a web
request may. A request records the download (queued) and a job makes the file and stores
it here, so the download's page can show its status from any process and after a reload. A
download is one kind of queued job: its status and progress are kept by `consult.data.jobs`.
"""

from __future__ import annotations

from sqlalchemy import select

from consult.data import jobs
from consult.data.jobs import FAILED, FINISHED, QUEUED, RUNNING, UNFINISHED
from consult.extensions import db
from consult.models import Consultation, PreparedDownload

__all__ = [
    "FAILED",
    "FINISHED",
    "FORMATS",
    "LABELS",
    "QUEUED",
    "RUNNING",
    "UNFINISHED",
    "abandon_unfinished",
    "finish",
    "get_download",
    "record_download",
]

# What can be prepared, in which formats, with the media type each is served as.
FORMATS: dict[str, dict[str, str]] = {
    "counts": {
        "csv": "text/csv; charset=utf-8",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "html": "text/html; charset=utf-8",
    },
    "board-report": {
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "html": "text/html; charset=utf-8",
    },
}
LABELS = {"counts": "Counts", "board-report": "Board report"}
READY = "Ready to download"


def record_download(
    consultation: Consultation, kind: str, fmt: str, requested_by: str | None
) -> PreparedDownload:
    """A new queued download of `kind` as `fmt` (both keys of `FORMATS`)."""
    if fmt not in FORMATS.get(kind, {}):
        raise ValueError(f"unknown download: {kind} as {fmt}")
    download = PreparedDownload(
        consultation_id=consultation.id,
        kind=kind,
        format=fmt,
        **jobs.queued_values(requested_by),
        filename=f"{consultation.slug}-{kind}.{fmt}",
        mimetype=FORMATS[kind][fmt],
    )
    db.session.add(download)
    db.session.flush()
    return download


def get_download(consultation: Consultation, download_id: int) -> PreparedDownload | None:
    """The download `download_id` of `consultation`, or None (another consultation's is None too)."""
    return db.session.scalar(
        select(PreparedDownload).where(
            PreparedDownload.id == download_id, PreparedDownload.consultation_id == consultation.id
        )
    )


def finish(download: PreparedDownload, content: bytes) -> None:
    """Store the file `download` made and mark it ready."""
    jobs.finish(PreparedDownload, download.id, READY, content=content)


def abandon_unfinished(reason: str = "") -> int:
    """Mark queued and running downloads failed (their runner is gone); returns how many."""
    return jobs.abandon_unfinished(PreparedDownload, reason)
