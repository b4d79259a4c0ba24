"""Prepared downloads: result files made by a background job, kept in the database.

The counts and the Board report read every response and can take longer than a web
request may. A request records the download (queued) and a job makes the file and stores
it here, so the download's page can show its status from any process and after a reload.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from consult.data.theme_runs import FAILED, FINISHED, QUEUED, RUNNING, UNFINISHED
from consult.extensions import db
from consult.models import Consultation, PreparedDownload

__all__ = [
    "FAILED",
    "FINISHED",
    "FORMATS",
    "LABELS",
    "QUEUED",
    "RUNNING",
    "abandon_unfinished",
    "fail",
    "finish",
    "get_download",
    "record_download",
    "start",
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


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


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
        status=QUEUED,
        message="Waiting to start",
        requested_by=requested_by,
        requested_at=_now(),
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


def start(download: PreparedDownload, message: str) -> None:
    download.status, download.message = RUNNING, message[:500]
    db.session.flush()


def finish(download: PreparedDownload, content: bytes) -> None:
    download.status, download.finished_at, download.content = FINISHED, _now(), content
    download.message = "Ready to download"
    db.session.flush()


def fail(download: PreparedDownload, message: str) -> None:
    download.status, download.finished_at, download.message = FAILED, _now(), message[:500]
    db.session.flush()


def abandon_unfinished(reason: str = "") -> int:
    """Mark queued and running downloads failed (their runner is gone); returns how many."""
    result = db.session.execute(
        update(PreparedDownload)
        .where(PreparedDownload.status.in_(UNFINISHED))
        .values(status=FAILED, finished_at=_now(), message=reason or "Stopped before it finished")
    )
    db.session.flush()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
