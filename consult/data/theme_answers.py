"""Free-text answers for the themes analysis: which questions there are, how many answers
each has, and the answers themselves in the long form that `analysis.themes` reads.

Built on the anonymised export rows (`consult.data.export.response_rows`), so the same
rules apply: the submitted version of a submitted response, answers to questions the
respondent was not shown left out, no contact details. Drafts are left out unless asked
for; the analysis themes them then but never quotes them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from analysis.stored_answers import says_something
from consult.data.export import response_rows
from consult.extensions import db
from consult.models import Answer, Consultation, Response, Stage, Status
from questions import Questionnaire

if TYPE_CHECKING:
    import pandas as pd

# Fewer answers than this make themes of one or two answers each, whose quotes could
# point to the person who wrote them; the same as the default disclosure threshold.
MIN_ANSWERS = 10

ANSWER_COLUMNS = ["response_id", "question_id", "text", "status"]


@dataclass(frozen=True)
class FreeTextQuestion:
    """A free-text question and how many submitted responses answered it (blank and
    placeholders such as "N/A" not counted: `analysis.stored_answers.says_something`)."""

    id: str
    number: int
    text: str
    answers: int

    @property
    def enough(self) -> bool:
        """Whether it has enough answers to find themes in."""
        return self.answers >= MIN_ANSWERS


def _free_text_ids(questionnaire: Questionnaire) -> list[str]:
    return [q.id for q in questionnaire.questions if not q.is_single_choice]


def _answers(
    consultation: Consultation, questionnaire: Questionnaire, include_drafts: bool
) -> list[tuple[str, str, str, str]]:
    """(response_id, question_id, text, status) of every non-blank free-text answer, sorted.

    Sorted by question then response id: the export rows come in random order, and the
    themes must be the same every time for the same answers."""
    wanted = _free_text_ids(questionnaire)
    order = {qid: i for i, qid in enumerate(wanted)}
    found = [
        (row["response_id"], qid, row[qid], str(row["status"]))
        for row in response_rows(consultation, questionnaire)
        if include_drafts or row["status"] == Status.SUBMITTED
        for qid in wanted
        if row[qid].strip()
    ]
    return sorted(found, key=lambda a: (order[a[1]], a[0]))


def free_text_questions(consultation: Consultation, questionnaire: Questionnaire) -> list[FreeTextQuestion]:
    """The consultation's free-text questions in order, each with its number of submitted answers.

    The same rule as the export (an answer to a question the respondent was not shown is
    not counted), read with one light query rather than building every export row, so that
    the themes page stays quick at tens of thousands of responses."""
    free = [q for q in questionnaire.questions if not q.is_single_choice]
    answers: dict[int, dict[str, str]] = defaultdict(dict)
    for response_id, question_id, value in db.session.execute(
        select(Answer.response_id, Answer.question_id, Answer.value)
        .join(Response, Response.id == Answer.response_id)
        .where(
            Response.consultation_id == consultation.id,
            Response.status == Status.SUBMITTED,
            Answer.stage == Stage.SUBMITTED,
        )
    ):
        answers[response_id][question_id] = value
    counts: Counter[str] = Counter()
    for given in answers.values():
        for q in free:
            if says_something(given.get(q.id)) and questionnaire.is_shown(q, given):
                counts[q.id] += 1
    return [FreeTextQuestion(q.id, q.number, q.text, counts.get(q.id, 0)) for q in free]


def free_text_answers(
    consultation: Consultation,
    questionnaire: Questionnaire,
    question_ids: Sequence[str] = (),
    *,
    include_drafts: bool = False,
) -> pd.DataFrame:
    """The answers frame for `analysis.themes.theme_answers`: one row per non-blank answer.

    Columns response_id, question_id, text, status ("submitted" or "draft"); only the
    questions in `question_ids` (all free-text questions when empty); submitted responses
    only unless `include_drafts`. Text is as typed (the analysis redacts it).
    """
    import pandas as pd

    answers = _answers(consultation, questionnaire, include_drafts)
    rows = [a for a in answers if not question_ids or a[1] in question_ids]
    return pd.DataFrame(rows, columns=ANSWER_COLUMNS)


def respondent_groups(consultation: Consultation, questionnaire: Questionnaire) -> pd.DataFrame:
    """Each response's public id (the answers frame's `response_id`) with its role,
    organisation type and region as categoricals of the questionnaire's lists (a value not
    in them, or none, is "not stated"): the report's themes by group are made from it."""
    import pandas as pd

    query = select(Response.public_id, Response.role, Response.organisation_type, Response.region).where(
        Response.consultation_id == consultation.id
    )
    frame = pd.DataFrame(
        db.session.execute(query).all(), columns=["response_id", "role", "organisation_type", "region"]
    )
    return with_profile_categories(frame, questionnaire)


def with_profile_categories(frame: pd.DataFrame, questionnaire: Questionnaire) -> pd.DataFrame:
    """`frame` with `role`, `organisation_type` and `region` as categoricals of the
    questionnaire's lists, in their order (a value not in them, or none, is "not stated")."""
    import pandas as pd

    profile = questionnaire.profile
    lists = {
        "role": profile.roles,
        "organisation_type": profile.organisation_types,
        "region": profile.regions,
    }
    for column, allowed in lists.items():
        frame[column] = pd.Categorical(frame[column], categories=list(allowed))
    return frame
