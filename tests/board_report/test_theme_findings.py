"""Findings about groups on themes: reported only where the test finds a difference."""

from __future__ import annotations

import pandas as pd

from analysis.board_report.group_findings import finding_sentences, theme_comparisons
from analysis.board_report.question_themes import REVIEWED, QuestionThemes
from analysis.findings import compare_groups
from analysis.themes.by_group import protect_theme_tables, theme_counts_by_group
from questions import load_questionnaire

QUESTION = load_questionnaire("taking-stock").question("q3")


def _themes(plan: list[tuple[str, int, int]]) -> QuestionThemes:
    """(role, answers, of which raise "Funding"; the rest raise "Staff")."""
    rows = []
    for role, size, funding in plan:
        rows += [(f"{role}{i}", 1 if i < funding else 2, role) for i in range(size)]
    frame = pd.DataFrame(rows, columns=["response_id", "theme_id", "role"]).assign(question_id="q3")
    frame["role"] = pd.Categorical(frame["role"], categories=[p[0] for p in plan])
    by_group = theme_counts_by_group(frame, breakdowns=("role",), merge_below=10)
    counts = frame.groupby("theme_id").size()
    theme_rows = pd.DataFrame(
        {"question_id": "q3", "theme_id": [1, 2], "name": ["Funding", "Staff"], "count": counts.loc[[1, 2]]}
    ).reset_index(drop=True)
    protected, groups = protect_theme_tables(theme_rows, by_group, 10, {"q3": len(frame)})
    rows_out = protected.drop(columns="question_id").assign(is_other=False)
    return QuestionThemes("q3", REVIEWED, len(frame), len(frame), rows=rows_out, by_group=groups)


def _findings(plan: list[tuple[str, int, int]]) -> pd.DataFrame:
    return compare_groups(theme_comparisons({"q3": _themes(plan)}).assign(kind="theme"), threshold=10)


def test_a_clear_difference_is_reported_naming_the_base() -> None:
    findings = _findings([("Leader", 80, 56), ("Chief executive", 120, 24)])
    sentences = finding_sentences(findings, QUESTION)
    assert sentences[0] == (
        "Leaders raised “Funding” more often than other respondents (70 per cent of the 80 leaders who "
        "answered this question, against 20 per cent of the 120 others who answered it)."
    )


def test_no_difference_and_a_large_but_uncertain_one_are_not_reported() -> None:
    alike = _findings([("Leader", 80, 40), ("Chief executive", 120, 60)])
    assert alike["tested"].any() and not alike["reported"].any()
    assert finding_sentences(alike, QUESTION) == [
        "No role, type of organisation or region raised any of these themes markedly more or less often "
        "than the rest."
    ]
    # 45 against 25 per cent is 20 points, but on 40 and 40 answers it is not significant.
    uncertain = _findings([("Leader", 40, 18), ("Chief executive", 40, 10)])
    assert uncertain["tested"].any() and not uncertain["significant"].any()
    assert not uncertain["reported"].any()
