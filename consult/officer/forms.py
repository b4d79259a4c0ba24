"""Forms for the officers' pages."""

from __future__ import annotations

import datetime as _dt

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    Field,
    RadioField,
    SelectChoice,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, InputRequired, ValidationError

from analysis.board_report.words import REPORT_FOR
from analysis.themes.grouping import ENGINE_GROUPING

# --- Dates, keyed-in responses and purge (dashboard, closing) ---------------------------


def _parse_day_month_year(day: str, month: str, year: str, what: str) -> _dt.date:
    """A date from GOV.UK's three boxes, or a ValidationError saying what is wrong."""
    parts = {"day": day.strip(), "month": month.strip(), "year": year.strip()}
    if not any(parts.values()):
        raise ValidationError(f"Enter the {what}")
    if missing := [name for name, value in parts.items() if not value]:
        raise ValidationError(f"The {what} must include a {' and '.join(missing)}")
    if not all(value.isdigit() for value in parts.values()):
        raise ValidationError(f"The {what} must be a real date, for example 31 3 2015")
    if len(parts["year"]) != 4:
        raise ValidationError(f"The year of the {what} must include 4 numbers")
    try:
        return _dt.date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
    except ValueError:
        raise ValidationError(f"The {what} must be a real date") from None


class DateParts:
    """Validator for a `StringField` named X_day whose month and year are X_month and X_year.

    With `optional`, three empty boxes are no date (None in `form.parsed`)."""

    def __init__(self, what: str, *, optional: bool = False) -> None:
        self.what = what
        self.optional = optional

    def __call__(self, form: FlaskForm, field: Field) -> None:
        stem = field.name.removesuffix("_day")
        parts = (field.data or "", form[f"{stem}_month"].data or "", form[f"{stem}_year"].data or "")
        if self.optional and not "".join(parts).strip():
            form.parsed[stem] = None
            return
        form.parsed[stem] = _parse_day_month_year(*parts, self.what)


class DatesForm(FlaskForm):
    """The opening and closing dates, as three boxes each (GOV.UK date input)."""

    opens_on_day = StringField("Day", validators=[DateParts("opening date")])
    opens_on_month = StringField("Month")
    opens_on_year = StringField("Year")
    closes_on_day = StringField("Day", validators=[DateParts("closing date")])
    closes_on_month = StringField("Month")
    closes_on_year = StringField("Year")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.parsed: dict[str, _dt.date] = {}

    @classmethod
    def for_dates(cls, opens_on: _dt.date, closes_on: _dt.date) -> DatesForm:
        data: dict[str, str] = {}
        for stem, value in (("opens_on", opens_on), ("closes_on", closes_on)):
            data |= {
                f"{stem}_day": str(value.day),
                f"{stem}_month": str(value.month),
                f"{stem}_year": str(value.year),
            }
        return cls(formdata=None, data=data)


def choice_of(
    label: str, options: tuple[tuple[str, str], ...], message: str, default: str | None = None
) -> RadioField:
    """Radios for one of `options` ((value, label) pairs), with one GOV.UK-style message."""
    return RadioField(
        label,
        choices=[SelectChoice(value, text) for value, text in options],
        default=default,
        validate_choice=False,
        validators=[InputRequired(message), AnyOf([value for value, _ in options], message=message)],
    )


KEYED_IN_CHANNELS = (("email", "By email"), ("paper", "On paper"), ("other", "Another way"))


class KeyedInForm(FlaskForm):
    """How a keyed-in response arrived (its answers and About you use the respondent's forms)."""

    channel = choice_of("How did this response arrive?", KEYED_IN_CHANNELS, "Select how the response arrived")


class PurgeForm(FlaskForm):
    """Typed confirmation before the contact list and response key are destroyed."""

    confirm = StringField(
        "Type the consultation's short name to confirm",
        validators=[InputRequired("Type the consultation's short name to confirm")],
    )

    def __init__(self, slug: str, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.slug = slug

    def validate_confirm(self, field: Field) -> None:
        if (field.data or "").strip() != self.slug:
            raise ValidationError(f"Type {self.slug} exactly to confirm, or go back to the dashboard")


# --- Invitation list, sending and mail merge (invitations) ------------------------------


class UploadListForm(FlaskForm):
    """The invitation list file: CSV or Excel (.xlsx)."""

    file = FileField("Upload a file")

    def validate_file(self, field: Field) -> None:
        if not field.data or not getattr(field.data, "filename", ""):
            raise ValidationError("Select a CSV or Excel file")
        if not field.data.filename.lower().endswith((".csv", ".xlsx", ".txt")):
            raise ValidationError("The selected file must be a CSV or an Excel workbook (.xlsx)")


class ConfirmForm(FlaskForm):
    """A button that does something after the page has said what it will do (CSRF only)."""


REMINDER_CONTENT = (
    ("same_link", "Remind them to use the link they were sent (keeps anything they have saved)"),
    ("new_link", "Send a new link, which replaces the earlier one"),
)


class ReminderForm(FlaskForm):
    """Whether reminders point to the link already sent or carry a new one."""

    content = choice_of(
        "What should the reminder contain?",
        REMINDER_CONTENT,
        "Select what the reminder should contain",
        default="same_link",
    )


MAIL_MERGE_SCOPES = (
    ("new", "People who have not been sent a link yet"),
    ("not_responded", "Everyone who has not responded (their earlier links stop working)"),
)


class MailMergeForm(FlaskForm):
    """Who to put in the mail-merge file, and a confirmation that their links are re-issued."""

    scope = choice_of(
        "Who should be in the file?", MAIL_MERGE_SCOPES, "Select who should be in the file", default="new"
    )
    confirm = BooleanField(
        "I understand that this makes new links, and that any earlier links of these people stop working",
        validators=[DataRequired("Confirm that you understand that earlier links stop working")],
    )


# --- Themes in free-text answers (themes) -------------------------------------------------

THEME_FORMATS = (
    ("html", "Report to read in a web browser (HTML)"),
    ("xlsx", "Spreadsheet (XLSX)"),
    ("json", "Data for other software (JSON)"),
)
# The bounds an analyst may give: ThemeOptions' fewest by default, up to the largest number
# any engine chooses by itself (`clustering.ENGINE_GROUPING`); left blank, the engine's own.
FEWEST_THEMES = 2
MOST_THEMES = max(grouping.max_themes for grouping in ENGINE_GROUPING.values())


def _count(field: Field) -> int | None:
    raw = (field.data or "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() else None


class ThemeCount:
    """Validator for an optional whole number of themes within FEWEST_THEMES…MOST_THEMES."""

    def __init__(self, what: str) -> None:
        self.what = what

    def __call__(self, form: FlaskForm, field: Field) -> None:
        number = _count(field)
        if (field.data or "").strip() and (number is None or not FEWEST_THEMES <= number <= MOST_THEMES):
            raise ValidationError(
                f"Enter a number between {FEWEST_THEMES} and {MOST_THEMES} for the {self.what}"
            )


class ThemesForm(FlaskForm):
    """The format of a theme report and, optionally, bounds on its number of themes.

    Several are on one page, one per question: make each with `prefix=` the question id
    (or "all") so that their fields' names and ids differ."""

    format = choice_of("Format", THEME_FORMATS, "Select a format for the report", default="html")
    min_themes = StringField("Fewest themes", validators=[ThemeCount("fewest themes")])
    max_themes = StringField("Most themes", validators=[ThemeCount("most themes")])

    def validate(self, extra_validators: dict[str, list] | None = None) -> bool:  # type: ignore[type-arg]
        if not super().validate(extra_validators):
            return False
        fewest, most = _count(self.min_themes), _count(self.max_themes)
        if fewest is not None and most is not None and fewest > most:
            self.max_themes.errors = [f"The most themes must be at least the fewest themes ({fewest})"]
            return False
        return True

    @property
    def bounds(self) -> tuple[int, int | None]:
        """(fewest, most) themes once valid: FEWEST_THEMES, and None (the engine's), where blank."""
        fewest, most = _count(self.min_themes), _count(self.max_themes)
        return (fewest or FEWEST_THEMES, most)


# --- The Board report's words ------------------------------------------------------------


class BoardWordsForm(FlaskForm):
    """The officer's words for the Board report. Every field may be left empty; the rules for
    what is accepted are the report's own (`analysis.board_report.words`), applied on save.
    The meeting date is three boxes (GOV.UK date input), checked here as a date."""

    title = StringField("Title")
    board = StringField("Board")
    meeting_date_day = StringField("Day", validators=[DateParts("meeting date", optional=True)])
    meeting_date_month = StringField("Month")
    meeting_date_year = StringField("Year")
    item = StringField("Item number")
    report_for = SelectMultipleField(
        "What the report is for",
        choices=[SelectChoice(value, f"For {value}") for value in REPORT_FOR],
        validate_choice=False,
    )
    purpose = TextAreaField("Purpose of report")
    summary = TextAreaField("Summary")
    recommendations = TextAreaField("Recommendations")
    action = TextAreaField("Action")
    contact_name = StringField("Name")
    contact_position = StringField("Position")
    contact_phone = StringField("Phone number")
    contact_email = StringField("Email address")
    background = TextAreaField("Background")
    financial_implications = TextAreaField("Financial implications")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.parsed: dict[str, _dt.date | None] = {}
