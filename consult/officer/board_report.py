"""The report back to the Board, in the web app: the officer's words and the downloads.

The page `/officer/board-report` holds a form for the words only the consultation team
knows (the Board, meeting date, item and what the paper is for; purpose, summary,
recommendations, action, contact officer, background, financial implications), saved in
the database and audited, and lists what is still missing before the paper goes to the
Board (`analysis.board_report.checklist`: words not written, themes not run or not
checked, an interim paper): the paper itself never speaks to staff. Its buttons prepare the report as a
background job (`consult.officer.downloads`, `consult.jobs.download_job`), built from the
database with the analysis package (`analysis.board_report`), the same code as
`consult-analysis report`, using the stored theme review; no theme engine runs, so a
question whose themes have not been run says so in the report.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from analysis.board_report.checklist import ThemeProgress, checklist
from analysis.board_report.question_themes import (
    MIN_ANSWERS_FOR_THEMES,
    NOT_RUN,
    REVIEWED,
    STORED_DRAFT,
    TOO_FEW,
)
from analysis.board_report.words import WordsError
from consult.data import board_report_words as words_data
from consult.data import clock, consultations, theme_listing, theme_sets
from consult.data.theme_answers import free_text_questions
from consult.extensions import db
from consult.models import Consultation
from consult.officer.blueprint import bp, current_consultation
from consult.officer.forms import BoardWordsForm
from questions import Questionnaire

_DATE_PARTS = ("day", "month", "year")
# Fields the form holds in another shape: the date as three boxes, what it is for as checkboxes.
_RESHAPED = ("meeting_date", "report_for")


def _form_for(consultation: Consultation) -> BoardWordsForm:
    row = words_data.stored_words(consultation)
    if row is None:
        return BoardWordsForm(formdata=None, data={})
    data: dict[str, object] = {
        name: getattr(row, name) or "" for name in words_data.FIELDS if name not in _RESHAPED
    }
    data["report_for"] = [v for v in (row.report_for or "").split(",") if v]
    if row.meeting_date is not None:
        data |= {f"meeting_date_{part}": str(getattr(row.meeting_date, part)) for part in _DATE_PARTS}
    return BoardWordsForm(formdata=None, data=data)


def _theme_progress(consultation: Consultation, questionnaire: Questionnaire) -> list[ThemeProgress]:
    """How far each free-text question's themes have got, from the stored theme review (light
    queries: no answer is read)."""
    stored = theme_sets.theme_sets_of(consultation)
    progress = []
    for question in free_text_questions(consultation, questionnaire):
        theme_set = stored.get(question.id)
        if theme_set is None:
            kind = NOT_RUN if question.answers >= MIN_ANSWERS_FOR_THEMES else TOO_FEW
            progress.append(ThemeProgress(question.number, kind, question.answers))
            continue
        states = theme_listing.state_counts(theme_set)
        kind = REVIEWED if theme_set.status == REVIEWED else STORED_DRAFT
        progress.append(ThemeProgress(question.number, kind, question.answers, states.reviewed, states.total))
    return progress


def _page(form: BoardWordsForm, status: int = 200) -> tuple[str, int]:
    consultation = current_consultation()
    questionnaire = consultations.questionnaire_of(consultation)
    open_until = consultation.closes_on if clock.today() <= consultation.closes_on else None
    to_do = checklist(
        words_data.saved_words(consultation),
        _theme_progress(consultation, questionnaire),
        open_until=open_until,
    )
    return (
        render_template(
            "officer/board_report.html",
            form=form,
            questionnaire=questionnaire,
            saved=words_data.stored_words(consultation),
            checklist=to_do,
        ),
        status,
    )


@bp.get("/board-report")
def board_report() -> tuple[str, int]:
    """The words form, filled in with what was saved, and the report's downloads."""
    return _page(_form_for(current_consultation()))


@bp.post("/board-report")
def save_board_report_words() -> WerkzeugResponse | tuple[str, int]:
    """Check and save the words; on a problem, show it and keep everything typed."""
    consultation = current_consultation()
    form = BoardWordsForm()
    if not form.validate():
        return _page(form, 400)
    values = {name: form[name].data or "" for name in words_data.FIELDS if name not in _RESHAPED}
    meeting = form.parsed.get("meeting_date")
    values["meeting_date"] = meeting.isoformat() if meeting else ""
    values["report_for"] = ",".join(form.report_for.data or [])
    try:
        words_data.save_words(consultation, values, current_user.email)
    except WordsError as exc:
        db.session.rollback()
        field = exc.part.replace(".", "_") if exc.part.replace(".", "_") in words_data.FIELDS else "title"
        field = {"meeting_date": "meeting_date_day"}.get(field, field)
        form[field].errors = [*form[field].errors, exc.problem]
        return _page(form, 400)
    db.session.commit()
    flash("The Board report’s words have been saved", "success")
    return redirect(url_for("officer.board_report"), 303)


__all__ = ["board_report", "save_board_report_words"]
