"""A question's themes by group (role, type of organisation, region), as the reports publish them.

The counts come from the stored review (`consult.data.theme_listing.group_assignments`)
and are protected as the theme report and the Board paper protect them
(`analysis.themes.by_group`): small groups merged, no figure from 1 to threshold - 1, and
further figures hidden so that none hidden can be worked out. The page sits apart from the
review itself because that protection takes a moment to work out.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, render_template

from analysis.board_report.question_themes import NOT_IN_A_THEME
from analysis.counts.rows import OTHER_SEGMENT
from consult.data import consultations, theme_listing, theme_sets
from consult.officer.blueprint import bp, current_consultation

__all__ = ["GroupTable", "theme_groups"]

# The theme id of the answers in no theme (stored themes have positive ids).
NO_THEME = -1
# How each breakdown is named on the page.
BREAKDOWN_NAMES = {"role": "role", "organisation_type": "type of organisation", "region": "region"}


@dataclass(frozen=True)
class GroupTable:
    """One breakdown's table: its name, header cells and rows of cells, and the merged groups."""

    breakdown: str
    columns: list[str]
    rows: list[list[str]]
    merged_name: str
    merged: tuple[str, ...]


@bp.get("/themes/<question_id>/by-group")
def theme_groups(question_id: str) -> str:
    """Each theme's answers by role, type of organisation and region, protected for publication."""
    import pandas as pd

    from analysis.themes.by_group import (
        GROUP_BREAKDOWNS,
        group_table,
        protect_theme_tables,
        theme_counts_by_group,
    )

    consultation = current_consultation()
    questionnaire = consultations.questionnaire_of(consultation)
    question = next(
        (q for q in questionnaire.questions if q.id == question_id and not q.is_single_choice), None
    )
    theme_set = theme_sets.theme_set_for(consultation, question_id) if question is not None else None
    if question is None or theme_set is None:
        abort(404)
    threshold = consultations.disclosure_threshold(consultation)
    assignments = theme_listing.group_assignments(theme_set, questionnaire)
    listed = theme_listing.theme_counts(theme_set)
    # Answers in no theme are a column of their own, as in the Board paper: each group's
    # columns then add up to its answers and those raising more than one theme.
    assignments["theme_id"] = assignments["theme_id"].fillna(NO_THEME)
    counts = assignments.groupby("theme_id").size()
    ids = [c.theme.id for c in listed] + ([NO_THEME] if NO_THEME in counts.index else [])
    labels = [c.theme.name for c in listed] + [NOT_IN_A_THEME]
    themes = pd.DataFrame(
        {
            "question_id": question_id,
            "theme_id": ids,
            "label": labels[: len(ids)],
            "count": [int(counts.get(i, 0)) for i in ids],
        }
    )
    base = int(assignments["response_id"].nunique())
    tables: list[GroupTable] = []
    if base >= threshold and len(themes):
        by_group = theme_counts_by_group(assignments, merge_below=threshold)
        protected_themes, protected = protect_theme_tables(themes, by_group, threshold, {question_id: base})
        assert protected is not None
        for column in GROUP_BREAKDOWNS:
            table = group_table(protected_themes, protected, question_id, column, base=base)
            tables.append(
                GroupTable(
                    BREAKDOWN_NAMES[column],
                    list(table.columns),
                    table.astype(str).to_numpy().tolist(),
                    OTHER_SEGMENT[column],
                    by_group.attrs["merged"].get((question_id, column), ()),
                )
            )
    return render_template(
        "officer/theme_groups.html",
        ctx={"question": question},
        theme_set=theme_set,
        tables=tables,
        base=base,
        threshold=threshold,
    )
