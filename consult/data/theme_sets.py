"""Theme sets in the database: the engine's themes stored as a draft, re-runs that keep the review.

One theme set per (consultation, free-text question). The first run stores the engine's
themes and each answer's main theme ("machine" answers). A later run replaces a set
nobody has changed yet (version 1), but keeps a reviewed one: its themes, names and every
answer's themes stay; answers that arrived since are given the nearest theme as a
suggestion ("suggested", until an analyst accepts it); answers no longer submitted leave.

The answer text is never copied: it is read from `answer` through the response's public id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, insert, select

from consult.extensions import db
from consult.models import (
    Answer,
    Consultation,
    Response,
    Stage,
    Status,
    Theme,
    ThemeAnswer,
    ThemeAnswerTheme,
    ThemeSet,
)

if TYPE_CHECKING:
    import pandas as pd

MACHINE = "machine"
SUGGESTED = "suggested"
REVIEWED = "reviewed"
ANALYST = "analyst"
# An untouched set has this version; every saved review change bumps it.
FIRST_VERSION = 1


def theme_set_for(
    consultation: Consultation, question_id: str, *, for_update: bool = False
) -> ThemeSet | None:
    """The stored theme set of one question, or None before its first run.

    `for_update` locks its row (PostgreSQL) until the transaction ends, so that a run
    storing its themes and an analyst saving a change take turns; SQLite's transactions
    already take the write lock up front."""
    query = select(ThemeSet).where(
        ThemeSet.consultation_id == consultation.id, ThemeSet.question_id == question_id
    )
    return db.session.scalar(query.with_for_update() if for_update else query)


def theme_sets_of(consultation: Consultation) -> dict[str, ThemeSet]:
    """Every stored theme set of the consultation, by question id."""
    sets = db.session.scalars(select(ThemeSet).where(ThemeSet.consultation_id == consultation.id))
    return {s.question_id: s for s in sets}


def answer_texts(
    consultation: Consultation, question_id: str, public_ids: Iterable[str] | None = None
) -> pd.DataFrame:
    """Submitted answers to one question as a frame: columns response_id (public id), text."""
    import pandas as pd

    query = (
        select(Response.public_id, Answer.value)
        .join(Answer, Answer.response_id == Response.id)
        .where(
            Response.consultation_id == consultation.id,
            Response.status == Status.SUBMITTED,
            Answer.stage == Stage.SUBMITTED,
            Answer.question_id == question_id,
        )
    )
    rows = list(db.session.execute(query))
    if public_ids is not None:
        wanted = set(public_ids)
        rows = [r for r in rows if r[0] in wanted]
    return pd.DataFrame(rows, columns=["response_id", "text"])


def save_machine_themes(
    consultation: Consultation,
    question_id: str,
    themes: pd.DataFrame,
    assignments: pd.DataFrame,
    *,
    engine: str,
    settings: dict[str, Any],
) -> ThemeSet:
    """Store one question's run: a new draft set, a replaced untouched one, or new answers added
    to a reviewed one (with suggestions). Returns the set.

    `themes`: the report's theme rows of this question (theme_id, label, terms); the
    "other" theme is not stored: its answers are in no theme. `assignments`: response_id,
    theme_id, primary; each answer's primary theme becomes its machine theme.
    """
    now = dt.datetime.now(dt.UTC)
    found = [t for t in themes.to_dict("records") if not str(t["theme_id"]).endswith("-other")]
    primary = assignments[assignments["primary"].astype(bool)]
    machine_theme = {str(r): str(t) for r, t in zip(primary["response_id"], primary["theme_id"], strict=True)}
    for response_id in assignments["response_id"].astype(str):
        machine_theme.setdefault(response_id, "")
    theme_set = theme_set_for(consultation, question_id, for_update=True)
    if theme_set is None:
        theme_set = ThemeSet(
            consultation_id=consultation.id,
            question_id=question_id,
            created_at=now,
            status="draft",
            version=FIRST_VERSION,
            engine=engine,
            settings=settings,
            answers_included=0,
            run_at=now,
        )
        db.session.add(theme_set)
        db.session.flush()
    theme_set.engine, theme_set.settings, theme_set.run_at = engine, settings, now
    if theme_set.version == FIRST_VERSION:
        _replace(theme_set, found, machine_theme)
    else:
        _add_late_answers(consultation, theme_set, list(machine_theme))
    theme_set.answers_included = len(
        db.session.scalars(select(ThemeAnswer.id).where(ThemeAnswer.theme_set_id == theme_set.id)).all()
    )
    db.session.flush()
    return theme_set


def _replace(theme_set: ThemeSet, found: list[dict[str, Any]], machine_theme: dict[str, str]) -> None:
    """Store the engine's themes and answers in place of the set's untouched ones."""
    db.session.execute(delete(ThemeAnswer).where(ThemeAnswer.theme_set_id == theme_set.id))
    db.session.execute(delete(Theme).where(Theme.theme_set_id == theme_set.id))
    ids: dict[str, int] = {}
    for position, row in enumerate(found, start=1):
        theme = Theme(
            theme_set_id=theme_set.id,
            name=str(row["label"])[:200],
            description=None,
            key_terms=[str(t) for t in row["terms"]],
            position=position,
            origin=MACHINE,
        )
        db.session.add(theme)
        db.session.flush()
        ids[str(row["theme_id"])] = theme.id
    answers = [
        {
            "theme_set_id": theme_set.id,
            "response_public_id": response_id,
            "state": MACHINE,
            "machine_theme_id": ids.get(theme_id),
            "quote_approved": False,
            "flag": None,
        }
        for response_id, theme_id in sorted(machine_theme.items())
    ]
    _insert_answers(theme_set, answers)


def _insert_answers(theme_set: ThemeSet, answers: Sequence[dict[str, Any]]) -> None:
    """Insert theme_answer rows and link each to its `machine_theme_id` (where it has one)."""
    if not answers:
        return
    db.session.execute(insert(ThemeAnswer), list(answers))
    wanted = {a["response_public_id"]: a["machine_theme_id"] for a in answers if a["machine_theme_id"]}
    if not wanted:
        return
    rows = db.session.execute(
        select(ThemeAnswer.id, ThemeAnswer.response_public_id).where(ThemeAnswer.theme_set_id == theme_set.id)
    )
    links = [{"theme_answer_id": i, "theme_id": wanted[p]} for i, p in rows if p in wanted]
    if links:
        db.session.execute(insert(ThemeAnswerTheme), links)


def _add_late_answers(consultation: Consultation, theme_set: ThemeSet, current: list[str]) -> None:
    """Keep the review; suggest the nearest theme for answers new since; drop answers now gone."""
    from analysis.themes.suggest import nearest_reviewed_theme

    known = dict(
        db.session.execute(
            select(ThemeAnswer.response_public_id, ThemeAnswer.id).where(
                ThemeAnswer.theme_set_id == theme_set.id
            )
        ).all()
    )
    gone = [known[p] for p in set(known) - set(current)]
    if gone:
        db.session.execute(delete(ThemeAnswer).where(ThemeAnswer.id.in_(gone)))
    new = sorted(set(current) - set(known))
    if not new:
        return
    # The reference: answers in the kept set's themes that are not themselves suggestions.
    reference_rows = db.session.execute(
        select(ThemeAnswer.response_public_id, ThemeAnswerTheme.theme_id)
        .join(ThemeAnswerTheme, ThemeAnswerTheme.theme_answer_id == ThemeAnswer.id)
        .where(ThemeAnswer.theme_set_id == theme_set.id, ThemeAnswer.state != SUGGESTED)
    ).all()
    import pandas as pd

    texts = answer_texts(consultation, theme_set.question_id)
    by_id = dict(zip(texts["response_id"], texts["text"], strict=True))
    reviewed = pd.DataFrame(
        [(p, by_id.get(p, ""), t) for p, t in reference_rows], columns=["response_id", "text", "theme_id"]
    )
    fresh = pd.DataFrame([(p, by_id.get(p, "")) for p in new], columns=["response_id", "text"])
    suggestions = nearest_reviewed_theme(reviewed, fresh)
    answers = []
    for row in suggestions.itertuples(index=False):
        theme_id = int(row.theme_id) if row.theme_id is not None and not pd.isna(row.theme_id) else None
        answers.append(
            {
                "theme_set_id": theme_set.id,
                "response_public_id": row.response_id,
                "state": SUGGESTED if theme_id else MACHINE,
                "machine_theme_id": theme_id,
                "quote_approved": False,
                "flag": None,
            }
        )
    _insert_answers(theme_set, answers)
