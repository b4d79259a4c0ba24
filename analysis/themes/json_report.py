"""The theme report as JSON: the same bytes for the same input and options."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from analysis.themes.disclosure import DEFAULT_THRESHOLD, ThemeFigures, protect_theme_report
from analysis.themes.group_figures import GROUP_FIGURE_COLUMNS, group_figure_rows
from analysis.themes.model import THEME_COLUMNS, ThemeReport

__all__ = ["report_dict", "to_json"]

FORMAT_VERSION = 1


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
    if frame.empty:
        return []
    out = []
    for row in frame[columns].itertuples(index=False):
        record = {}
        for name, value in zip(columns, row, strict=True):
            if hasattr(value, "item"):
                value = value.item()
            if isinstance(value, float):
                value = round(value, 4)
            record[name] = list(value) if isinstance(value, tuple) else value
        out.append(record)
    return out


def report_dict(
    report: ThemeReport, threshold: int | None = DEFAULT_THRESHOLD, figures: ThemeFigures | None = None
) -> dict[str, Any]:
    """The report as plain data: questions, themes, by_group, assignments, campaigns, excluded counts.

    Themes carry `suppressed` and `quotable`; a theme whose count is hidden at `threshold`
    has no quotes (see `publishable_themes`). `by_group`: the themes by role, type of
    organisation and region as the HTML report prints them, a hidden figure null
    (`analysis.themes.group_figures`). `figures`: the report's protection, if already worked
    out (`protect_theme_report`), so that every file of a run prints the same figures."""
    if figures is None and not report.themes.empty:
        figures = protect_theme_report(report, threshold)
    themes = figures.themes if figures is not None else report.themes
    excluded = (
        report.excluded.groupby(["question_id", "reason"]).size().reset_index(name="answers")
        if not report.excluded.empty
        else pd.DataFrame(columns=["question_id", "reason", "answers"])
    )
    return {
        "format_version": FORMAT_VERSION,
        "title": report.title,
        "options": report.options.as_dict(),
        "questions": _records(
            report.questions,
            [
                "question_id",
                "question_text",
                "answers",
                "no_answer",
                "drafts",
                "base",
                "themed",
                "other",
                "campaigns",
                "campaign_answers",
            ],
        ),
        "themes": _records(
            themes,
            [*THEME_COLUMNS, *(["suppressed", "quotable"] if "quotable" in themes.columns else [])],
        ),
        "by_group": _records(group_figure_rows(figures), list(GROUP_FIGURE_COLUMNS)),
        "assignments": _records(
            report.assignments, ["response_id", "question_id", "theme_id", "primary", "sentiment"]
        ),
        "campaigns": _records(report.campaigns, ["question_id", "campaign_id", "size", "text", "theme_id"]),
        "excluded": _records(excluded, ["question_id", "reason", "answers"]),
        "notes": list(report.notes),
    }


def to_json(
    report: ThemeReport, threshold: int | None = DEFAULT_THRESHOLD, figures: ThemeFigures | None = None
) -> str:
    """JSON text of `report_dict`, keys in a fixed order, UTF-8 characters kept."""
    data = report_dict(report, threshold, figures)
    for theme in data["themes"]:
        theme["sentiment"] = {k: theme.pop(k) for k in ("positive", "neutral", "negative")}
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"
