"""The section page's questions, written out in Python, read as the shared template macros do.

`question_markup` writes each question's radios or text box without the template macros
(the page every respondent opens and saves most), and `read_section` checks a posted page
without WTForms. The oracle here is `macros.html`'s `radios` and `textarea`, rendered for
the same question's WTForms field (the officer's keyed-in form) with that field's errors:
the two must give the same elements, attributes and text (whitespace between tags aside; a
text box's content exactly) and the same messages, for every Taking Stock question, blank,
answered, and with errors.
"""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
from flask import Flask

from consult.respond.forms import build_section_form, read_section
from consult.respond.question_markup import question_markup, questions_html
from questions import Question, load_questionnaire

QUESTIONNAIRE = load_questionnaire("taking-stock")
HOSTILE = 'He said "<b>no</b>" & left\nTom\'s <script>alert(1)</script> ＝1+1'

MACROS = """{% from "macros.html" import radios, textarea %}
{%- if field.type == "RadioField" -%}{{ radios(field, label, hint) }}
{%- else -%}{{ textarea(field, label, hint, limit) }}{%- endif %}"""


class _Elements(HTMLParser):
    """Start tags with their attributes, end tags and text; a text box's content kept exactly."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[tuple[Any, ...]] = []
        self._in_textarea = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.events.append(("start", tag, sorted((k, " ".join((v or "").split())) for k, v in attrs)))
        self._in_textarea = tag == "textarea"

    def handle_endtag(self, tag: str) -> None:
        self.events.append(("end", tag))
        self._in_textarea = False

    def handle_data(self, data: str) -> None:
        text = data if self._in_textarea else " ".join(data.split())
        if text:
            self.events.append(("text", text))


def elements(html: str) -> list[tuple[Any, ...]]:
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser.events


@pytest.fixture
def page_app() -> Iterator[Flask]:
    """The app for rendering only: no request here reaches the database."""
    from consult import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "t" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    yield app


def _all_questions() -> list[Question]:
    return [q for section in QUESTIONNAIRE.sections for q in section.questions]


def _macro_html(app: Flask, form: Any, question: Question) -> str:
    limit = QUESTIONNAIRE.free_text_limit
    return app.jinja_env.from_string(MACROS).render(
        field=form[question.id],
        label=f"Question {question.number}. {question.text}",
        hint=question.note if question.reconstructed else None,
        limit=limit,
    )


def _answers(question: Question, case: str) -> dict[str, str]:
    if case == "blank":
        return {}
    if question.is_single_choice:
        options = {"first": question.options[0], "last": question.options[-1], "wrong": "Maybe"}
        return {question.id: options[case]}
    too_long = "x" * (QUESTIONNAIRE.free_text_limit + 1)
    return {question.id: {"first": HOSTILE, "last": "\nstarts on a new line", "wrong": too_long}[case]}


@pytest.mark.parametrize("case", ["blank", "first", "last", "wrong"])
def test_each_question_reads_as_the_template_macros_render_it(page_app: Flask, case: str) -> None:
    for question in _all_questions():
        posted = _answers(question, case)
        with page_app.test_request_context("/", method="POST", data=posted):
            from flask import request

            limit = QUESTIONNAIRE.free_text_limit
            posted = read_section((question,), request.form, limit)
            # The officer's keyed-in form: WTForms fields under the same rules, drawn by the macros.
            form = build_section_form(QUESTIONNAIRE, (question,), formdata=request.form)
            form.validate()
            assert posted.errors.get(question.id, []) == form[question.id].errors, question.id
            assert bool(posted.errors.get(question.id)) == (case == "wrong"), question.id
            ours = posted.questions_html(limit)
            theirs = _macro_html(page_app, form, question)
        hidden = [("start", "input", [("name", "shown"), ("type", "hidden"), ("value", question.id)])]
        assert elements(ours) == hidden + elements(theirs), question.id


def test_a_stored_answer_is_shown_checked_or_typed_and_escaped(page_app: Flask) -> None:
    section = QUESTIONNAIRE.section("principles")
    choice = next(q for q in section.questions if q.is_single_choice)
    text = next(q for q in section.questions if not q.is_single_choice)
    stored = {choice.id: choice.options[-1], text.id: HOSTILE}
    html = str(questions_html(section.questions, QUESTIONNAIRE.free_text_limit, stored))
    assert "<script>" not in html and "<b>" not in html
    assert html.count(" checked") == 1
    checked = [e for e in elements(html) if e[0] == "start" and ("checked", "") in e[2]]
    assert [dict(e[2])["value"] for e in checked] == [choice.options[-1]]
    assert ("text", "\n" + HOSTILE) in elements(html)  # the text box holds the answer exactly
    inputs = [e[2] for e in elements(html) if e[:2] == ("start", "input")]
    shown = [dict(attrs)["value"] for attrs in inputs if ("name", "shown") in attrs]
    assert shown == [q.id for q in section.questions]


def test_an_option_is_checked_only_by_its_exact_value(page_app: Flask) -> None:
    question = next(q for q in _all_questions() if q.is_single_choice)
    markup = question_markup(question, QUESTIONNAIRE.free_text_limit)
    assert " checked" not in markup.html(question.options[0].upper())
    assert " checked" not in markup.html(question.options[0] + " ")
    assert " checked" not in markup.html(None)
    assert markup.html(question.options[0]).count(" checked") == 1


def test_error_messages_are_escaped_and_described(page_app: Flask) -> None:
    question = next(q for q in _all_questions() if not q.is_single_choice)
    html = question_markup(question, QUESTIONNAIRE.free_text_limit).html("x", ["Enter <less> & more"])
    assert "Enter &lt;less&gt; &amp; more" in html
    assert f'aria-describedby="{question.id}-hint {question.id}-error"' in html
    assert "form-group--error" in html and "textarea--error" in html
