"""Whether a new version of a questionnaire keeps the meaning of answers given to the old one.

Once anyone has answered, the questions, their options and conditions are fixed: a stored
answer is the canonical option text of a question id, and a changed question or option
would make it mean something its respondent did not say. What may still change is the
text around the questions (titles, summaries, hints, notes, the about and
confidentiality texts) and every translation, so a translator can confirm the Welsh
while the consultation runs.
"""

from __future__ import annotations

from questions.model import Profile, Questionnaire

__all__ = ["breaking_changes"]

_PROFILE_LISTS = {"roles": "role", "organisation_types": "organisation type", "regions": "region"}


def breaking_changes(current: Questionnaire, new: Questionnaire) -> list[str]:
    """What `new` changes that answers given to `current` depend on, one sentence each (empty: nothing)."""
    changes = []
    if (old_ids := current.question_ids) != (new_ids := new.question_ids):
        added = [q for q in new_ids if q not in old_ids]
        removed = [q for q in old_ids if q not in new_ids]
        if added:
            changes.append(f"it adds {', '.join(added)}")
        if removed:
            changes.append(f"it removes {', '.join(removed)}")
    if [s.id for s in current.sections] != [s.id for s in new.sections]:
        changes.append("its sections are not the same, in the same order")
    for old in current.questions:
        if old.id not in new_ids:
            continue
        changed = new.question(old.id)
        what = [
            name
            for name, differs in (
                ("kind", changed.kind is not old.kind),
                ("English text", changed.text != old.text),
                ("options", changed.options != old.options),
                ("condition", changed.shown_if != old.shown_if),
                ("section", changed.section_id != old.section_id),
            )
            if differs
        ]
        if what:
            changes.append(f"{old.id}'s {_and(what)} {'changes' if len(what) == 1 else 'change'}")
    changes.extend(_dropped_categories(current.profile, new.profile))
    if new.free_text_limit < current.free_text_limit:
        changes.append(
            f"the free-text limit falls from {current.free_text_limit} to {new.free_text_limit} characters"
        )
    return changes


def _dropped_categories(current: Profile, new: Profile) -> list[str]:
    dropped = []
    for name, label in _PROFILE_LISTS.items():
        kept = set(getattr(new, name))
        if gone := [value for value in getattr(current, name) if value not in kept]:
            dropped.append(f"the {label} list drops {_and([repr(v) for v in gone])}")
    return dropped


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
