"""Changing a theme set: the analysts' review. Every change goes in the audit log (who, when,
what, before -> after) and is checked against what the analyst saw, thing by thing.

Each theme and each answer has its own version. A form carries the versions of the things
it changes (the theme renamed, the themes merged, the answers moved or reviewed), and
saving takes each with one conditional UPDATE (`version = version + 1 WHERE version =
seen`), so of two analysts changing the same thing exactly one wins, on SQLite and
PostgreSQL alike; the other gets `StaleChange` naming the change that beat them (from the
audit entry it left on the thing) and their form back. Changes to different themes or
answers never refuse each other. The set's own `version` still counts every change (1 means
untouched: a re-run may replace it). A change to a review marked finished opens it again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select, update

from consult.data import audit
from consult.data.theme_sets import ANALYST, REVIEWED, SUGGESTED
from consult.extensions import db
from consult.models import AuditEvent, Theme, ThemeAnswer, ThemeAnswerTheme, ThemeSet

FLAGS = {"identifying": "identifies someone", "abusive": "abusive"}
AUDIT_ACTION = "theme review"
FINISHED, OPEN = "reviewed", "draft"


@dataclass(frozen=True)
class Change:
    """A saved change as the audit log has it: who, when (UTC) and what."""

    who: str | None
    at: object
    what: str


class StaleChange(Exception):
    """What the analyst is saving was changed by someone else since their page was shown.

    `subject` names it ("this theme", "answer 9f1c…"); `change` is the change that came
    first (None if its audit entry is gone).
    """

    def __init__(self, subject: str, change: Change | None) -> None:
        super().__init__(f"{subject} was changed since the page was shown")
        self.subject = subject
        self.change = change


class ReviewError(ValueError):
    """A change that cannot be made as asked; the message says why, for the page."""


def _prefix(theme_set: ThemeSet) -> str:
    return f"{theme_set.question_id} themes (version {theme_set.version}): "


def change_of(event_id: int | None) -> Change | None:
    """The change an audit entry of the review records, or None."""
    event = db.session.get(AuditEvent, event_id) if event_id is not None else None
    if event is None:
        return None
    # The detail starts with the set's prefix ("q3 themes (version 4): "); the rest is the change.
    what = event.detail.split("): ", 1)[1] if "): " in event.detail else event.detail
    return Change(event.officer_email, event.at, what)


class _Edit:
    """One change being saved: its audit entry, and the things it takes (conditionally)."""

    def __init__(self, theme_set: ThemeSet, who: str | None) -> None:
        db.session.execute(
            update(ThemeSet)
            .where(ThemeSet.id == theme_set.id)
            .values(version=ThemeSet.version + 1)
            .execution_options(synchronize_session=False)
        )
        db.session.refresh(theme_set)
        self.theme_set = theme_set
        self.event = audit.record(AUDIT_ACTION, who, _prefix(theme_set))
        self.reopened = False

    def take_theme(self, theme: Theme, seen: int | None, subject: str = "this theme") -> None:
        """Bump `theme`'s version if it is still `seen` (None: whatever it is), else StaleChange."""
        self._take(Theme, theme.id, seen, subject)
        db.session.refresh(theme)

    def take_answers(self, seen: dict[int, int | None], subject: str = "") -> None:
        """Bump each answer (id -> version seen, None: whatever it is) or raise StaleChange."""
        for answer_id, version in sorted(seen.items()):
            self._take(ThemeAnswer, answer_id, version, subject)

    def _take(
        self, model: type[Theme] | type[ThemeAnswer], row_id: int, seen: int | None, subject: str
    ) -> None:
        condition = [model.id == row_id] + ([model.version == seen] if seen is not None else [])
        result = db.session.execute(
            update(model)
            .where(*condition)
            .values(version=model.version + 1, last_change_id=self.event.id)
            .execution_options(synchronize_session=False)
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            found = db.session.execute(
                select(model.last_change_id, model.version).where(model.id == row_id)
            ).first()
            if model is ThemeAnswer and not subject:
                public_id = db.session.scalar(
                    select(ThemeAnswer.response_public_id).where(ThemeAnswer.id == row_id)
                )
                subject = f"answer {public_id}"
            raise StaleChange(subject or "this theme", change_of(found[0]) if found else None)

    def done(self, what: str) -> None:
        """Record what was changed; a review marked finished is open again from now."""
        if self.theme_set.status == FINISHED:
            self.theme_set.status = OPEN
            self.reopened = True
            what += "; the review, marked finished, is open again"
        self.event.detail = _prefix(self.theme_set) + what
        db.session.flush()


def _quoted(text: str | None) -> str:
    return f"'{text}'" if text else "none"


def rename_theme(
    theme_set: ThemeSet, theme: Theme, name: str, description: str | None, seen: int, who: str | None
) -> bool:
    """Give `theme` a new name and one-sentence description, if it is still at version `seen`.

    Returns whether a review marked finished was opened again by the change."""
    name, description = name.strip(), (description or "").strip() or None
    if (name, description) == (theme.name, theme.description):
        raise ReviewError("Nothing has changed: change the name or the description")
    edit = _Edit(theme_set, who)
    edit.take_theme(theme, seen)
    changes = []
    if name != theme.name:
        changes.append(f"renamed theme {_quoted(theme.name)} -> {_quoted(name)}")
    if description != theme.description:
        changes.append(
            f"description of {_quoted(name)}: {_quoted(theme.description)} -> {_quoted(description)}"
        )
    theme.name, theme.description = name, description
    edit.done("; ".join(changes))
    return edit.reopened


def create_theme(
    theme_set: ThemeSet, name: str, description: str | None, who: str | None
) -> tuple[Theme, bool]:
    """A new, empty theme made by an analyst, last in the list (nothing to conflict with).

    Returns the theme and whether a review marked finished was opened again."""
    edit = _Edit(theme_set, who)
    last = db.session.scalar(select(func.max(Theme.position)).where(Theme.theme_set_id == theme_set.id)) or 0
    theme = Theme(
        theme_set_id=theme_set.id,
        name=name.strip(),
        description=(description or "").strip() or None,
        key_terms=[],
        position=last + 1,
        origin=ANALYST,
        version=1,
        last_change_id=edit.event.id,
    )
    db.session.add(theme)
    edit.done(f"created theme {_quoted(theme.name)}")
    return theme, edit.reopened


def _count(theme_id: int) -> int:
    return int(db.session.scalar(select(func.count()).where(ThemeAnswerTheme.theme_id == theme_id)) or 0)


def merge_themes(
    theme_set: ThemeSet, sources: Sequence[Theme], into: Theme, seen: dict[int, int], who: str | None
) -> bool:
    """Put every answer of `sources` into `into` and remove `sources`; key terms are combined.

    `seen`: theme id -> the version the page showed; a merge of a theme changed since is
    refused. The answers that change theme are changed too (their versions move on).
    Returns whether a review marked finished was opened again.
    """
    sources = [t for t in sources if t.id != into.id]
    if not sources:
        raise ReviewError("Choose at least one theme other than the one you are merging into")
    edit = _Edit(theme_set, who)
    for theme in [*sources, into]:
        if theme.id not in seen:
            raise ReviewError("The list of themes has changed: choose again")
        edit.take_theme(theme, seen[theme.id], subject=f"theme {_quoted(theme.name)}")
    before = ", ".join(f"{_quoted(t.name)} ({_count(t.id)})" for t in [*sources, into])
    source_ids = [t.id for t in sources]
    affected = db.session.scalars(
        select(ThemeAnswerTheme.theme_answer_id).where(ThemeAnswerTheme.theme_id.in_(source_ids)).distinct()
    ).all()
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
    edit.take_answers(dict.fromkeys(affected))
    terms = list(into.key_terms or [])
    for theme in sources:
        terms += [t for t in theme.key_terms or [] if t not in terms]
    into.key_terms = terms[:12]
    db.session.execute(delete(Theme).where(Theme.id.in_(source_ids)))
    db.session.flush()
    edit.done(f"merged {before} -> {_quoted(into.name)} ({_count(into.id)})")
    return edit.reopened


def _names(theme_ids: Iterable[int]) -> str:
    theme_ids = list(theme_ids)
    if not theme_ids:
        return "no theme"
    names = db.session.scalars(select(Theme.name).where(Theme.id.in_(theme_ids)).order_by(Theme.position))
    return ", ".join(_quoted(n) for n in names)


def _set_links(answer: ThemeAnswer, theme_ids: Iterable[int]) -> None:
    db.session.execute(delete(ThemeAnswerTheme).where(ThemeAnswerTheme.theme_answer_id == answer.id))
    wanted = sorted(set(theme_ids))
    if wanted:
        db.session.execute(
            insert(ThemeAnswerTheme), [{"theme_answer_id": answer.id, "theme_id": t} for t in wanted]
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
) -> bool:
    """Put an answer in exactly `theme_ids` (none, one or several), approve it as a quote or
    not, flag it or not; it is reviewed from then on. A flagged answer is never a quote.

    Refused (StaleChange) if the answer changed since version `seen`. Returns whether a
    review marked finished was opened again."""
    if flag is not None and flag not in FLAGS:
        raise ReviewError("Choose whether the answer is flagged")
    if flag is not None and quote_approved:
        raise ReviewError("A flagged answer cannot be approved as a quote: remove the flag or the approval")
    known = set(db.session.scalars(select(Theme.id).where(Theme.theme_set_id == theme_set.id)))
    if not set(theme_ids) <= known:
        raise ReviewError("One of the themes chosen no longer exists: choose again")
    edit = _Edit(theme_set, who)
    edit.take_answers({answer.id: seen})
    db.session.refresh(answer)
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
    _set_links(answer, theme_ids)
    answer.quote_approved, answer.flag, answer.state = quote_approved, flag, REVIEWED
    edit.done(f"answer {answer.response_public_id}: " + "; ".join(changes))
    return edit.reopened


def move_answers(
    theme_set: ThemeSet,
    answers: Sequence[ThemeAnswer],
    from_theme: Theme,
    to_theme: Theme | None,
    keep: bool,
    seen: dict[int, int],
    who: str | None,
) -> bool:
    """Move `answers` out of `from_theme` into `to_theme` (None: into no theme), or add them
    to `to_theme` as well when `keep`. The answers are reviewed from then on.

    `seen`: answer id -> the version the page showed; refused (StaleChange) if any of the
    answers changed since. Returns whether a review marked finished was opened again."""
    if not answers:
        raise ReviewError("Select at least one answer")
    if to_theme is not None and to_theme.id == from_theme.id:
        raise ReviewError("Choose a theme other than this one")
    if keep and to_theme is None:
        raise ReviewError("Choose the theme to add the answers to")
    if any(a.id not in seen for a in answers):
        raise ReviewError("The answers on the page have changed: select them again")
    edit = _Edit(theme_set, who)
    edit.take_answers({a.id: seen[a.id] for a in answers})
    for answer in answers:
        ids = set(linked_theme_ids(answer))
        if not keep:
            ids.discard(from_theme.id)
        if to_theme is not None:
            ids.add(to_theme.id)
        _set_links(answer, ids)
        answer.state = REVIEWED
    listed = ", ".join(a.response_public_id for a in answers)
    where = _quoted(to_theme.name) if to_theme is not None else "no theme"
    what = (
        f"added {len(answers)} answer(s) in {_quoted(from_theme.name)} to {where}"
        if keep
        else (f"moved {len(answers)} answer(s) from {_quoted(from_theme.name)} to {where}")
    )
    edit.done(f"{what} ({listed})")
    return edit.reopened


def accept_suggestions(
    theme_set: ThemeSet, public_id: str | None, seen: int | None, who: str | None
) -> tuple[int, bool]:
    """Accept the suggested theme of one answer (at version `seen`), or of every answer still
    suggested (None). An answer someone else changed meanwhile is no longer suggested, so
    accepting them all never undoes their change.

    Returns how many were accepted and whether a review marked finished was opened again."""
    query = select(ThemeAnswer).where(
        ThemeAnswer.theme_set_id == theme_set.id, ThemeAnswer.state == SUGGESTED
    )
    if public_id is not None:
        query = query.where(ThemeAnswer.response_public_id == public_id)
    answers = list(db.session.scalars(query))
    if not answers:
        if public_id is not None:
            found = db.session.scalar(
                select(ThemeAnswer).where(
                    ThemeAnswer.theme_set_id == theme_set.id, ThemeAnswer.response_public_id == public_id
                )
            )
            if found is not None and seen is not None and found.version != seen:
                raise StaleChange(f"answer {public_id}", change_of(found.last_change_id))
        raise ReviewError("There are no suggestions to accept")
    edit = _Edit(theme_set, who)
    edit.take_answers({a.id: seen if public_id is not None else a.version for a in answers})
    db.session.execute(
        update(ThemeAnswer)
        .where(ThemeAnswer.id.in_([a.id for a in answers]))
        .values(state=REVIEWED)
        .execution_options(synchronize_session="fetch")
    )
    listed = ", ".join(a.response_public_id for a in answers[:20]) + (" …" if len(answers) > 20 else "")
    edit.done(f"accepted the suggested theme of {len(answers)} answer(s): suggested -> reviewed ({listed})")
    return len(answers), edit.reopened


def set_status(theme_set: ThemeSet, status: str, who: str | None) -> None:
    """Mark the review finished ("reviewed") or open again ("draft")."""
    if status not in (OPEN, FINISHED) or status == theme_set.status:
        raise ReviewError(
            "The review is already marked finished"
            if status == FINISHED
            else "The review is already open"
            if status == OPEN
            else "Choose whether the review is finished"
        )
    before = theme_set.status
    edit = _Edit(theme_set, who)
    theme_set.status = status
    edit.event.detail = _prefix(theme_set) + f"review status {before} -> {status}"
    db.session.flush()
