"""Forms for the respondent's journey, built from the questionnaire definition."""

from __future__ import annotations

import functools
import re
from typing import Any

from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import Field, Form, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, Optional, StopValidation, ValidationError

from consult.csrf_token import ReusedSignatureCSRF
from consult.respond.question_markup import questions_html
from questions import Question, QuestionKind, Questionnaire

# Characters a person cannot type and a database may refuse (PostgreSQL rejects NUL).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def normalise_line_breaks(value: str | None) -> str | None:
    # Browsers send every line break as CR LF; store the line break that was typed.
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


class NoControlCharacters:
    def __init__(self, label: str) -> None:
        self.message = f"Remove the hidden control characters from {label}"

    def __call__(self, form: Form, field: Field) -> None:
        if field.data and _CONTROL.search(field.data):
            raise ValidationError(self.message)


class WithinLimit:
    """Length check whose message says how long the answer is now."""

    def __init__(self, limit: int, label: str) -> None:
        self.limit, self.label = limit, label

    def __call__(self, form: Form, field: Field) -> None:
        if field.data and len(field.data) > self.limit:
            raise StopValidation(
                f"{self.label[0].upper()}{self.label[1:]} must be {self.limit:,} characters or fewer "
                f"(it is {len(field.data):,})"
            )


def question_field(question: Question, free_text_limit: int) -> Field:
    """The form field for one question; GOV.UK-style messages name the question."""
    label = f"your answer to question {question.number}"
    match question.kind:
        case QuestionKind.SINGLE_CHOICE:
            return RadioField(
                question.text,
                choices=[SelectChoice(option) for option in question.options],
                validate_choice=False,
                validators=[
                    Optional(),
                    AnyOf(
                        question.options,
                        message=f"Select one of the answers listed for question {question.number}",
                    ),
                ],
            )
        case QuestionKind.FREE_TEXT:
            return TextAreaField(
                question.text,
                filters=[normalise_line_breaks],
                validators=[Optional(), WithinLimit(free_text_limit, label), NoControlCharacters(label)],
            )
    raise AssertionError(f"no field for question kind {question.kind}")  # pragma: no cover


class RespondentForm(FlaskForm):
    """A form of the respondent's journey: its CSRF token signed once per session (`csrf_token`)."""

    class Meta:
        csrf_class = ReusedSignatureCSRF


class SectionForm(RespondentForm):
    """Base of the per-section forms; `build_section_form` adds one field per question."""

    questions: tuple[Question, ...] = ()

    def answers(self) -> dict[str, str]:
        return {q.id: (self[q.id].data or "") for q in self.questions}

    def questions_html(self, free_text_limit: int) -> Markup:
        """The questions as posted, with their error messages (`question_markup.questions_html`)."""
        return questions_html(
            self.questions,
            free_text_limit,
            {q.id: self[q.id].data for q in self.questions},
            {q.id: self[q.id].errors for q in self.questions if self[q.id].errors},
        )


@functools.lru_cache(maxsize=256)
def _section_form_class(questions: tuple[Question, ...], free_text_limit: int) -> type[SectionForm]:
    # Form classes are immutable once made (fields are bound per instance), so one per
    # combination of shown questions serves every request.
    fields = {q.id: question_field(q, free_text_limit) for q in questions}
    return type("SectionForm", (SectionForm,), {**fields, "questions": questions})


def build_section_form(
    questionnaire: Questionnaire, questions: tuple[Question, ...], formdata: Any = None, data: Any = None
) -> SectionForm:
    form_class = _section_form_class(tuple(questions), questionnaire.free_text_limit)
    return form_class(formdata=formdata, data=data)


class AboutYouForm(RespondentForm):
    role = RadioField(
        "Which best describes your role?",
        validate_choice=False,
        validators=[InputRequired("Select your role")],
    )
    organisation_type = RadioField(
        "What type of organisation do you work for or represent?",
        validate_choice=False,
        validators=[InputRequired("Select the type of organisation you work for or represent")],
    )
    region = RadioField(
        "Which region is your organisation in?",
        validate_choice=False,
        validators=[InputRequired("Select the region your organisation is in")],
    )
    consent_to_be_named = RadioField(
        "May we name your organisation when we publish the results?",
        choices=[
            SelectChoice("yes", "Yes, you may name my organisation"),
            SelectChoice("no", "No, do not name my organisation"),
        ],
        validate_choice=False,
        validators=[
            InputRequired("Select yes if we may name your organisation"),
            AnyOf(["yes", "no"], message="Select yes if we may name your organisation"),
        ],
    )
    organisation_name = StringField(
        "Name of your organisation",
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        # No Optional(): it would stop the check that a name is given with consent.
        validators=[Length(max=300, message="Organisation name must be 300 characters or fewer")],
    )

    def restrict(self, questionnaire: Questionnaire, asked: set[str], *, save_later: bool) -> None:
        """Offer the questionnaire's categories; drop fields not asked of this respondent."""
        profile = questionnaire.profile
        lists = {
            "role": profile.roles,
            "organisation_type": profile.organisation_types,
            "region": profile.regions,
        }
        for name, choices in lists.items():
            field = self[name]
            field.choices = [SelectChoice(c) for c in choices]
            field.validators = [
                Optional() if save_later else field.validators[0],
                AnyOf(choices, message=field.validators[0].message),
            ]
        for name in ("role", "organisation_type", "region", "organisation_name"):
            if name not in asked:
                del self[name]
        if save_later:
            self.consent_to_be_named.validators = [Optional(), *self.consent_to_be_named.validators[1:]]

    def validate_organisation_name(self, field: Field) -> None:
        if self.consent_to_be_named.data == "yes" and not field.data:
            raise ValidationError("Enter the name of your organisation, or select no")


class SubmitForm(RespondentForm):
    """The "Check your answers" page's submit button (CSRF only)."""
