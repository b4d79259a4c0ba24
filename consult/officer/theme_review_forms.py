"""Forms of the theme review pages. Each carries the versions of the things it changes as the
page showed them (one theme's or answer's `version`, or several in `seen`), so that a save
over someone else's newer change to the same thing is caught (`theme_review.StaleChange`)."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import (
    Field,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from consult.data.theme_review import FLAGS
from consult.web.converters import LARGEST_ID
from consult.web.plain_text import PlainText

NAME_LIMIT = 200
DESCRIPTION_LIMIT = 300
# A full stop, question or exclamation mark with more words after it: a second sentence.
_SECOND_SENTENCE = re.compile(r"[.!?]\s+\S")


def one_sentence(form: FlaskForm, field: Field) -> None:
    if field.data and _SECOND_SENTENCE.search(field.data.strip()):
        raise ValidationError("Write the description as one sentence")


_EXPIRED = "The page had expired: try again"
_SEEN_ITEM = re.compile(r"^(\w+):(\d{1,9})$")


class VersionedForm(FlaskForm):
    """A form changing one theme or answer: `version` is the one the page showed."""

    version = IntegerField(
        widget=HiddenField.widget,
        validators=[InputRequired(_EXPIRED), NumberRange(min=1, max=LARGEST_ID, message=_EXPIRED)],
    )


class SeenField(HiddenField):
    """The versions of several themes or answers as the page showed them: "id:version id:version".

    `data` is a dict of id (str) -> version (int); a malformed value is an expired page."""

    data: dict[str, int]

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = {}
        for item in (valuelist[0] if valuelist else "").split():
            found = _SEEN_ITEM.match(item)
            if found is None:
                raise ValueError(_EXPIRED)
            self.data[found.group(1)] = int(found.group(2))

    def _value(self) -> str:
        return " ".join(f"{k}:{v}" for k, v in (self.data or {}).items())


def seen_of(items: list[tuple[object, int]]) -> dict[str, int]:
    """The value of a SeenField for (id, version) pairs."""
    return {str(i): v for i, v in items}


class ThemeNameForm(FlaskForm):
    """A theme's name and one-sentence description (creating a theme)."""

    name = StringField(
        "Name",
        validators=[
            DataRequired("Enter a name for the theme"),
            Length(max=NAME_LIMIT, message=f"The name must be {NAME_LIMIT} characters or fewer"),
            PlainText(),
        ],
    )
    description = StringField(
        "Description",
        validators=[
            Optional(),
            Length(
                max=DESCRIPTION_LIMIT,
                message=f"The description must be {DESCRIPTION_LIMIT} characters or fewer",
            ),
            PlainText(),
            one_sentence,
        ],
    )


class RenameForm(ThemeNameForm, VersionedForm):
    """A theme's new name and description, with the theme's version the page showed."""


class MergeForm(FlaskForm):
    seen = SeenField()
    themes = SelectMultipleField(
        "Themes to merge", coerce=int, validators=[DataRequired("Select the themes to merge")]
    )
    into = SelectField(
        "Merge into", coerce=int, validators=[InputRequired("Choose the theme to merge them into")]
    )


FLAG_CHOICES = [
    SelectChoice("", "Not flagged"),
    *(SelectChoice(k, f"Flag: {v}, never quote it") for k, v in FLAGS.items()),
]


class AnswerReviewForm(VersionedForm):
    themes = SelectMultipleField("Themes", coerce=int, validate_choice=False)
    quote = RadioField(
        "Quote",
        choices=[
            SelectChoice("yes", "Approved for publication as a quote"),
            SelectChoice("no", "Not approved"),
        ],
        default="no",
        validators=[InputRequired("Choose whether the answer may be quoted")],
    )
    flag = RadioField("Flag", choices=FLAG_CHOICES, default="", validate_choice=True)

    def validate_themes(self, field: Field) -> None:
        known = {choice.value for choice in self.themes.choices}  # type: ignore[union-attr]
        if set(field.data or []) - known:
            raise ValidationError("One of the themes chosen no longer exists: choose again")


MOVE_CHOICES = [
    SelectChoice("move", "Move them to another theme (out of this one)"),
    SelectChoice("add", "Add them to another theme as well"),
    SelectChoice("none", "Take them out of this theme"),
]


class MoveAnswersForm(FlaskForm):
    seen = SeenField()
    answers = SelectMultipleField("Answers", validators=[DataRequired("Select at least one answer")])
    action = RadioField("What to do", choices=MOVE_CHOICES, default="move", validators=[InputRequired()])
    to_theme = SelectField("Theme", coerce=int, validators=[Optional()])


class AcceptForm(FlaskForm):
    """Accept one answer's suggestion (`answer`, at `version`), or all of them (no answer)."""

    answer = HiddenField()
    version = IntegerField(
        widget=HiddenField.widget, validators=[Optional(), NumberRange(min=1, max=LARGEST_ID)]
    )


class StatusForm(FlaskForm):
    status = HiddenField(validators=[DataRequired()])


def choices(pairs: list[tuple[object, str]]) -> list[SelectChoice]:
    """(value, label) pairs as the SelectChoice list a field's `choices` takes."""
    return [SelectChoice(value, label) for value, label in pairs]  # type: ignore[arg-type]
