"""The theme report as an Excel workbook, every text cell safe from formula injection."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.counts.tables import SUPPRESSED_MARK
from analysis.spreadsheet_safety import neutralise_formula
from analysis.themes.disclosure import DEFAULT_THRESHOLD, ThemeFigures, protect_theme_report
from analysis.themes.group_figures import group_figure_rows
from analysis.themes.model import ThemeReport
from analysis.themes.public_names import needs_name_check

__all__ = ["write_xlsx"]

_FIXED_DATE = dt.datetime(2015, 1, 1)  # workbook metadata fixed so that files do not differ by run time


def _cell(value: Any) -> Any:
    if isinstance(value, list | tuple):
        value = "; ".join(str(v) for v in value)
    if hasattr(value, "item"):
        value = value.item()
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return neutralise_formula(value)


def _sheet(workbook: Any, name: str, frame: pd.DataFrame, widths: dict[str, int], bold: Any) -> None:
    sheet = workbook.add_worksheet(name)
    columns = list(frame.columns)
    for c, column in enumerate(columns):
        sheet.write_string(0, c, str(neutralise_formula(column)), bold)
        sheet.set_column(c, c, widths.get(column, 14))
    for r, row in enumerate(frame.itertuples(index=False), start=1):
        for c, value in enumerate(row):
            cell = _cell(value)
            if isinstance(cell, bool | int | float):
                sheet.write_number(r, c, float(cell) if isinstance(cell, float) else int(cell))
            else:
                sheet.write_string(r, c, str(cell))
    sheet.freeze_panes(1, 0)


def _by_group(figures: ThemeFigures | None) -> pd.DataFrame:
    """The by-group rows for the sheet: a hidden figure printed "[c]", as the counts workbook
    prints it; whether the count is hidden is said in words, never as a number."""
    rows = group_figure_rows(figures)
    for column in ("answers", "count", "percent"):
        rows[column] = [SUPPRESSED_MARK if v is None else v for v in rows[column]]
    rows["suppressed"] = ["yes" if v else "no" for v in rows["suppressed"]]
    return rows


def write_xlsx(
    report: ThemeReport,
    path: Path | str,
    threshold: int | None = DEFAULT_THRESHOLD,
    figures: ThemeFigures | None = None,
) -> None:
    """Write sheets Questions, Themes, Quotes, By group, Assignments and Campaigns to `path`.

    No quote from a theme whose count is hidden at `threshold`; each quote says whether it
    may still name someone (`check_for_names`), for an analyst to read first. "By group"
    holds the themes by role, type of organisation and region as the HTML report prints
    them, "[c]" where hidden. `figures`: the report's protection, if already worked out
    (`protect_theme_report`), so that every file of a run prints the same figures."""
    import xlsxwriter

    if figures is None and not report.themes.empty:
        figures = protect_theme_report(report, threshold)
    shown = figures.themes if figures is not None else report.themes
    quotes = [
        {
            "question_id": t.question_id,
            "theme_id": t.theme_id,
            "label": t.label,
            "quote": q,
            "check_for_names": needs_name_check(q),
        }
        for t in shown.itertuples()
        for q in t.quotes
    ]
    themes = shown.drop(columns=["quotes"])
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    workbook.set_properties({"title": report.title, "created": _FIXED_DATE})
    bold = workbook.add_format({"bold": True})
    _sheet(workbook, "Questions", report.questions, {"question_text": 60}, bold)
    _sheet(workbook, "Themes", themes, {"label": 40, "terms": 50}, bold)
    _sheet(
        workbook,
        "Quotes",
        pd.DataFrame(quotes, columns=["question_id", "theme_id", "label", "quote", "check_for_names"]),
        {"label": 40, "quote": 100},
        bold,
    )
    _sheet(workbook, "By group", _by_group(figures), {"group": 30, "members": 60, "label": 40}, bold)
    _sheet(workbook, "Assignments", report.assignments, {}, bold)
    _sheet(workbook, "Campaigns", report.campaigns, {"text": 100}, bold)
    workbook.close()
