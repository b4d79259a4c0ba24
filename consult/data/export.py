"""The anonymised response-level export: one row per response, no contact details.

Columns: response_id, status, channel, role, organisation_type, region, updated_on, and
one per question (q1 … q21): a single-choice answer as the option's exact text, free
text as typed, empty where unanswered or not shown. Rows are in random order so that
row position says nothing about when or in what order people responded.
"""

from __future__ import annotations

import random
from collections import defaultdict
from typing import IO

from sqlalchemy import select

from analysis.csv_output import write_csv_rows
from analysis.response_frame import EXPORT_META_COLUMNS
from analysis.stored_answers import counted_answers
from consult.extensions import db
from consult.models import Consultation, Response
from questions import Questionnaire

# The analysis package reads the export back: the columns are its own.
RESPONSE_COLUMNS = EXPORT_META_COLUMNS


def export_columns(questionnaire: Questionnaire) -> list[str]:
    return [*RESPONSE_COLUMNS, *questionnaire.question_ids]


def response_rows(consultation: Consultation, questionnaire: Questionnaire) -> list[dict[str, str]]:
    """Every response of `consultation` as an export row, in random order."""
    answers: dict[int, dict[str, str]] = defaultdict(dict)
    for response_id, question_id, value in db.session.execute(counted_answers(consultation.id)):
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


def write_csv(rows: list[dict[str, str]], questionnaire: Questionnaire, out: IO[str]) -> int:
    """Write the export as CSV, safe to open in Excel; return the number of rows."""
    columns = export_columns(questionnaire)
    return write_csv_rows(out, columns, ([row[c] for c in columns] for row in rows))
