"""The themes-by-group job: work out a question's protected tables by group and store them.

It runs through `consult.jobs.runner.run_job` under either runner (a thread of the server
or an RQ worker), which claims the job and records its progress and outcome in its row.
The review is read in one snapshot (`database.reading`), together with the digest of what
was read, so the stored tables and their digest always describe the same review; the
protection is worked out with no transaction open; the tables are written in one short
transaction at the end.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import TYPE_CHECKING, Any

from analysis.errors import AnalysisError
from consult import database
from consult.data import consultations, theme_listing
from consult.data import theme_group_tables as prepared
from consult.extensions import db
from consult.jobs.runner import JobError, JobProgress, run_job
from consult.models import Consultation, ThemeGroupTables, ThemeSet

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

# The theme id of the answers in no theme (stored themes have positive ids).
NO_THEME = -1
# How each breakdown is named on the page.
BREAKDOWN_NAMES = {"role": "role", "organisation_type": "type of organisation", "region": "region"}
# Reading the review, protecting the tables, storing them.
STEPS = 3


def run_theme_groups_job(job_id: int) -> None:
    """Work out the tables of job `job_id` (in the app's context: the server's, or `consult worker`'s)."""
    run_job(
        ThemeGroupTables,
        job_id,
        partial(_work_out_and_store, job_id),
        starting="Reading the review",
        failure="The themes by group could not be worked out",
        expected=(AnalysisError,),
        steps_total=STEPS,
    )


def protected_tables(
    question_id: str, assignments: pd.DataFrame, themes: list[tuple[int, str]], threshold: int
) -> dict[str, Any]:
    """A question's themes by role, type of organisation and region, protected as the theme
    report and the Board paper publish them, as the page shows them.

    `assignments`: `consult.data.theme_listing.group_assignments`; `themes`: (id, name) in
    display order. Answers in no theme are a column of their own, as in the Board paper, so
    each group's columns add up to its answers and those raising more than one theme.
    Returns `base` (answers), `threshold` and `tables`: per breakdown its name, `columns`,
    `rows` (cells as text, "[c]" where hidden), `merged_name` and `merged` (the categories
    the combined group holds); no tables below the threshold.
    """
    import pandas as pd

    from analysis.board_report.question_themes import NOT_IN_A_THEME
    from analysis.counts.rows import OTHER_SEGMENT
    from analysis.themes.by_group import (
        GROUP_BREAKDOWNS,
        group_table,
        protect_theme_tables,
        theme_counts_by_group,
    )

    assignments = assignments.copy()
    assignments["theme_id"] = assignments["theme_id"].fillna(NO_THEME)
    counts = assignments.groupby("theme_id").size()
    ids = [i for i, _ in themes] + ([NO_THEME] if NO_THEME in counts.index else [])
    labels = [name for _, name in themes] + [NOT_IN_A_THEME]
    frame = pd.DataFrame(
        {
            "question_id": question_id,
            "theme_id": ids,
            "label": labels[: len(ids)],
            "count": [int(counts.get(i, 0)) for i in ids],
        }
    )
    base = int(assignments["response_id"].nunique())
    tables: list[dict[str, Any]] = []
    if base >= threshold and len(frame):
        by_group = theme_counts_by_group(assignments, merge_below=threshold)
        protected_themes, protected = protect_theme_tables(frame, by_group, threshold, {question_id: base})
        assert protected is not None
        for column in GROUP_BREAKDOWNS:
            table = group_table(protected_themes, protected, question_id, column, base=base)
            tables.append(
                {
                    "breakdown": BREAKDOWN_NAMES[column],
                    "columns": [str(c) for c in table.columns],
                    "rows": table.astype(str).to_numpy().tolist(),
                    "merged_name": OTHER_SEGMENT[column],
                    "merged": list(by_group.attrs["merged"].get((question_id, column), ())),
                }
            )
    return {"base": base, "threshold": threshold, "tables": tables}


def _work_out_and_store(job_id: int, progress: JobProgress) -> None:
    with database.reading():
        job = db.session.get(ThemeGroupTables, job_id)
        assert job is not None
        theme_set = db.session.get(ThemeSet, job.theme_set_id)
        consultation = db.session.get(Consultation, job.consultation_id)
        if theme_set is None or consultation is None:
            raise JobError("the question's themes are gone")
        question_id, theme_set_id = theme_set.question_id, theme_set.id
        questionnaire = consultations.questionnaire_of(consultation)
        threshold = consultations.disclosure_threshold(consultation)
        rows = theme_listing.group_rows(theme_set)
        themes = prepared.theme_names(theme_set)
        inputs = prepared.inputs_digest(rows, themes, threshold)
        assignments = theme_listing.group_assignments(theme_set, questionnaire, rows)
    progress(f"Protecting the tables of {len(assignments.drop_duplicates('response_id')):,} answers")
    tables = protected_tables(question_id, assignments, themes, threshold)
    progress("Storing the tables")
    prepared.finish(job_id, theme_set_id, inputs, tables)
    # the runner commits the tables and the finish together
