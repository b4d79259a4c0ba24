"""The text rule (`analysis.plain_text`) as a form validator, for every officer text field."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import Field
from wtforms.validators import ValidationError

from analysis.plain_text import control_character_problem


class PlainText:
    """Refuses a field holding a control character, naming it; `multiline` allows line breaks and tabs."""

    def __init__(self, multiline: bool = False) -> None:
        self.multiline = multiline

    def __call__(self, form: FlaskForm, field: Field) -> None:
        if problem := control_character_problem(field.data, str(field.label.text), multiline=self.multiline):
            raise ValidationError(problem)
