"""The theme run job: find the themes of the questions a `ThemeRun` names and store them.

The same function runs under both runners: a thread of the server (the embedded default)
or an RQ worker (`consult worker`). Its progress and outcome go to the run's row, which
the page reads; the themes go to each question's theme set, keeping any review.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from flask import has_app_context

from analysis.counts.disclosure import DEFAULT_THRESHOLD
from consult.data import audit, consultations, theme_runs, theme_sets
from consult.data import theme_answers as themes_data
from consult.data.theme_answers import MIN_ANSWERS
from consult.extensions import db
from consult.models import Consultation, ThemeRun

if TYPE_CHECKING:
    from analysis.themes import ThemeReport

log = logging.getLogger(__name__)

# theme_answers reports four steps for each question it themes.
STEPS_PER_QUESTION = 4


def run_theme_job(run_id: int) -> None:
    """Do theme run `run_id`. Uses the current app, or builds one from the configuration
    (as an RQ worker process that was started without one would need)."""
    if has_app_context():
        _run(run_id)
        return
    from consult import create_app

    with create_app().app_context():
        _run(run_id)


def report_bytes(report: ThemeReport, fmt: str, threshold: int) -> bytes:
    """The report written as `fmt` ("html", "xlsx" or "json"); HTML counts below `threshold` hidden.

    An XLSX workbook is written to a file first, as the library needs."""
    from analysis.themes import write_report

    with tempfile.TemporaryDirectory(prefix="consult-themes-") as folder:
        path = Path(folder) / f"themes.{fmt}"
        write_report(report, fmt, path, threshold=threshold)
        return path.read_bytes()


def _run(run_id: int) -> None:
    run = db.session.get(ThemeRun, run_id)
    if run is None or run.status != theme_runs.QUEUED:
        # Done already, or abandoned: never run twice; but say so, for whoever runs the worker.
        log.warning("theme run %s not run: %s", run_id, "not found" if run is None else run.status)
        db.session.rollback()
        return
    try:
        _find_and_store(run)
    except Exception as exc:
        from analysis.themes import ThemesError

        db.session.rollback()
        run = db.session.get(ThemeRun, run_id)
        if run is not None:
            reason = str(exc).splitlines()[0] if isinstance(exc, ThemesError) else "an unexpected error"
            theme_runs.fail(run, f"The themes could not be found: {reason}")
            db.session.commit()
        if not isinstance(exc, ThemesError):
            log.exception("theme run %s failed", run_id)
            raise


def _find_and_store(run: ThemeRun) -> None:
    from analysis.themes import ThemeOptions, theme_answers

    consultation = db.session.get(Consultation, run.consultation_id)
    assert consultation is not None
    questionnaire = consultations.questionnaire_of(consultation)
    by_id = {q.id: q for q in questionnaire.questions}
    theme_runs.start(run, STEPS_PER_QUESTION * len(run.question_ids) + 2)
    db.session.commit()

    answers = themes_data.free_text_answers(consultation, questionnaire, run.question_ids)
    counts = answers["question_id"].value_counts()
    ready = [q for q in run.question_ids if counts.get(q, 0) >= MIN_ANSWERS]
    left_out = [q for q in run.question_ids if q not in ready]
    answers = answers[answers["question_id"].isin(ready)]
    theme_runs.advance(run, f"Read {len(answers):,} answers", steps=1 + STEPS_PER_QUESTION * len(left_out))
    db.session.commit()  # never hold SQLite's write lock while the themes are found
    if not ready:
        raise _too_few(run)

    def progress(message: str) -> None:
        theme_runs.advance(run, _readable(message, by_id))
        db.session.commit()

    options = ThemeOptions(**run.settings)  # type: ignore[arg-type]
    report = theme_answers(
        answers, options, question_text={q: by_id[q].text for q in ready}, progress=progress
    )
    report.title = f"Themes in free-text answers: {questionnaire.title}"
    report.groups = themes_data.respondent_groups(consultation, questionnaire)
    report.notes += [
        f"Question {by_id[q].number} is left out: {counts.get(q, 0)} submitted answers, "
        f"fewer than {MIN_ANSWERS}."
        for q in left_out
    ]
    for question_id in ready:
        theme_sets.save_machine_themes(
            consultation,
            question_id,
            report.themes[report.themes["question_id"] == question_id],
            report.assignments[report.assignments["question_id"] == question_id],
            engine=run.engine,
            settings=run.settings,
        )
    body = report_bytes(report, run.report_format, consultation.disclosure_threshold or DEFAULT_THRESHOLD)
    scope = (
        f"question {by_id[ready[0]].number}" if run.scope != "all" else f"{len(ready)} free-text questions"
    )
    theme_runs.finish(run, body, f"Themes found for {scope}")
    audit.record("found themes", run.requested_by, f"{consultation.slug}: themes of {scope} (run {run.id})")
    db.session.commit()


def _too_few(run: ThemeRun) -> Exception:
    from analysis.themes import ThemesError

    if run.scope == "all":
        return ThemesError(
            f"no free-text question has enough submitted answers: each needs at least {MIN_ANSWERS}"
        )
    return ThemesError(f"too few submitted answers: at least {MIN_ANSWERS} are needed")


def _readable(message: str, by_id: dict) -> str:  # type: ignore[type-arg]
    """ "q3: grouping into themes" as "Question 3: grouping into themes"."""
    question_id, _, rest = message.partition(": ")
    question = by_id.get(question_id)
    return f"Question {question.number}: {rest}" if question is not None else message
