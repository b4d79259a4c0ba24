"""The anonymised response-level export: one row per response, no contact details.

Columns: response_id, status, channel, role, organisation_type, region, updated_on, and
one per question (q1 … q21): a single-choice answer as the option's exact text, free
text as typed, empty where unanswered or not shown. Rows are in random order so that
row position says nothing about when or in what order people responded.
"""

from __future__ import annotations

import csv
import random
from collections import defaultdict
from collections.abc import Iterator
from typing import IO

from sqlalchemy import and_, or_, select

from analysis.spreadsheet_safety import neutralise_formula
from consult.extensions import db
from consult.models import Answer, Consultation, Response, Stage, Status
from questions import Questionnaire

RESPONSE_COLUMNS = ("response_id", "status", "channel", "role", "organisation_type", "region", "updated_on")


def export_columns(questionnaire: Questionnaire) -> list[str]:
    return [*RESPONSE_COLUMNS, *questionnaire.question_ids]


def response_rows(consultation: Consultation, questionnaire: Questionnaire) -> list[dict[str, str]]:
    """Every response of `consultation` as an export row, in random order."""
    counted = or_(
        and_(Response.status == Status.SUBMITTED, Answer.stage == Stage.SUBMITTED),
        and_(Response.status == Status.DRAFT, Answer.stage == Stage.DRAFT),
    )
    answers: dict[int, dict[str, str]] = defaultdict(dict)
    for response_id, question_id, value in db.session.execute(
        select(Answer.response_id, Answer.question_id, Answer.value)
        .join(Response, Response.id == Answer.response_id)
        .where(Response.consultation_id == consultation.id, counted)
    ):
        answers[response_id][question_id] = value
    rows = []
    for response in db.session.scalars(select(Response).where(Response.consultation_id == consultation.id)):
        visible = questionnaire.visible_answers(answers.get(response.id, {}))
        row = {
            "response_id": response.public_id,
            "status": response.status,
            "channel": response.channel,
            "role": response.role or "",
            "organisation_type": response.organisation_type or "",
            "region": response.region or "",
            "updated_on": response.updated_on.isoformat(),
        }
        row.update({q: visible.get(q, "") for q in questionnaire.question_ids})
        rows.append(row)
    random.SystemRandom().shuffle(rows)
    return rows


def _safe(rows: list[dict[str, str]]) -> Iterator[dict[str, object]]:
    for row in rows:
        yield {k: neutralise_formula(v) for k, v in row.items()}


def write_csv(rows: list[dict[str, str]], questionnaire: Questionnaire, out: IO[str]) -> int:
    """Write the export as CSV, safe to open in Excel; return the number of rows."""
    writer = csv.DictWriter(out, fieldnames=export_columns(questionnaire), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(_safe(rows))
    return len(rows)
