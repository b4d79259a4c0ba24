"""The release record of a consultation, kept in the database (`analysis.releases.store`).

Every result file prepared for publication (counts, the Board report) is made against the
record and recorded as a release in the same transaction that stores the file: a release is
recorded only once its file exists, and a file exists only with its release recorded.
The officers' dashboard lists the releases (`list_releases`).
"""

from __future__ import annotations

import datetime as dt
import json
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from consult.data import consultations
from consult.extensions import db
from consult.models import Consultation, Release

if TYPE_CHECKING:
    from analysis.releases.record import ReleaseRecord

__all__ = ["ReleaseRow", "list_releases", "read_record", "save_record"]

# How each output is named to an officer.
OUTPUT_NAMES = {"counts": "Counts", "board-report": "Board report", "themes": "Themes report"}


def read_record(consultation: Consultation) -> ReleaseRecord:
    """The consultation's release record as it stands (read on the session's connection)."""
    from analysis.releases.store import DatabaseReleases

    store = DatabaseReleases(db.session.connection(), consultation.id, consultation.slug)
    return store.read(consultations.questionnaire_of(consultation))


def save_record(
    consultation: Consultation, record: ReleaseRecord, since: ReleaseRecord, made_by: str | None
) -> None:
    """Add what `record` has beyond `since` (flushed; the caller commits). Raises
    `ReleaseRecordError` if another release was recorded since `since` was read."""
    from analysis.releases.store import DatabaseReleases

    store = DatabaseReleases(db.session.connection(), consultation.id, consultation.slug)
    store.save(record, since=since, made_by=made_by)


@dataclass(frozen=True)
class ReleaseRow:
    """One release as the dashboard lists it."""

    number: int
    made_at: dt.datetime
    made_by: str | None
    output: str
    format: str
    threshold: int
    responses: int
    breakdowns: tuple[str, ...]
    figures: int
    hidden: int
    not_updated: int


def list_releases(consultation: Consultation) -> list[ReleaseRow]:
    """Every release of `consultation`, newest first."""
    rows = db.session.scalars(
        select(Release).where(Release.consultation_id == consultation.id).order_by(Release.number.desc())
    ).all()
    out = []
    for row in rows:
        body = json.loads(zlib.decompress(row.body).decode("utf-8"))
        summary = body.get("summary") or {}
        out.append(
            ReleaseRow(
                number=row.number,
                made_at=row.made_at,
                made_by=row.made_by,
                output=OUTPUT_NAMES.get(row.output, row.output),
                format=row.format.upper(),
                threshold=row.threshold,
                responses=row.responses,
                breakdowns=tuple(b.replace("_", " ") for b in body.get("breakdowns", [])),
                figures=int(summary.get("figures", 0)),
                hidden=int(summary.get("hidden", 0)),
                not_updated=len(summary.get("segments_not_updated", [])),
            )
        )
    return out
