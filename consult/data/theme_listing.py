"""Reading a theme set for review: themes with counts, answers paged and searched by words.

Every query is bounded by one theme set and served by an index (the set's unique answer
key, the link table's theme index, the response's public id and the answer's key), and
answers come a page at a time, so the pages stay quick at tens of thousands of answers.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import Select, and_, func, select

from consult.data.theme_answers import with_profile_categories
from consult.data.theme_sets import MACHINE, REVIEWED, SUGGESTED
from consult.extensions import db
from consult.models import Answer, Response, Stage, Status, Theme, ThemeAnswer, ThemeAnswerTheme, ThemeSet

if TYPE_CHECKING:
    import pandas as pd

    from questions import Questionnaire

PAGE_SIZE = 20
# Answers lists a reviewer can filter by. "Machine draft": in the engine's theme, not yet
# reviewed; "unthemed": in no theme and not yet reviewed. A suggestion always has its theme.
FILTERS = {
    "all": "All answers",
    "machine": "Machine draft",
    "suggested": "Suggested",
    "unthemed": "Unthemed",
    "reviewed": "Reviewed",
    "approved": "Approved quotes",
    "flagged": "Flagged",
}
MOST_SEARCH_WORDS = 10


@dataclass(frozen=True)
class ThemeCount:
    theme: Theme
    count: int


@dataclass(frozen=True)
class StateCounts:
    """How far the review has got: the four parts add up to `total`."""

    reviewed: int = 0
    suggested: int = 0
    machine: int = 0
    unthemed: int = 0
    approved: int = 0
    flagged: int = 0

    @property
    def total(self) -> int:
        return self.reviewed + self.suggested + self.machine + self.unthemed


@dataclass
class AnswerRow:
    public_id: str
    text: str
    state: str
    quote_approved: bool
    flag: str | None
    theme_ids: list[int] = field(default_factory=list)
    version: int = 1  # the answer's version: a form changing it carries it


@dataclass(frozen=True)
class AnswerPage:
    rows: list[AnswerRow]
    total: int
    page: int
    pages: int


def theme_counts(theme_set: ThemeSet) -> list[ThemeCount]:
    """The set's themes in display order, each with the number of answers in it."""
    query = (
        select(Theme, func.count(ThemeAnswerTheme.theme_answer_id))
        .outerjoin(ThemeAnswerTheme, ThemeAnswerTheme.theme_id == Theme.id)
        .where(Theme.theme_set_id == theme_set.id)
        .group_by(Theme.id)
        .order_by(Theme.position, Theme.id)
    )
    return [ThemeCount(theme, count) for theme, count in db.session.execute(query)]


def state_counts(theme_set: ThemeSet) -> StateCounts:
    """Reviewed, suggested, machine-themed and unthemed answers (plus approved and flagged)."""
    in_a_theme = select(ThemeAnswerTheme.theme_answer_id).where(
        ThemeAnswerTheme.theme_answer_id == ThemeAnswer.id
    )
    themed = in_a_theme.exists()
    row = db.session.execute(
        select(
            func.count().filter(ThemeAnswer.state == REVIEWED),
            func.count().filter(ThemeAnswer.state == SUGGESTED),
            func.count().filter(and_(ThemeAnswer.state == MACHINE, themed)),
            func.count().filter(and_(ThemeAnswer.state == MACHINE, ~themed)),
            func.count().filter(ThemeAnswer.quote_approved.is_(True)),
            func.count().filter(ThemeAnswer.flag.is_not(None)),
        ).where(ThemeAnswer.theme_set_id == theme_set.id)
    ).one()
    reviewed, suggested, machine, unthemed, approved, flagged = (int(v or 0) for v in row)
    return StateCounts(reviewed, suggested, machine, unthemed, approved, flagged)


def search_words(query: str) -> list[str]:
    """The words of a search box's text (at most MOST_SEARCH_WORDS), lower case."""
    return [w.lower() for w in re.findall(r"[\w'’-]+", query)][:MOST_SEARCH_WORDS]


def _like(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _answers_query(theme_set: ThemeSet, theme_id: int | None, state: str, words: list[str]) -> Select:  # type: ignore[type-arg]
    text = Answer.value
    query = (
        select(ThemeAnswer, text)
        .join(Response, Response.public_id == ThemeAnswer.response_public_id)
        .join(
            Answer,
            and_(
                Answer.response_id == Response.id,
                Answer.stage == Stage.SUBMITTED,
                Answer.question_id == theme_set.question_id,
            ),
        )
        .where(ThemeAnswer.theme_set_id == theme_set.id)
    )
    if theme_id is not None:
        query = query.join(
            ThemeAnswerTheme,
            and_(ThemeAnswerTheme.theme_answer_id == ThemeAnswer.id, ThemeAnswerTheme.theme_id == theme_id),
        )
    themed = (
        select(ThemeAnswerTheme.theme_answer_id)
        .where(ThemeAnswerTheme.theme_answer_id == ThemeAnswer.id)
        .exists()
    )
    conditions = {
        "unthemed": and_(ThemeAnswer.state == MACHINE, ~themed),
        "suggested": ThemeAnswer.state == SUGGESTED,
        "machine": and_(ThemeAnswer.state == MACHINE, themed),
        "reviewed": ThemeAnswer.state == REVIEWED,
        "approved": ThemeAnswer.quote_approved.is_(True),
        "flagged": ThemeAnswer.flag.is_not(None),
    }
    if state in conditions:
        query = query.where(conditions[state])
    for word in words:
        query = query.where(text.ilike(_like(word), escape="\\"))
    return query


def answers_page(
    theme_set: ThemeSet, *, theme_id: int | None = None, state: str = "all", words: str = "", page: int = 1
) -> AnswerPage:
    """One page of the set's answers (in a theme, in a state, containing every word searched)."""
    query = _answers_query(theme_set, theme_id, state, search_words(words))
    total = int(db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(1, page), pages)
    found = db.session.execute(
        query.order_by(ThemeAnswer.id).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    rows = [
        AnswerRow(a.response_public_id, value, a.state, a.quote_approved, a.flag, version=a.version)
        for a, value in found
    ]
    _fill_themes(theme_set, rows, [a.id for a, _ in found])
    return AnswerPage(rows, total, page, pages)


def _fill_themes(theme_set: ThemeSet, rows: list[AnswerRow], answer_ids: list[int]) -> None:
    if not answer_ids:
        return
    links = db.session.execute(
        select(ThemeAnswerTheme.theme_answer_id, ThemeAnswerTheme.theme_id).where(
            ThemeAnswerTheme.theme_answer_id.in_(answer_ids)
        )
    ).all()
    by_answer: dict[int, list[int]] = {}
    for answer_id, theme_id in links:
        by_answer.setdefault(answer_id, []).append(theme_id)
    for row, answer_id in zip(rows, answer_ids, strict=True):
        row.theme_ids = sorted(by_answer.get(answer_id, []))


def answer_for_review(theme_set: ThemeSet, public_id: str) -> tuple[ThemeAnswer, AnswerRow] | None:
    """One answer of the set with its text and themes, or None if the set has no such answer."""
    query = _answers_query(theme_set, None, "all", []).where(ThemeAnswer.response_public_id == public_id)
    found = db.session.execute(query).first()
    if found is None:
        return None
    answer, value = found
    row = AnswerRow(
        answer.response_public_id,
        value,
        answer.state,
        answer.quote_approved,
        answer.flag,
        version=answer.version,
    )
    _fill_themes(theme_set, [row], [answer.id])
    return answer, row


def theme_of(theme_set: ThemeSet, theme_id: int) -> Theme | None:
    return db.session.scalar(select(Theme).where(Theme.id == theme_id, Theme.theme_set_id == theme_set.id))


def neighbours(theme_set: ThemeSet, public_id: str, state: str) -> str | None:
    """The next answer after `public_id` in `state` (for reviewing suggestions one by one)."""
    current = select(ThemeAnswer.id).where(
        ThemeAnswer.theme_set_id == theme_set.id, ThemeAnswer.response_public_id == public_id
    )
    query = _answers_query(theme_set, None, state, []).where(ThemeAnswer.id > current.scalar_subquery())
    found = db.session.execute(query.order_by(ThemeAnswer.id).limit(1)).first()
    return found[0].response_public_id if found else None


__all__ = [
    "FILTERS",
    "PAGE_SIZE",
    "AnswerPage",
    "AnswerRow",
    "StateCounts",
    "ThemeCount",
    "answer_for_review",
    "answers_page",
    "neighbours",
    "search_words",
    "state_counts",
    "theme_counts",
    "theme_of",
]


def group_rows(theme_set: ThemeSet) -> list[tuple[object, ...]]:
    """The set's answers from submitted responses, one row per answer and theme it raises (an
    answer in no theme: one row, theme None), as (response public id, theme id, role,
    organisation type, region), in a fixed order: what the themes by group are counted from."""
    query = (
        select(
            ThemeAnswer.response_public_id,
            ThemeAnswerTheme.theme_id,
            Response.role,
            Response.organisation_type,
            Response.region,
        )
        .join(
            Response,
            and_(
                Response.public_id == ThemeAnswer.response_public_id,
                Response.consultation_id == theme_set.consultation_id,
            ),
        )
        .outerjoin(ThemeAnswerTheme, ThemeAnswerTheme.theme_answer_id == ThemeAnswer.id)
        .where(ThemeAnswer.theme_set_id == theme_set.id, Response.status == Status.SUBMITTED)
        .order_by(ThemeAnswer.id, ThemeAnswerTheme.theme_id)
    )
    return [tuple(row) for row in db.session.execute(query).all()]


def group_assignments(
    theme_set: ThemeSet, questionnaire: Questionnaire, rows: list[tuple[object, ...]] | None = None
) -> pd.DataFrame:
    """The set's answers from submitted responses, with their themes and respondents' groups.

    The frame `analysis.themes.by_group.theme_counts_by_group` reads: one row per answer
    and theme (an answer in no theme: one row, `theme_id` missing), columns `response_id`,
    `question_id`, `theme_id` and `role`, `organisation_type`, `region` as categoricals of
    the questionnaire's lists (a value not in them, or none, is "not stated"). Made from
    `rows` (`group_rows`) where given, else read now.
    """
    import pandas as pd

    columns = ["response_id", "theme_id", "role", "organisation_type", "region"]
    frame = pd.DataFrame(group_rows(theme_set) if rows is None else rows, columns=columns)
    frame["theme_id"] = frame["theme_id"].astype("Int64")
    frame["question_id"] = theme_set.question_id
    return with_profile_categories(frame, questionnaire)
