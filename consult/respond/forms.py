"""Forms for the respondent's journey, built from the questionnaire definition."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from wtforms import Field, Form, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, Optional, StopValidation, ValidationError

from consult.web.frontend import CharacterCount, RadioInput, TextInput
from questions import Question, QuestionKind, Questionnaire

# Characters a person cannot type and a database may refuse (PostgreSQL rejects NUL).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def normalise_line_breaks(value: str | None) -> str | None:
    # Browsers send every line break as CR LF; store the line break that was typed.
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


def check_answer(question: Question, posted: str | None, free_text_limit: int) -> tuple[str, list[str]]:
    """One question's posted answer as stored ("" for none) and what is wrong with it.

    The questionnaire's rules for an answer, in one place: the respondent's section page
    and the officer's keyed-in form both check with it, through `FollowsQuestionRules`.
    A blank or whitespace-only answer is no answer; messages name the question (GOV.UK style),
    in the page's language.
    """
    if posted is None or not posted.strip():
        return "", []
    match question.kind:
        case QuestionKind.SINGLE_CHOICE:
            if posted not in question.options:
                return posted, [
                    gettext(
                        "Select one of the answers listed for question %(number)s", number=question.number
                    )
                ]
            return posted, []
        case QuestionKind.FREE_TEXT:
            text = normalise_line_breaks(posted) or ""
            if len(text) > free_text_limit:
                return text, [
                    gettext(
                        "Your answer to question %(number)s must be %(limit)s characters or fewer "
                        "(it is %(length)s)",
                        number=question.number,
                        limit=format(free_text_limit, ","),
                        length=format(len(text), ","),
                    )
                ]
            if _CONTROL.search(text):
                return text, [
                    gettext(
                        "Remove the hidden control characters from your answer to question %(number)s",
                        number=question.number,
                    )
                ]
            return text, []
    raise AssertionError(f"no rules for question kind {question.kind}")  # pragma: no cover


class FollowsQuestionRules:
    """WTForms validator applying `check_answer` to one question's field."""

    def __init__(self, question: Question, free_text_limit: int) -> None:
        self.question, self.free_text_limit = question, free_text_limit

    def __call__(self, form: Form, field: Field) -> None:
        _, problems = check_answer(self.question, field.data, self.free_text_limit)
        if problems:
            raise StopValidation(problems[0])


def question_field(question: Question, free_text_limit: int) -> Field:
    """The form field for one question (respondent's section page, officer's keyed-in form).

    A single-choice answer's value is the option's canonical text whatever the language
    `question` is in; its label is the option as shown (`option_labels`).
    """
    rules = FollowsQuestionRules(question, free_text_limit)
    match question.kind:
        case QuestionKind.SINGLE_CHOICE:
            choices = [
                SelectChoice(option, label)
                for option, label in zip(question.options, question.option_labels, strict=True)
            ]
            return RadioField(
                question.text,
                choices=choices,
                validate_choice=False,
                validators=[rules],
                widget=RadioInput(),
            )
        case QuestionKind.FREE_TEXT:
            return TextAreaField(
                question.text,
                filters=[normalise_line_breaks],
                validators=[rules],
                widget=CharacterCount(),
            )
    raise AssertionError(f"no field for question kind {question.kind}")  # pragma: no cover


class SectionForm(FlaskForm):
    """Base of the question forms; `build_section_form` adds one field per question."""

    questions: tuple[Question, ...] = ()
    free_text_limit: int = 0

    def answers(self) -> dict[str, str]:
        return {q.id: check_answer(q, self[q.id].data, self.free_text_limit)[0] for q in self.questions}


@functools.lru_cache(maxsize=256)
def _section_form_class(questions: tuple[Question, ...], free_text_limit: int) -> type[SectionForm]:
    # Form classes are immutable once made (fields are bound per instance), so one per
    # combination of shown questions serves every request.
    fields = {q.id: question_field(q, free_text_limit) for q in questions}
    attributes = {**fields, "questions": questions, "free_text_limit": free_text_limit}
    return type("SectionForm", (SectionForm,), attributes)


def build_section_form(
    questionnaire: Questionnaire,
    questions: tuple[Question, ...],
    formdata: Any = None,
    data: Mapping[str, str] | None = None,
) -> SectionForm:
    """A form asking `questions`: filled from `formdata` (a post) or else from `data` (stored answers).

    Used for a respondent's section page and for the officer's keyed-in form.
    """
    form_class = _section_form_class(tuple(questions), questionnaire.free_text_limit)
    return form_class(formdata=formdata, data=dict(data or {}))


class AboutYouForm(FlaskForm):
    role = RadioField(
        lazy_gettext("Which best describes your role?"),
        validate_choice=False,
        validators=[InputRequired(lazy_gettext("Select your role"))],
        widget=RadioInput(),
    )
    organisation_type = RadioField(
        lazy_gettext("What type of organisation do you work for or represent?"),
        validate_choice=False,
        validators=[InputRequired(lazy_gettext("Select the type of organisation you work for or represent"))],
        widget=RadioInput(),
    )
    region = RadioField(
        lazy_gettext("Which region is your organisation in?"),
        validate_choice=False,
        validators=[InputRequired(lazy_gettext("Select the region your organisation is in"))],
        widget=RadioInput(),
    )
    consent_to_be_named = RadioField(
        lazy_gettext("May we name your organisation when we publish the results?"),
        description=lazy_gettext(
            "If you say no, we will report your answers only in aggregate, without naming you or "
            "your organisation."
        ),
        choices=[
            SelectChoice("yes", lazy_gettext("Yes, you may name my organisation")),
            SelectChoice("no", lazy_gettext("No, do not name my organisation")),
        ],
        validate_choice=False,
        validators=[
            InputRequired(lazy_gettext("Select yes if we may name your organisation")),
            AnyOf(["yes", "no"], message=lazy_gettext("Select yes if we may name your organisation")),
        ],
        widget=RadioInput(),
    )
    organisation_name = StringField(
        lazy_gettext("Name of your organisation"),
        description=lazy_gettext("Only if you said yes above. We keep it only if you agree to be named."),
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        # No Optional(): it would stop the check that a name is given with consent.
        validators=[
            Length(max=300, message=lazy_gettext("Organisation name must be 300 characters or fewer"))
        ],
        widget=TextInput(),
    )

    def restrict(self, questionnaire: Questionnaire, asked: set[str], *, save_later: bool) -> None:
        """Offer the questionnaire's categories (values canonical, labels in `questionnaire`'s
        language); drop fields not asked of this respondent."""
        profile = questionnaire.profile
        lists = {
            "role": (profile.roles, profile.role_labels),
            "organisation_type": (profile.organisation_types, profile.organisation_type_labels),
            "region": (profile.regions, profile.region_labels),
        }
        for name, (values, labels) in lists.items():
            field = self[name]
            field.choices = [SelectChoice(v, label) for v, label in zip(values, labels, strict=True)]
            field.validators = [
                Optional() if save_later else field.validators[0],
                AnyOf(values, message=field.validators[0].message),
            ]
        for name in ("role", "organisation_type", "region", "organisation_name"):
            if name not in asked:
                del self[name]
        if save_later:
            self.consent_to_be_named.validators = [Optional(), *self.consent_to_be_named.validators[1:]]

    def validate_organisation_name(self, field: Field) -> None:
        if self.consent_to_be_named.data == "yes" and not field.data:
            raise ValidationError(gettext("Enter the name of your organisation, or select no"))


class SubmitForm(FlaskForm):
    """The "Check your answers" page's submit button (CSRF only)."""
