"""The report back to the Board, in the web app: the officer's words and the downloads.

The page `/officer/board-report` holds a form for the words only the consultation team
knows (purpose, summary, recommendations, action, contact officer, background, financial
implications), saved in the database and audited. Its buttons prepare the report as a
background job (`consult.officer.downloads`, `consult.jobs.download_job`), built from the
database with the analysis package (`analysis.board_report`), the same code as
`consult-analysis report`, using the stored theme review; no theme engine runs, so a
question whose themes have not been run says so in the report.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from analysis.board_report.words import WordsError
from consult.data import consultations
from consult.extensions import db
from consult.models import Consultation
from consult.officer import board_report_words as words_data
from consult.officer.blueprint import bp, current_consultation
from consult.officer.forms import BoardWordsForm


def _form_for(consultation: Consultation) -> BoardWordsForm:
    row = words_data.stored_words(consultation)
    data = {name: getattr(row, name) or "" for name in words_data.FIELDS} if row is not None else {}
    return BoardWordsForm(formdata=None, data=data)


def _page(form: BoardWordsForm, status: int = 200) -> tuple[str, int]:
    consultation = current_consultation()
    return (
        render_template(
            "officer/board_report.html",
            form=form,
            questionnaire=consultations.questionnaire_of(consultation),
            saved=words_data.stored_words(consultation),
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
    values = {name: form[name].data or "" for name in words_data.FIELDS}
    try:
        words_data.save_words(consultation, values, current_user.email)
    except WordsError as exc:
        db.session.rollback()
        field = exc.part.replace(".", "_") if exc.part.replace(".", "_") in words_data.FIELDS else "title"
        form[field].errors = [*form[field].errors, exc.problem]
        return _page(form, 400)
    db.session.commit()
    flash("The Board report’s words have been saved", "success")
    return redirect(url_for("officer.board_report"), 303)


__all__ = ["board_report", "save_board_report_words"]
