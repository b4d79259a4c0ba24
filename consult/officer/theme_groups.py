"""A question's themes by group (role, type of organisation, region), as the reports publish them.

The counts come from the stored review (`consult.data.theme_listing.group_assignments`)
and are protected as the theme report and the Board paper protect them
(`analysis.themes.by_group`): small groups merged, no figure from 1 to threshold - 1, and
further figures hidden so that none hidden can be worked out. That protection takes
seconds on a large consultation, so the page never works it out: the analyst asks for the
tables, a background job (`consult.jobs.theme_groups_job`) works them out and stores them,
and the page shows the stored tables at once while the review still matches them
(`consult.data.theme_group_tables`). Once the review has changed, it says they are out of
date and offers to work them out again; it never shows them as current.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort, current_app, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from consult import database
from consult.data import consultations, theme_sets
from consult.data import theme_group_tables as prepared
from consult.extensions import db
from consult.jobs.runner import queue_job
from consult.jobs.theme_groups_job import run_theme_groups_job
from consult.models import Consultation, ThemeGroupTables, ThemeSet
from consult.officer.blueprint import bp, current_consultation

__all__ = ["GroupTable", "prepare_theme_groups", "theme_groups"]


@dataclass(frozen=True)
class GroupTable:
    """One breakdown's table: its name, header cells and rows of cells, and the merged groups."""

    breakdown: str
    columns: list[str]
    rows: list[list[str]]
    merged_name: str
    merged: tuple[str, ...]

    @classmethod
    def stored(cls, table: dict[str, Any]) -> GroupTable:
        """A table as the job stored it (`consult.jobs.theme_groups_job.protected_tables`)."""
        return cls(
            str(table["breakdown"]),
            [str(c) for c in table["columns"]],
            [[str(c) for c in row] for row in table["rows"]],
            str(table["merged_name"]),
            tuple(str(m) for m in table["merged"]),
        )


def _question_and_set(consultation: Consultation, question_id: str) -> tuple[Any, ThemeSet]:
    """The free-text question `question_id` and its theme set, or 404."""
    questionnaire = consultations.questionnaire_of(consultation)
    question = next(
        (q for q in questionnaire.questions if q.id == question_id and not q.is_single_choice), None
    )
    theme_set = theme_sets.theme_set_for(consultation, question_id) if question is not None else None
    if question is None or theme_set is None:
        abort(404)
    return question, theme_set


@bp.get("/themes/<question_id>/by-group")
def theme_groups(question_id: str) -> str:
    """Each theme's answers by role, type of organisation and region, protected for
    publication: the stored tables while they match the review, else how to get them."""
    consultation = current_consultation()
    question, theme_set = _question_and_set(consultation, question_id)
    threshold = consultations.disclosure_threshold(consultation)
    found = prepared.prepared_for(theme_set, threshold)
    # Tables the review has moved on from are never shown: the page says they are out of date.
    shown = found.result if found.result is not None and found.current else None
    stored: dict[str, Any] = dict(shown.tables or {}) if shown is not None else {}
    return render_template(
        "officer/theme_groups.html",
        ctx={"question": question},
        theme_set=theme_set,
        found=found,
        tables=[GroupTable.stored(t) for t in stored.get("tables", [])],
        base=stored.get("base"),
        threshold=threshold,
        queued_on_rq=current_app.config.get("JOBS_REDIS_URL") is not None,
    )


@bp.post("/themes/<question_id>/by-group/prepare")
def prepare_theme_groups(question_id: str) -> WerkzeugResponse:
    """Queue the job that works out the question's tables, unless one is on its way or the
    stored ones still match the review; back to the page, which shows its progress."""
    database.mark_read_only()  # the review is read (and its digest taken) before the lock
    consultation = current_consultation()
    _, theme_set = _question_and_set(consultation, question_id)
    found = prepared.prepared_for(theme_set, consultations.disclosure_threshold(consultation))
    page = redirect(url_for("officer.theme_groups", question_id=question_id), 303)
    if found.unfinished is not None or found.current:
        return page
    database.begin_writing()
    job_id = prepared.record_request(theme_set, current_user.email).id
    db.session.commit()  # the job must find the row, whichever process runs it
    queue_job(
        run_theme_groups_job,
        ThemeGroupTables,
        job_id,
        "The themes by group could not be worked out: the job queue is not available. Try again later.",
    )
    return page
