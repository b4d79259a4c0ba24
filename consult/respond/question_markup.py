"""The questions of a section page as HTML, written out in Python.

The section page is the page every respondent opens and saves most. Its questions were
once two template macro calls per question, then a template loop over precomputed parts;
now each question's fixed markup (label, hint, radio inputs, ids) is escaped and
assembled once per questionnaire question (`question_markup`), and a request only puts in
what changes: which radio is checked, the text typed, and any error messages. The page
reads as the GOV.UK radios and textarea patterns in `macros.html` do.

A page shown with no errors (every GET) needs no WTForms form at all: the CSRF token is
the template's `csrf_token()`, and the answers come from the database.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from questions import Question


@dataclass(frozen=True)
class QuestionMarkup:
    """One question's markup around the parts a request fills in; every part already escaped."""

    id: str
    # Single choice: (value, input up to where " checked" goes, the rest of the item).
    radios: tuple[tuple[str, str, str], ...]
    legend: str  # single choice: <legend>…</legend> and the hint; free text: <label> and hint
    described_by_hint: bool  # single choice: whether the hint's id is in aria-describedby

    def html(self, value: str | None, errors: Sequence[str] = ()) -> str:
        """The question's form group with `value` shown and `errors` (GOV.UK error messages)."""
        qid = self.id
        group_class = "form-group form-group--error" if errors else "form-group"
        messages = "".join(
            f'<p class="error-message" id="{qid}-error"><span class="visually-hidden">Error:</span> '
            f"{escape(message)}</p>"
            for message in errors
        )
        if self.radios:
            described = " ".join(
                ([f"{qid}-hint"] if self.described_by_hint else []) + ([f"{qid}-error"] if errors else [])
            )
            items = "".join(
                f'\n      <div class="radios__item">\n        {before}{" checked" if value == option else ""}'
                f"{after}\n      </div>"
                for option, before, after in self.radios
            )
            described_by = f' aria-describedby="{described}"' if described else ""
            return (
                f'<div class="{group_class}" id="{qid}-group">\n'
                f'  <fieldset class="fieldset"{described_by}>\n'
                f"    {self.legend}\n"
                f"    {messages}\n"
                f'    <div class="radios">{items}\n    </div>\n'
                f"  </fieldset>\n</div>"
            )
        error_class = " textarea--error" if errors else ""
        error_id = f" {qid}-error" if errors else ""
        # The line break after <textarea> is dropped by HTML parsers; it keeps a typed
        # answer that starts with a line break intact.
        return (
            f'<div class="{group_class}" id="{qid}-group">\n'
            f"  {self.legend}\n"
            f"  {messages}\n"
            f'  <textarea class="textarea{error_class}" id="{qid}" name="{qid}" rows="6" '
            f'aria-describedby="{qid}-hint{error_id}">\n{escape(value or "")}</textarea>\n</div>'
        )


@functools.lru_cache(maxsize=512)
def question_markup(question: Question, free_text_limit: int) -> QuestionMarkup:
    """The fixed parts of `question`'s markup on the section page, escaped once."""
    qid = escape(question.id)
    hint = escape(question.note) if question.reconstructed else None
    label = escape(f"Question {question.number}. {question.text}")
    if not question.is_single_choice:
        limit = f"You can enter up to {free_text_limit:,} characters." if free_text_limit else ""
        textarea_hint = (f"{hint} " if hint else "") + limit
        return QuestionMarkup(
            id=str(qid),
            radios=(),
            legend=f'<label class="label label--m" for="{qid}">{label}</label>\n'
            f'  <div class="hint" id="{qid}-hint">{textarea_hint}</div>',
            described_by_hint=True,
        )
    radios = []
    for number, option in enumerate(question.options, start=1):
        element_id = qid if number == 1 else f"{qid}-{number}"
        value = escape(option)
        radios.append(
            (
                option,
                f'<input class="radios__input" type="radio" name="{qid}" value="{value}" id="{element_id}"',
                f'>\n        <label class="radios__label" for="{element_id}">{value}</label>',
            )
        )
    hint_html = f'\n    <div class="hint" id="{qid}-hint">{hint}</div>' if hint else ""
    return QuestionMarkup(
        id=str(qid),
        radios=tuple(radios),
        legend=f'<legend class="fieldset__legend fieldset__legend--m">{label}</legend>{hint_html}',
        described_by_hint=hint is not None,
    )


def questions_html(
    questions: Sequence[Question],
    free_text_limit: int,
    values: Mapping[str, str | None],
    errors: Mapping[str, Sequence[str]] | None = None,
) -> Markup:
    """The section form's questions: which were shown (hidden inputs), then each question.

    `values` holds the answer to show for each question (stored, or as posted when the
    page comes back with errors); `errors` the messages for each question that has any.
    """
    errors = errors or {}
    shown = "".join(f'\n  <input type="hidden" name="shown" value="{escape(q.id)}">' for q in questions)
    parts = [
        question_markup(q, free_text_limit).html(values.get(q.id), errors.get(q.id, ())) for q in questions
    ]
    return Markup(shown + "\n" + "\n".join(parts))
