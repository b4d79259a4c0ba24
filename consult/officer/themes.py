"""Themes in free-text answers, in the web app (analysts and officers).

The page lists the consultation's free-text questions with their number of submitted
answers and their stored theme sets, and starts a theme run for one question or for all
of them. A run is a background job (`consult.jobs`): the request only records it and
queues it, then shows its progress page, which reads the run's row and so survives a
reload. The run stores each question's themes as its theme set (reviewed on the pages
of `consult.officer.theme_review`) and keeps the report it made (HTML, XLSX or JSON) for
download. The semantic engine runs wherever its `embeddings` extra is installed, the core
engine otherwise; THEMES_ENGINE = "core" (or CONSULT_THEMES_ENGINE=core) keeps to the core
engine.
"""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from analysis.themes.engines import default_engine
from analysis.themes.grouping import ENGINE_GROUPING
from consult import database
from consult.data import audit, consultations, theme_runs, theme_sets
from consult.data import theme_answers as themes_data
from consult.data.theme_answers import MIN_ANSWERS, FreeTextQuestion
from consult.extensions import db
from consult.jobs.runner import queue_job
from consult.jobs.theme_job import run_theme_job
from consult.models import Consultation, ThemeRun
from consult.officer.blueprint import bp, current_consultation
from consult.officer.downloads import attachment
from consult.officer.forms import FEWEST_THEMES, MOST_THEMES, ThemesForm
from questions import Questionnaire

ALL = "all"
REPORT_TYPES = {
    "html": "text/html; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


def themes_engine() -> str:
    """The engine: THEMES_ENGINE ("core", or "semantic" where its extra is installed); by
    default ("auto") the semantic engine where its extra is installed, else the core one."""
    wanted = str(current_app.config.get("THEMES_ENGINE") or "auto").lower()
    if wanted == "core":
        return "core"
    return default_engine()


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
        sets=theme_sets.theme_sets_of(consultation),
        runs=theme_runs.recent_runs(consultation),
        numbers={q.id: q.number for q in questionnaire.questions},
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
def run_themes(question: str) -> WerkzeugResponse | tuple[str, int]:
    """Start finding the themes of one free-text question (or "all") as a background job."""
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
    from analysis.themes import ThemeOptions

    fewest, most = form.bounds
    options = ThemeOptions(engine=themes_engine(), min_themes=fewest, max_themes=most)  # type: ignore[arg-type]
    run_id = theme_runs.record_run(
        consultation,
        question,
        [q.id for q in chosen],
        engine=options.engine,
        settings=options.as_dict(),
        report_format=form.format.data,
        requested_by=current_user.email,
    ).id
    db.session.commit()  # the job must find the run, whichever process runs it
    queue_job(
        run_theme_job,
        ThemeRun,
        run_id,
        "The run could not be started: the job queue is not available. Try again later.",
    )
    return redirect(url_for("officer.theme_run", run_id=run_id), 303)


@bp.get("/themes/runs/<id:run_id>")
def theme_run(run_id: int) -> str:
    """A theme run's progress; when it has finished, its report and the theme sets it made."""
    consultation = current_consultation()
    run = theme_runs.get_run(consultation, run_id)
    if run is None:
        abort(404)
    questionnaire = consultations.questionnaire_of(consultation)
    numbers = {q.id: q.number for q in questionnaire.questions}
    sets = theme_sets.theme_sets_of(consultation)
    return render_template(
        "officer/theme_run.html",
        run=run,
        numbers=numbers,
        sets=sets,
        queued_on_rq=current_app.config.get("JOBS_REDIS_URL") is not None,
    )


@bp.get("/themes/runs/<id:run_id>/report")
@database.writes  # each fetch is audited
def theme_run_report(run_id: int) -> WerkzeugResponse:
    """The report a finished run made, as a download (audited)."""
    consultation = current_consultation()
    run = theme_runs.get_run(consultation, run_id)
    if run is None or run.report is None:
        abort(404)
    fmt = run.report_format
    audit.record(
        "exported", current_user.email, f"{consultation.slug}: theme report of run {run.id} ({fmt.upper()})"
    )
    db.session.commit()
    stem = consultation.slug if run.scope == ALL else f"{consultation.slug}-{run.scope}"
    return attachment(run.report, REPORT_TYPES[fmt], f"{stem}-themes.{fmt}")
