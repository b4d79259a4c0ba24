"""Changing a theme set: the analysts' review. Every change is checked against the version
the analyst saw, bumps it, and goes in the audit log (who, when, what, before -> after).

The version check is one conditional UPDATE (`version = version + 1 WHERE version = seen`),
so of two analysts saving from the same version exactly one wins, on SQLite and PostgreSQL
alike; the other gets `StaleVersion` and their form back, and neither edit is lost.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, insert, select, update

from consult.data import audit
from consult.data.theme_sets import ANALYST, REVIEWED, SUGGESTED
from consult.extensions import db
from consult.models import Theme, ThemeAnswer, ThemeAnswerTheme, ThemeSet

FLAGS = {"identifying": "identifies someone", "abusive": "abusive"}
AUDIT_ACTION = "theme review"


class StaleVersion(Exception):
    """The theme set changed since the form was shown: someone else saved first."""

    def __init__(self, current: int) -> None:
        super().__init__(f"the themes are now at version {current}")
        self.current = current


class ReviewError(ValueError):
    """A change that cannot be made as asked; the message says why, for the page."""


def claim_version(theme_set: ThemeSet, seen: int) -> None:
    """Take the next version if the set is still at `seen`, else raise StaleVersion."""
    result = db.session.execute(
        update(ThemeSet)
        .where(ThemeSet.id == theme_set.id, ThemeSet.version == seen)
        .values(version=ThemeSet.version + 1)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        db.session.refresh(theme_set)
        raise StaleVersion(theme_set.version)
    db.session.refresh(theme_set)


def _say(theme_set: ThemeSet, who: str | None, what: str) -> None:
    audit.record(AUDIT_ACTION, who, f"{theme_set.question_id} themes (version {theme_set.version}): {what}")


def _quoted(text: str | None) -> str:
    return f"'{text}'" if text else "none"


def rename_theme(
    theme_set: ThemeSet, theme: Theme, name: str, description: str | None, seen: int, who: str | None
) -> None:
    """Give `theme` a new name and one-sentence description."""
    name, description = name.strip(), (description or "").strip() or None
    if (name, description) == (theme.name, theme.description):
        raise ReviewError("Nothing has changed: change the name or the description")
    claim_version(theme_set, seen)
    changes = []
    if name != theme.name:
        changes.append(f"renamed theme {_quoted(theme.name)} -> {_quoted(name)}")
    if description != theme.description:
        changes.append(
            f"description of {_quoted(name)}: {_quoted(theme.description)} -> {_quoted(description)}"
        )
    theme.name, theme.description = name, description
    _say(theme_set, who, "; ".join(changes))
    db.session.flush()


def create_theme(
    theme_set: ThemeSet, name: str, description: str | None, seen: int, who: str | None
) -> Theme:
    """A new, empty theme made by an analyst, last in the list."""
    claim_version(theme_set, seen)
    last = db.session.scalar(select(func.max(Theme.position)).where(Theme.theme_set_id == theme_set.id)) or 0
    theme = Theme(
        theme_set_id=theme_set.id,
        name=name.strip(),
        description=(description or "").strip() or None,
        key_terms=[],
        position=last + 1,
        origin=ANALYST,
    )
    db.session.add(theme)
    _say(theme_set, who, f"created theme {_quoted(theme.name)}")
    db.session.flush()
    return theme


def _count(theme_id: int) -> int:
    return int(db.session.scalar(select(func.count()).where(ThemeAnswerTheme.theme_id == theme_id)) or 0)


def merge_themes(
    theme_set: ThemeSet, sources: Sequence[Theme], into: Theme, seen: int, who: str | None
) -> None:
    """Put every answer of `sources` into `into` and remove `sources`; key terms are combined."""
    sources = [t for t in sources if t.id != into.id]
    if not sources:
        raise ReviewError("Choose at least one theme other than the one you are merging into")
    claim_version(theme_set, seen)
    before = ", ".join(f"{_quoted(t.name)} ({_count(t.id)})" for t in [*sources, into])
    source_ids = [t.id for t in sources]
    already = select(ThemeAnswerTheme.theme_answer_id).where(ThemeAnswerTheme.theme_id == into.id)
    moving = db.session.scalars(
        select(ThemeAnswerTheme.theme_answer_id)
        .where(ThemeAnswerTheme.theme_id.in_(source_ids), ThemeAnswerTheme.theme_answer_id.not_in(already))
        .distinct()
    ).all()
    if moving:
        db.session.execute(
            insert(ThemeAnswerTheme), [{"theme_answer_id": a, "theme_id": into.id} for a in moving]
        )
    terms = list(into.key_terms or [])
    for theme in sources:
        terms += [t for t in theme.key_terms or [] if t not in terms]
    into.key_terms = terms[:12]
    db.session.execute(delete(Theme).where(Theme.id.in_(source_ids)))
    db.session.flush()
    _say(theme_set, who, f"merged {before} -> {_quoted(into.name)} ({_count(into.id)})")
    db.session.flush()


def _names(theme_ids: Sequence[int]) -> str:
    if not theme_ids:
        return "no theme"
    names = db.session.scalars(select(Theme.name).where(Theme.id.in_(theme_ids)).order_by(Theme.position))
    return ", ".join(_quoted(n) for n in names)


def _set_links(answer: ThemeAnswer, theme_ids: Sequence[int]) -> None:
    db.session.execute(delete(ThemeAnswerTheme).where(ThemeAnswerTheme.theme_answer_id == answer.id))
    if theme_ids:
        db.session.execute(
            insert(ThemeAnswerTheme),
            [{"theme_answer_id": answer.id, "theme_id": t} for t in sorted(set(theme_ids))],
        )


def linked_theme_ids(answer: ThemeAnswer) -> list[int]:
    return sorted(
        db.session.scalars(
            select(ThemeAnswerTheme.theme_id).where(ThemeAnswerTheme.theme_answer_id == answer.id)
        )
    )


def review_answer(
    theme_set: ThemeSet,
    answer: ThemeAnswer,
    theme_ids: Sequence[int],
    quote_approved: bool,
    flag: str | None,
    seen: int,
    who: str | None,
) -> None:
    """Put an answer in exactly `theme_ids` (none, one or several), approve it as a quote or
    not, flag it or not; it is reviewed from then on. A flagged answer is never a quote."""
    if flag is not None and flag not in FLAGS:
        raise ReviewError("Choose whether the answer is flagged")
    if flag is not None and quote_approved:
        raise ReviewError("A flagged answer cannot be approved as a quote: remove the flag or the approval")
    known = set(db.session.scalars(select(Theme.id).where(Theme.theme_set_id == theme_set.id)))
    if not set(theme_ids) <= known:
        raise ReviewError("One of the themes chosen no longer exists: choose again")
    before_ids = linked_theme_ids(answer)
    changes = []
    if sorted(set(theme_ids)) != before_ids:
        changes.append(f"themes {_names(before_ids)} -> {_names(theme_ids)}")
    if quote_approved != answer.quote_approved:
        changes.append(f"quote {'approved' if quote_approved else 'not approved'}")
    if flag != answer.flag:
        changes.append(f"flag {answer.flag or 'none'} -> {flag or 'none'}")
    if answer.state != REVIEWED:
        changes.append(f"{answer.state} -> reviewed")
    if not changes:
        raise ReviewError("Nothing has changed: change the themes, the quote approval or the flag")
    claim_version(theme_set, seen)
    _set_links(answer, theme_ids)
    answer.quote_approved, answer.flag, answer.state = quote_approved, flag, REVIEWED
    _say(theme_set, who, f"answer {answer.response_public_id}: " + "; ".join(changes))
    db.session.flush()


def move_answers(
    theme_set: ThemeSet,
    answers: Sequence[ThemeAnswer],
    from_theme: Theme,
    to_theme: Theme | None,
    keep: bool,
    seen: int,
    who: str | None,
) -> None:
    """Move `answers` out of `from_theme` into `to_theme` (None: into no theme), or add them
    to `to_theme` as well when `keep`. The answers are reviewed from then on."""
    if not answers:
        raise ReviewError("Select at least one answer")
    if to_theme is not None and to_theme.id == from_theme.id:
        raise ReviewError("Choose a theme other than this one")
    if keep and to_theme is None:
        raise ReviewError("Choose the theme to add the answers to")
    claim_version(theme_set, seen)
    for answer in answers:
        ids = set(linked_theme_ids(answer))
        if not keep:
            ids.discard(from_theme.id)
        if to_theme is not None:
            ids.add(to_theme.id)
        _set_links(answer, sorted(ids))
        answer.state = REVIEWED
    listed = ", ".join(a.response_public_id for a in answers)
    where = _quoted(to_theme.name) if to_theme is not None else "no theme"
    what = (
        f"added {len(answers)} answer(s) in {_quoted(from_theme.name)} to {where}"
        if keep
        else (f"moved {len(answers)} answer(s) from {_quoted(from_theme.name)} to {where}")
    )
    _say(theme_set, who, f"{what} ({listed})")
    db.session.flush()


def accept_suggestions(
    theme_set: ThemeSet, public_ids: Sequence[str] | None, seen: int, who: str | None
) -> int:
    """Accept the suggested theme of the answers named (None: of every suggested answer)."""
    query = select(ThemeAnswer).where(
        ThemeAnswer.theme_set_id == theme_set.id, ThemeAnswer.state == SUGGESTED
    )
    if public_ids is not None:
        query = query.where(ThemeAnswer.response_public_id.in_(list(public_ids)))
    answers = list(db.session.scalars(query))
    if not answers:
        raise ReviewError("There are no suggestions to accept")
    claim_version(theme_set, seen)
    db.session.execute(
        update(ThemeAnswer)
        .where(ThemeAnswer.id.in_([a.id for a in answers]))
        .values(state=REVIEWED)
        .execution_options(synchronize_session="fetch")
    )
    listed = ", ".join(a.response_public_id for a in answers[:20]) + (" …" if len(answers) > 20 else "")
    _say(
        theme_set,
        who,
        f"accepted the suggested theme of {len(answers)} answer(s): suggested -> reviewed ({listed})",
    )
    db.session.flush()
    return len(answers)


def set_status(theme_set: ThemeSet, status: str, seen: int, who: str | None) -> None:
    """Mark the review finished ("reviewed") or open again ("draft")."""
    if status not in ("draft", "reviewed") or status == theme_set.status:
        raise ReviewError("The review is already marked that way")
    claim_version(theme_set, seen)
    before = theme_set.status
    theme_set.status = status
    _say(theme_set, who, f"review status {before} -> {status}")
    db.session.flush()
