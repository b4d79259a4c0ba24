"""What the consultation team still has to do before the Board paper goes to the Board.

The paper itself never speaks to staff: a part not written is left out, and a question
whose answers have not been analysed says so in the Board's words. What is missing is
said here instead, to the team: on the command line's standard error and on the web app's
Board report page, which both call `checklist`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from analysis.board_report.question_themes import (
    MACHINE_DRAFT,
    NOT_RUN,
    REVIEWED,
    STORED_DRAFT,
    QuestionThemes,
)
from analysis.board_report.response_summary import long_date
from analysis.board_report.words import FURNITURE_FIELDS, TEXT_FIELDS, BoardWords

__all__ = ["ThemeProgress", "checklist", "theme_progress"]


@dataclass(frozen=True)
class ThemeProgress:
    """How far one free-text question's themes have got.

    `kind` is one of `analysis.board_report.question_themes`' kinds ("reviewed",
    "stored_draft", "machine_draft", "not_run", "too_few"); `answered` is its number of
    answers; `checked` of `total` answers in a stored theme set an analyst has reviewed.
    """

    number: int
    kind: str
    answered: int
    checked: int = 0
    total: int = 0


def theme_progress(themes: Mapping[str, QuestionThemes], numbers: Mapping[str, int]) -> list[ThemeProgress]:
    """`ThemeProgress` of each question's themes as a report found them (`numbers`: question id → number)."""
    return [
        ThemeProgress(numbers[qid], t.kind, t.answered, t.reviewed_answers, t.base)
        for qid, t in themes.items()
    ]


def _and(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _words(words: BoardWords) -> list[str]:
    items = []
    furniture = {
        "board": bool(words.board),
        "meeting_date": words.meeting_date is not None,
        "item": bool(words.item),
        "report_for": bool(words.report_for),
    }
    if missing := [FURNITURE_FIELDS[name].lower() for name, given in furniture.items() if not given]:
        them = "them" if len(missing) > 1 else "it"
        items.append(f"Not given yet: {_and(missing)} (the paper's heading leaves {them} out).")
    written = {
        "purpose": bool(words.purpose or words.report_for),
        "summary": bool(words.summary),
        "recommendations": bool(words.recommendations),
        "action": bool(words.action),
        "contact": words.has_contact,
        "background": bool(words.background),
        "financial_implications": bool(words.financial_implications),
    }
    names = {**TEXT_FIELDS, "recommendations": "Recommendations", "contact": "Contact officer"}
    if missing := [names[part].lower() for part, done in written.items() if not done]:
        parts = "these parts" if len(missing) > 1 else "this part"
        items.append(f"Not written yet: {_and(missing)} (the paper leaves {parts} out).")
    return items


def _questions(numbers: Sequence[int]) -> str:
    return ("Question " if len(numbers) == 1 else "Questions ") + _and([str(n) for n in numbers])


def _themes(themes: Sequence[ThemeProgress]) -> list[str]:
    ordered = sorted(themes, key=lambda p: p.number)
    items = []
    if not_run := [p.number for p in ordered if p.kind == NOT_RUN]:
        items.append(
            f"{_questions(not_run)}: themes not run yet (the paper says the answers have not yet been "
            "analysed)."
        )
    if drafts := [p.number for p in ordered if p.kind == MACHINE_DRAFT]:
        items.append(
            f"{_questions(drafts)}: themes found by the software for this paper only; no analyst has checked "
            "them or approved a quote (the paper says so)."
        )
    for p in ordered:
        if p.kind in (REVIEWED, STORED_DRAFT) and p.checked < p.total:
            items.append(
                f"Question {p.number}: analysts have checked the themes of {p.checked:,} of its {p.total:,} "
                "answers (the paper says the rest is a machine draft)."
            )
        elif p.kind == STORED_DRAFT:
            items.append(
                f"Question {p.number}: every answer's themes are checked, but the review is not marked "
                "finished."
            )
    return items


def checklist(
    words: BoardWords, themes: Sequence[ThemeProgress], *, open_until: dt.date | None = None
) -> list[str]:
    """What is still missing, one line each, for the consultation team (empty: nothing).

    `open_until`: the closing date when the paper is made before it (the paper is interim).
    """
    items = _words(words)
    items += _themes(themes)
    if open_until is not None:
        items.append(
            f"The consultation is open until {long_date(open_until)}: the paper is marked as interim."
        )
    return items
