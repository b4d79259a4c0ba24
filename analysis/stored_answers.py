"""Which stored answers count: the one rule, as a SQL statement on the app's tables.

The app keeps two copies of a response's answers in the `answer` table, told apart by
`stage`: the working copy ("draft") that the respondent edits, and the copy made when they
submit ("submitted"). A response's `status` says which of them is its answer: the
submitted copy of a submitted response (later edits count only once submitted again),
the working copy of one never submitted. So the answers that count are exactly those
whose `stage` equals their response's `status`.

Everything that reads answers to count, export or analyse them (the anonymised export,
the dashboard, the analysis package's database source) builds on `counted_answers`. Only
the table and column names are used here, not the app's models, as `analysis` never
imports the app; SQLAlchemy is imported inside the function so that importing this
module stays instant.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Select

__all__ = ["counted_answers", "says_something"]

# Free-text values that say nothing: blank, punctuation, or a placeholder people type in a
# box they must or feel they should fill ("N/A", "no comment", "did not answer", "see
# above"). "Nothing" and "None" alone are answers: to "what would you change?" they mean
# "nothing needs to change".
_PLACEHOLDER = re.compile(
    r"""^(?:
        | n\s*/?\s*a | n\.a | na | nil | none\ given
        | nothing\ (?:more\ |further\ )?to\ (?:add|say|declare) | nothing\ further
        | no\ (?:further\ |other\ )?comments? | no\ (?:further\ )?response | no\ answer(?:\ given)?
        | no\ view | no\ opinion | not\ applicable | not\ answered
        | (?:i\ )?did\ not\ answer | (?:i\ )?didn'?t\ answer
        | prefer\ not\ to\ (?:say|answer) | not\ sure | unsure | (?:i\ )?don'?t\ know | dont\ know | dk
        | see\ (?:above|below|previous(?:\ answer)?|attached|q\d+) | as\ above | ditto | same\ as\ above
        | -+ | \.+ | \?+ | x+ | [*_/\\]+
    )[.!]*$""",
    re.VERBOSE,
)
_SPACE = re.compile(r"\s+")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})


def says_something(value: object) -> bool:
    """Whether a free-text value is an answer: not blank, not punctuation, not a placeholder.

    The one rule for free text: the themes analysis themes only such answers (and counts
    the rest apart as "no answer"), and the app counts only them as a question's answers.
    """
    if not isinstance(value, str):
        return False
    key = _SPACE.sub(" ", value.lower().translate(_APOSTROPHES)).strip()
    return not _PLACEHOLDER.match(key)


def counted_answers(
    consultation_id: int, *, submitted_only: bool = False, question_ids: Sequence[str] | None = None
) -> Select:
    """SELECT `response_id, question_id, value` of the answers that count in one consultation.

    `response_id` is the response row's `id`. With `submitted_only`, only the answers of
    submitted responses; with `question_ids`, only answers to those questions. The rows say
    nothing about which questions were shown: callers apply the questionnaire's conditions.
    """
    import sqlalchemy as sa

    response = sa.table("response", sa.column("id"), sa.column("consultation_id"), sa.column("status"))
    answer = sa.table(
        "answer", sa.column("response_id"), sa.column("stage"), sa.column("question_id"), sa.column("value")
    )
    statement = (
        sa.select(answer.c.response_id, answer.c.question_id, answer.c.value)
        .join(response, response.c.id == answer.c.response_id)
        .where(response.c.consultation_id == consultation_id, answer.c.stage == response.c.status)
    )
    if submitted_only:
        statement = statement.where(response.c.status == "submitted")
    if question_ids is not None:
        statement = statement.where(answer.c.question_id.in_(list(question_ids)))
    return statement
