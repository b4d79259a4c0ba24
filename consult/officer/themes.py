"""Themes in free-text answers, in the web app (analysts and officers).

The page lists the consultation's free-text questions with their number of submitted
answers, and offers a theme report for each question, or for all of them together, as
HTML, XLSX or JSON. The report is made in the request by `analysis.themes` (the same
library as `consult-analysis themes`) and returned as a download; every run is audited.

The core engine takes about a second for every 1,000 answers, so a question of Taking
Stock (hundreds to a few thousand answers) is ready in seconds and all of its questions
together well within the server's request time-out: no job queue is needed at that scale.
Set THEMES_ENGINE = "semantic" (or CONSULT_THEMES_ENGINE=semantic) to use sentence
embeddings where sentence-transformers is installed (the `embeddings` extra); the core
engine is used otherwise.
"""

from __future__ import annotations

import importlib.util
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Response, abort, current_app, render_template
from flask_login import current_user

from analysis.themes.grouping import ENGINE_GROUPING
from consult.data import audit, consultations
from consult.data import themes as themes_data
from consult.data.themes import MIN_ANSWERS, FreeTextQuestion
from consult.extensions import db
from consult.models import Consultation
from consult.officer.blueprint import bp, current_consultation
from consult.officer.downloads import attachment
from consult.officer.forms import FEWEST_THEMES, MOST_THEMES, ThemesForm
from questions import Questionnaire

if TYPE_CHECKING:
    from analysis.themes import ThemeReport

ALL = "all"
REPORT_TYPES = {
    "html": "text/html; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


def themes_engine() -> str:
    """The engine: "semantic" if THEMES_ENGINE asks and sentence-transformers is installed, else "core"."""
    wanted = str(current_app.config.get("THEMES_ENGINE") or "core").lower()
    if wanted == "semantic" and importlib.util.find_spec("sentence_transformers") is not None:
        return "semantic"
    return "core"


def _threshold(consultation: Consultation) -> int:
    """The consultation's disclosure threshold: HTML theme counts below it are suppressed."""
    return consultations.disclosure_threshold(consultation)


def _page(
    consultation: Consultation,
    questionnaire: Questionnaire,
    questions: list[FreeTextQuestion],
    bound: tuple[str, ThemesForm] | None = None,
    problem: str | None = None,
) -> str:
    """The page; `bound` is (prefix, form) of the form just posted, shown with its errors."""
    forms = {prefix: ThemesForm(prefix=prefix, formdata=None) for prefix in (ALL, *(q.id for q in questions))}
    errors: list[tuple[str, str]] = []
    if bound is not None:
        prefix, form = bound
        forms[prefix] = form
        for name, messages in form.errors.items():
            if name == "csrf_token":
                errors.append((form.format.id, "The page had expired: try again"))
            else:
                errors += [(form[name].id, message) for message in messages]
        if problem:
            # To the question's heading: a question with too few answers shows no form.
            errors.append((prefix, problem))
    return render_template(
        "officer/themes.html",
        questionnaire=questionnaire,
        questions=questions,
        forms=forms,
        errors=errors,
        min_answers=MIN_ANSWERS,
        fewest=FEWEST_THEMES,
        most=MOST_THEMES,
        engine=themes_engine(),
        grouping=ENGINE_GROUPING[themes_engine()],
        threshold=_threshold(consultation),
    )


@bp.get("/themes")
def themes() -> str:
    """The free-text questions, each with a form to download its themes (analysts and officers)."""
    consultation = current_consultation()
    questionnaire = consultations.questionnaire_of(consultation)
    return _page(consultation, questionnaire, themes_data.free_text_questions(consultation, questionnaire))


@bp.post("/themes/<question>")
def run_themes(question: str) -> Response | tuple[str, int]:
    """Find the themes of one free-text question (or "all") and return the report as a download."""
    consultation = current_consultation()
    questionnaire = consultations.questionnaire_of(consultation)
    questions = themes_data.free_text_questions(consultation, questionnaire)
    chosen = [q for q in questions if question in (ALL, q.id)]
    if not chosen:
        abort(404)
    form = ThemesForm(prefix=question)
    if not form.validate():
        return _page(consultation, questionnaire, questions, (question, form)), 400
    ready = [q for q in chosen if q.enough]
    if not ready:
        problem = (
            f"Question {chosen[0].number} has too few submitted answers to find themes: "
            f"at least {MIN_ANSWERS} are needed"
            if question != ALL
            else f"No free-text question has enough submitted answers to find themes: "
            f"each needs at least {MIN_ANSWERS}"
        )
        return _page(consultation, questionnaire, questions, (question, form), problem), 400
    fmt = form.format.data
    from analysis.themes import ThemesError

    try:
        report = _report(consultation, questionnaire, ready, chosen, form.bounds)
        body = _report_bytes(report, fmt, _threshold(consultation))
    except ThemesError as exc:
        problem = f"The themes could not be found: {str(exc).splitlines()[0]}"
        return _page(consultation, questionnaire, questions, (question, form), problem), 400
    scope = f"question {ready[0].number}" if question != ALL else f"{len(ready)} free-text questions"
    audit.record("exported", current_user.email, f"{consultation.slug}: themes of {scope} ({fmt.upper()})")
    db.session.commit()
    stem = consultation.slug if question == ALL else f"{consultation.slug}-{question}"
    return attachment(body, REPORT_TYPES[fmt], f"{stem}-themes.{fmt}")


def _report(
    consultation: Consultation,
    questionnaire: Questionnaire,
    ready: list[FreeTextQuestion],
    chosen: list[FreeTextQuestion],
    bounds: tuple[int, int | None],
) -> ThemeReport:
    """The themes of the `ready` questions' submitted answers; notes name the `chosen` left out."""
    from analysis.themes import ThemeOptions, theme_answers

    answers = themes_data.free_text_answers(consultation, questionnaire, [q.id for q in ready])
    options = ThemeOptions(engine=themes_engine(), min_themes=bounds[0], max_themes=bounds[1])  # type: ignore[arg-type]
    report = theme_answers(answers, options, question_text={q.id: q.text for q in ready})
    report.title = f"Themes in free-text answers: {questionnaire.title}"
    report.notes += [
        f"Question {q.number} is left out: {q.answers} submitted answers, fewer than {MIN_ANSWERS}."
        for q in chosen
        if not q.enough
    ]
    return report


def _report_bytes(report: ThemeReport, fmt: str, threshold: int) -> bytes:
    """The report written as `fmt`, the HTML one with theme counts below `threshold` suppressed.

    An XLSX workbook is written to a file first, as the library needs."""
    from analysis.themes import write_report

    with tempfile.TemporaryDirectory(prefix="consult-themes-") as folder:
        path = Path(folder) / f"themes.{fmt}"
        write_report(report, fmt, path, threshold=threshold)
        return path.read_bytes()
