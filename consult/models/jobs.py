"""Background jobs: the columns they share, and each kind's own table."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from consult.extensions import db


class QueuedJob:
    """The shape every background job's row shares: its status and progress, who asked, when.

    A job is a row of its kind's table (`ThemeRun`, `PreparedDownload`) with these columns:
    the request records it queued, one wrapper (`consult.jobs.runner.run_job`) claims it,
    reports its progress and its failure, and every page and process reads them from here,
    whichever runner does the work (a thread of the server or an RQ worker).
    """

    status: Mapped[str] = mapped_column(String(16), default="queued")
    steps_done: Mapped[int] = mapped_column(Integer, default=0)
    steps_total: Mapped[int] = mapped_column(Integer, default=1)
    message: Mapped[str] = mapped_column(Text, default="")
    requested_by: Mapped[str | None] = mapped_column(String(320))
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class ThemeRun(QueuedJob, db.Model):
    """A request to find themes (one question or all), run as a background job."""

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"), index=True)
    # The questions asked for: one id, or every free-text question ("all").
    scope: Mapped[str] = mapped_column(String(16))
    question_ids: Mapped[list[str]] = mapped_column(JSON)
    engine: Mapped[str] = mapped_column(String(40))
    settings: Mapped[dict[str, object]] = mapped_column(JSON)
    report_format: Mapped[str] = mapped_column(String(8))
    # The theme report (HTML, XLSX or JSON) the run made, offered as a download.
    report: Mapped[bytes | None] = mapped_column(LargeBinary)

    __table_args__ = (
        CheckConstraint("status in ('queued', 'running', 'finished', 'failed')", name="status_known"),
    )


class PreparedDownload(QueuedJob, db.Model):
    """A result download (the counts, the Board report) made by a background job.

    Making one reads every response and can take longer than a web request may, so the
    request only records it; the job stores the finished file here for the officer to fetch.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"), index=True)
    # What is made ("counts" or "board-report") and as what ("csv", "docx", ...).
    kind: Mapped[str] = mapped_column(String(32))
    format: Mapped[str] = mapped_column(String(8))
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    filename: Mapped[str] = mapped_column(String(200))
    mimetype: Mapped[str] = mapped_column(String(200))

    __table_args__ = (
        CheckConstraint("status in ('queued', 'running', 'finished', 'failed')", name="status_known"),
    )


class ThemeGroupTables(QueuedJob, db.Model):
    """A question's themes by group, protected for publication, prepared by a background job.

    The protection takes seconds on a large consultation, so the review page never works it
    out itself: a job does and stores the tables here (`tables`, as the page shows them)
    with `inputs`, a digest of everything they were worked out from (the answers' themes
    and groups, the themes' names and order, the threshold). The page shows them only while
    the review still gives the same digest, and says they are out of date otherwise.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"), index=True)
    theme_set_id: Mapped[int] = mapped_column(ForeignKey("theme_set.id", ondelete="CASCADE"), index=True)
    inputs: Mapped[str | None] = mapped_column(String(64))
    tables: Mapped[dict[str, object] | None] = mapped_column(JSON)

    __table_args__ = (
        CheckConstraint("status in ('queued', 'running', 'finished', 'failed')", name="status_known"),
    )
