"""Themes by group, prepared: the protected tables a background job worked out, and whether
they still match the review.

Protecting a question's themes by group (`analysis.themes.by_group`) takes seconds on a
large consultation, longer than a page may. So an analyst asks for the tables, a job
(`consult.jobs.theme_groups_job`) works them out and stores them here, and the page shows
the stored ones at once. Each result keeps a digest of what it was worked out from
(`inputs_digest`): every answer's themes and respondent's groups, the themes' names and
order, and the threshold. Renaming or merging themes, moving answers, new answers in the
set or a changed threshold all change the digest, so the page can tell stored tables that
no longer match the review and never shows them as current. One kind of queued job among
the others (`consult.data.jobs`): status and progress live in the same columns.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select

from consult.data import jobs
from consult.data.jobs import FAILED, FINISHED, UNFINISHED
from consult.data.theme_listing import group_rows
from consult.extensions import db
from consult.models import Theme, ThemeGroupTables, ThemeSet

__all__ = [
    "Prepared",
    "abandon_unfinished",
    "finish",
    "inputs_digest",
    "prepared_for",
    "record_request",
    "review_digest",
    "theme_names",
]

READY = "Ready"


@dataclass(frozen=True)
class Prepared:
    """What the page can show of a theme set's tables: the newest job not yet finished (or
    None), the newest finished result (or None), whether that result still matches the
    review, and the newest failure since that result (or None)."""

    unfinished: ThemeGroupTables | None
    result: ThemeGroupTables | None
    current: bool
    failed: ThemeGroupTables | None


def theme_names(theme_set: ThemeSet) -> list[tuple[int, str]]:
    """The set's themes, (id, name), in display order."""
    query = select(Theme.id, Theme.name).where(Theme.theme_set_id == theme_set.id)
    return [(int(i), str(n)) for i, n in db.session.execute(query.order_by(Theme.position, Theme.id))]


def inputs_digest(
    rows: Sequence[tuple[object, ...]], themes: Sequence[tuple[int, str]], threshold: int
) -> str:
    """A SHA-256 digest of what a set's tables are worked out from: `rows` (`group_rows`),
    `themes` (`theme_names`) and the disclosure `threshold`. Equal inputs, equal digests."""
    digest = hashlib.sha256()
    digest.update(json.dumps([threshold, [list(t) for t in themes]], ensure_ascii=False).encode())
    # The rows hold text, whole numbers and None only, whose repr is fixed: one call, quick
    # enough to take on every visit of the page.
    digest.update(repr([tuple(row) for row in rows]).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def review_digest(theme_set: ThemeSet, threshold: int) -> str:
    """The digest of the set's review as it stands (one read of its answers and themes)."""
    return inputs_digest(group_rows(theme_set), theme_names(theme_set), threshold)


def record_request(theme_set: ThemeSet, requested_by: str | None) -> ThemeGroupTables:
    """A new queued job to work out `theme_set`'s tables."""
    job = ThemeGroupTables(
        consultation_id=theme_set.consultation_id,
        theme_set_id=theme_set.id,
        **jobs.queued_values(requested_by),
    )
    db.session.add(job)
    db.session.flush()
    return job


def _newest(theme_set: ThemeSet, *statuses: str) -> ThemeGroupTables | None:
    return db.session.scalar(
        select(ThemeGroupTables)
        .where(ThemeGroupTables.theme_set_id == theme_set.id, ThemeGroupTables.status.in_(statuses))
        .order_by(ThemeGroupTables.id.desc())
        .limit(1)
    )


def prepared_for(theme_set: ThemeSet, threshold: int) -> Prepared:
    """The stored tables of `theme_set` and the job working them out, if any; whether the
    stored ones still match the review is read now (`review_digest`)."""
    result = _newest(theme_set, FINISHED)
    failed = _newest(theme_set, FAILED)
    if failed is not None and result is not None and failed.id < result.id:
        failed = None
    current = result is not None and result.inputs == review_digest(theme_set, threshold)
    return Prepared(_newest(theme_set, *UNFINISHED), result, current, failed)


def finish(job_id: int, theme_set_id: int, inputs: str, tables: dict[str, object]) -> None:
    """Store the tables job `job_id` worked out (from `inputs`, a digest) and mark it done;
    earlier results of the same set are dropped, never shown again."""
    db.session.execute(
        delete(ThemeGroupTables).where(
            ThemeGroupTables.theme_set_id == theme_set_id,
            ThemeGroupTables.id != job_id,
            ThemeGroupTables.status.in_((FINISHED, FAILED)),
        )
    )
    jobs.finish(ThemeGroupTables, job_id, READY, inputs=inputs, tables=tables)


def abandon_unfinished(reason: str = "") -> int:
    """Mark queued and running jobs of this kind failed (their runner is gone); returns how many."""
    return jobs.abandon_unfinished(ThemeGroupTables, reason)
