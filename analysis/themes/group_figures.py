"""Themes by group for the working files (XLSX, JSON): the figures the HTML report prints.

The rows come from the report's one protection (`analysis.themes.disclosure.ThemeFigures`,
its `by_group`), the same the HTML report's tables are built from (`group_table`), so a
working file never shows a group figure the report hides, nor one worked out differently.
A hidden figure is None here: the XLSX sheet prints it as "[c]", the JSON file as null,
as the counts files do. The combined groups name the categories they hold.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from analysis.themes.disclosure import ThemeFigures

__all__ = ["GROUP_FIGURE_COLUMNS", "group_figure_rows"]

#: The columns of `group_figure_rows`, in order.
GROUP_FIGURE_COLUMNS = (
    "question_id",
    "breakdown",
    "group",
    "members",
    "answers",
    "theme_id",
    "label",
    "count",
    "percent",
    "suppressed",
    "suppression",
)


def group_figure_rows(figures: ThemeFigures | None) -> pd.DataFrame:
    """One row per question, breakdown, group and theme, as published.

    `answers`: the group's answers to the question; `count`: its answers raising the theme;
    `percent`: `count` as a share of `answers`, half up to one place (as the HTML report
    prints it); each None where hidden (`percent` wherever either figure is). `suppressed`:
    the count is hidden; `suppression`: "primary" (1 to threshold - 1, or the zero of a
    small group), "secondary" or "". `members`: the categories of a combined group (one,
    the group itself, otherwise). No rows without `figures` or where the report has no
    respondents' groups.
    """
    import pandas as pd

    from analysis.percentages import percent_text

    by_group = figures.by_group if figures is not None else None
    if figures is None or by_group is None or by_group.empty:
        return pd.DataFrame({c: [] for c in GROUP_FIGURE_COLUMNS}, dtype=object)
    themes = figures.themes
    label = {
        (q, t): str(name)
        for q, t, name in zip(themes["question_id"], themes["theme_id"], themes["label"], strict=True)
    }
    rows: list[dict[str, Any]] = []
    for g in by_group.to_dict(orient="records"):
        base = None if g["base_hidden"] else int(g["base"])
        count = None if g["count_hidden"] else int(g["count"])
        shown = count is not None and base is not None and base > 0
        percent = float(percent_text(count, base, 1)) if shown else None
        rows.append(
            {
                "question_id": str(g["question_id"]),
                "breakdown": str(g["segment_by"]),
                "group": str(g["segment"]),
                "members": [str(m) for m in g["members"]],
                "answers": base,
                "theme_id": g["theme_id"],
                "label": label.get((g["question_id"], g["theme_id"]), str(g["theme_id"])),
                "count": count,
                "percent": percent,
                "suppressed": bool(g["count_hidden"]),
                "suppression": str(g["suppression"]),
            }
        )
    # Objects, so that a hidden figure stays None and a shown one a whole number.
    return pd.DataFrame(rows, columns=list(GROUP_FIGURE_COLUMNS), dtype=object)
