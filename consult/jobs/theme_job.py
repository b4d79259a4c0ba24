"""The theme run job: find the themes of the questions a `ThemeRun` names and store them.

It runs through `consult.jobs.runner.run_job` under either runner (a thread of the server
or an RQ worker), which claims the run and records its progress and outcome in the run's
row, which the page reads. The answers are read in a snapshot (`database.reading`); the
themes are found and the report written with no transaction open; then the theme sets
(keeping any review), the report and the audit entry are written in one short transaction.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analysis.errors import AnalysisError
from consult import database
from consult.data import audit, consultations, jobs, theme_sets
from consult.data import theme_answers as themes_data
from consult.data.theme_answers import MIN_ANSWERS
from consult.extensions import db
from consult.jobs.runner import JobError, JobProgress, run_job
from consult.models import Consultation, ThemeRun

if TYPE_CHECKING:
    import pandas as pd

    from analysis.themes import ThemeReport

log = logging.getLogger(__name__)

# theme_answers reports four steps for each question it themes.
STEPS_PER_QUESTION = 4


def run_theme_job(run_id: int) -> None:
    """Do theme run `run_id` (in the app's context: the server's, or `consult worker`'s)."""
    run_job(
        ThemeRun,
        run_id,
        partial(_find_and_store, run_id),
        starting="Reading the answers",
        failure="The themes could not be found",
        expected=(AnalysisError,),
    )


def report_bytes(report: ThemeReport, fmt: str, threshold: int) -> bytes:
    """The report written as `fmt` ("html", "xlsx" or "json"); HTML counts below `threshold` hidden.

    An XLSX workbook is written to a file first, as the library needs."""
    from analysis.themes import write_report

    with tempfile.TemporaryDirectory(prefix="consult-themes-") as folder:
        path = Path(folder) / f"themes.{fmt}"
        write_report(report, fmt, path, threshold=threshold)
        return path.read_bytes()


@dataclass(frozen=True)
class _Request:
    """What a run asks for, read once so that nothing is loaded lazily (in a transaction) later."""

    consultation_id: int
    slug: str
    threshold: int
    scope: str
    question_ids: list[str]
    engine: str
    settings: dict[str, Any]
    report_format: str
    requested_by: str | None


def _read(run_id: int) -> tuple[_Request, Any, pd.DataFrame, pd.DataFrame]:
    """What the run asks for, its questionnaire, the answers, and every response's groups."""
    with database.reading():
        run = db.session.get(ThemeRun, run_id)
        assert run is not None
        consultation = db.session.get(Consultation, run.consultation_id)
        assert consultation is not None
        questionnaire = consultations.questionnaire_of(consultation)
        request = _Request(
            consultation.id,
            consultation.slug,
            consultations.disclosure_threshold(consultation),
            run.scope,
            list(run.question_ids),
            run.engine,
            dict(run.settings),
            run.report_format,
            run.requested_by,
        )
        answers = themes_data.free_text_answers(consultation, questionnaire, request.question_ids)
        groups = themes_data.respondent_groups(consultation, questionnaire)
    return request, questionnaire, answers, groups


def _find_and_store(run_id: int, progress: JobProgress) -> None:
    from analysis.themes import ThemeOptions, theme_answers

    request, questionnaire, answers, groups = _read(run_id)
    by_id = {q.id: q for q in questionnaire.questions}
    counts = answers["question_id"].value_counts()
    ready = [q for q in request.question_ids if counts.get(q, 0) >= MIN_ANSWERS]
    left_out = [q for q in request.question_ids if q not in ready]
    answers = answers[answers["question_id"].isin(ready)]
    progress(
        f"Read {len(answers):,} answers",
        steps=1 + STEPS_PER_QUESTION * len(left_out),
        steps_total=STEPS_PER_QUESTION * len(request.question_ids) + 2,
    )
    if not ready:
        raise _too_few(request.scope)

    report = theme_answers(
        answers,
        ThemeOptions(**request.settings),  # type: ignore[arg-type]
        question_text={q: by_id[q].text for q in ready},
        progress=lambda message: progress(_readable(message, by_id)),
    )
    report.title = f"Themes in free-text answers: {questionnaire.title}"
    report.groups = groups
    report.notes += [
        f"Question {by_id[q].number} is left out: {counts.get(q, 0)} submitted answers, "
        f"fewer than {MIN_ANSWERS}."
        for q in left_out
    ]
    body = report_bytes(report, request.report_format, request.threshold)
    scope = (
        f"question {by_id[ready[0]].number}"
        if request.scope != "all"
        else f"{len(ready)} free-text questions"
    )

    # The result, in one short write transaction (committed by the runner).
    consultation = db.session.get(Consultation, request.consultation_id)
    assert consultation is not None
    for question_id in ready:
        theme_sets.save_machine_themes(
            consultation,
            question_id,
            report.themes[report.themes["question_id"] == question_id],
            report.assignments[report.assignments["question_id"] == question_id],
            engine=request.engine,
            settings=request.settings,
        )
    jobs.finish(ThemeRun, run_id, f"Themes found for {scope}", report=body)
    audit.record("found themes", request.requested_by, f"{request.slug}: themes of {scope} (run {run_id})")


def _too_few(scope: str) -> JobError:
    if scope == "all":
        return JobError(
            f"no free-text question has enough submitted answers: each needs at least {MIN_ANSWERS}"
        )
    return JobError(f"too few submitted answers: at least {MIN_ANSWERS} are needed")


def _readable(message: str, by_id: dict) -> str:  # type: ignore[type-arg]
    """ "q3: grouping into themes" as "Question 3: grouping into themes"."""
    question_id, _, rest = message.partition(": ")
    question = by_id.get(question_id)
    return f"Question {question.number}: {rest}" if question is not None else message
