"""Disclosure control for the published theme report: every number it prints is a cell.

Per free-text question the report publishes: the answers given, the blank ones ("no
comment"), the base (answers themed), each theme's count and its share of the base, each
theme's positive / neutral / negative shares (of its answers), the campaigns' sizes and the
answers in campaigns, and a row of totals over all questions. A share printed beside its
base *is* a count (84 answers × 1.2% = 1), so shares are never published where the count
they imply is hidden. A reader knows:

- answers = blank + drafts + answers themed (drafts, never themed, are taken as known);
- the themes' counts (the "Other" row included) add up to the base plus the answers that
  raise more than one theme: that excess is not printed, but is taken as known, which only
  errs on the safe side;
- each theme's sentiment counts add up to its answers (its count, or with campaigns counted
  once, its answers taken as known);
- the campaigns' sizes add up to the answers in campaigns; the totals row adds up the
  questions.

All of it goes to the same engine as the counts (`analysis.counts.disclosure.protect_cells`):
every figure from 1 to threshold - 1 is hidden (and the zeros of a theme of 1 to
threshold - 1 answers), and further figures so that none hidden can be narrowed below half
the threshold. A theme whose count is hidden has no share, no sentiment, no bar and no quote.

The XLSX and JSON files are working files with one row per answer (from which any count can
be worked out) and are not for publication; they too carry no quote from a hidden theme
(`publishable_themes`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from analysis.counts.disclosure import DEFAULT_THRESHOLD
from analysis.themes.by_group import (
    hidden_group_figures,
    link_report_groups,
    protect_theme_tables,
    report_group_counts,
)
from analysis.themes.linked_cells import LinkedCells

if TYPE_CHECKING:
    import pandas as pd

    from analysis.themes.model import ThemeReport

__all__ = [
    "DEFAULT_THRESHOLD",
    "LinkedCells",
    "ThemeFigures",
    "protect_counts",
    "protect_theme_counts",
    "protect_theme_report",
    "publishable_themes",
]

SENTIMENTS = ("positive", "neutral", "negative")
SUMMARY = ("answers", "no_answer", "base", "campaign_answers")


def protect_counts(counts: np.ndarray, threshold: int) -> tuple[np.ndarray, np.ndarray]:
    """(suppressed, primary) masks for counts published beside their total.

    Primary: below `threshold`. Secondary: the smallest published counts (earliest first
    among equals) until at least two are hidden and the hidden ones add up to more than
    zero, or nothing is left to hide. For a short table linked to nothing but its total.
    """
    counts = np.asarray(counts, dtype=np.int64)
    primary = counts < threshold
    suppressed = primary.copy()
    if not primary.any():
        return suppressed, primary
    while suppressed.sum() < 2 or counts[suppressed].sum() == 0:
        candidates = np.flatnonzero(~suppressed & (counts > 0))
        if candidates.size == 0:
            break
        suppressed[candidates[np.argmin(counts[candidates])]] = True
    return suppressed, primary


@dataclass
class ThemeFigures:
    """What the theme report may print.

    `questions`: the report's questions table with `<name>_hidden` for each of `SUMMARY`.
    `totals_hidden`: each `SUMMARY` total over all questions, hidden or not.
    `themes`: the themes table with `suppressed` (the count, hence share, sentiment and
    quotes), `suppression`, `quotable`, `share_hidden`, `<sentiment>_hidden` and
    `<sentiment>_count`; a hidden theme's quotes are emptied. `campaigns`: with `hidden`.
    """

    questions: pd.DataFrame
    totals_hidden: dict[str, bool]
    themes: pd.DataFrame
    campaigns: pd.DataFrame
    # Answers raising each theme by group (`analysis.themes.by_group`), with `count_hidden`,
    # `base_hidden` and `suppression`; None where the report has no respondents' groups.
    by_group: pd.DataFrame | None = None
    # Questions whose figures are not updated (too few answers changed): the earlier release.
    not_updated: dict[str, int] = field(default_factory=dict)


def _sentiment_counts(report: ThemeReport) -> dict[str, dict[str, int]]:
    """theme id → {sentiment: answers}, from the report's assignments."""
    assignments = report.assignments
    if assignments.empty:
        return {}
    table = assignments.groupby(["theme_id", "sentiment"]).size()
    out: dict[str, dict[str, int]] = {}
    for (theme_id, sentiment), n in table.items():
        out.setdefault(str(theme_id), {})[str(sentiment)] = int(n)
    return out


def protect_theme_report(
    report: ThemeReport,
    threshold: int | None = DEFAULT_THRESHOLD,
    history: dict[str, Any] | None = None,
) -> ThemeFigures:
    """Everything the report prints, protected as one family (`threshold` None: nothing
    hidden), and with `history` ({question: `analysis.themes.releases.QuestionHistory`})
    together with earlier theme releases."""
    history = history or {}
    held = {q: h.release for q, h in history.items() if threshold is not None and h.not_updated(threshold)}
    key_cell: dict[tuple[str, str], int] = {}
    questions = report.questions.copy()
    themes = report.themes.copy()
    campaigns = report.campaigns.copy() if not report.campaigns.empty else report.campaigns
    n_themes = len(themes)
    cells = LinkedCells()
    small_groups: list[tuple[int, list[int]]] = []
    once = report.options.campaigns == "once"
    sentiment = _sentiment_counts(report)
    summary_cell: dict[tuple[int, str], int] = {}
    theme_cell: dict[int, dict[str, int]] = {}
    campaign_cell: dict[int, int] = {}
    by_group = report_group_counts(report, threshold)
    linked_groups = []
    for qi, q in enumerate(questions.itertuples(index=False)):
        get = {name: int(getattr(q, name)) for name in (*SUMMARY, "drafts")}
        shown = q.question_id not in held
        for name in SUMMARY:
            summary_cell[(qi, name)] = cells.cell(get[name], shown=shown)
            key_cell[(q.question_id, name)] = summary_cell[(qi, name)]
        drafts = cells.cell(get["drafts"], known=True)
        themed = get["answers"] - get["no_answer"] - get["drafts"]
        themed_cell = cells.cell(themed, shown=False)
        cells.equation(
            [summary_cell[(qi, "answers")]], [summary_cell[(qi, "no_answer")], drafts, themed_cell]
        )
        # With campaigns counted once, the base counts each campaign as one: the difference is known.
        merged = cells.cell(themed - get["base"], known=True)
        cells.equation([themed_cell], [summary_cell[(qi, "base")], merged])
        mine = [i for i in range(n_themes) if themes.iloc[i]["question_id"] == q.question_id]
        counts = []
        theme_total: dict[object, int] = {}
        for i in mine:
            row = themes.iloc[i]
            count = cells.cell(int(row["count"]), shown=shown)
            counts.append(count)
            split = sentiment.get(str(row["theme_id"]), {})
            answers = sum(split.values())
            total = cells.cell(answers, known=True) if once else count
            theme_total[row["theme_id"]] = total
            parts = {s: cells.cell(split.get(s, 0), shown=shown) for s in SENTIMENTS}
            key_cell[(q.question_id, f"theme|{row['label']}|count")] = count
            for s, cell in parts.items():
                key_cell[(q.question_id, f"theme|{row['label']}|{s}")] = cell
            cells.equation(list(parts.values()), [total])
            small_groups.append((count, list(parts.values())))
            theme_cell[i] = {"count": count, **parts}
        if counts:
            excess = sum(cells.values[c] for c in counts) - get["base"]
            extra = cells.cell(excess, known=True) if excess >= 0 else None
            if extra is not None:
                cells.equation(counts, [summary_cell[(qi, "base")], extra])
        if by_group is not None:
            linked = link_report_groups(
                cells, by_group, q.question_id, themes, theme_total, themed_cell, shown=shown
            )
            linked_groups.append(linked)
            for key, cell in linked.keys.items():
                key_cell[(q.question_id, key)] = cell
            small_groups += linked_groups[-1].small_groups
        if len(campaigns):
            sizes = [j for j in range(len(campaigns)) if campaigns.iloc[j]["question_id"] == q.question_id]
            for j in sizes:
                campaign_cell[j] = cells.cell(int(campaigns.iloc[j]["size"]), shown=shown)
            if sizes:
                cells.equation([campaign_cell[j] for j in sizes], [summary_cell[(qi, "campaign_answers")]])
    totals = {}
    for name in SUMMARY:
        parts = [summary_cell[(qi, name)] for qi in range(len(questions))]
        totals[name] = cells.cell(sum(cells.values[c] for c in parts))
        cells.equation(parts, [totals[name]])
    forced, public = _against_history(history, held, key_cell, cells.values, threshold)
    hidden = (
        cells.protect(threshold, small_groups, forced, public)
        if threshold is not None
        else np.zeros(len(cells.values), bool)
    )
    shown_mask = np.asarray(cells.shown, dtype=bool)
    hidden |= ~shown_mask  # a question not updated prints none of its new figures
    for name in SUMMARY:
        questions[f"{name}_hidden"] = [bool(hidden[summary_cell[(qi, name)]]) for qi in range(len(questions))]
    base_hidden = dict(zip(questions["question_id"], questions["base_hidden"], strict=True))
    suppressed = [bool(hidden[theme_cell[i]["count"]]) for i in range(n_themes)]
    themes["suppressed"] = suppressed
    small = [threshold is not None and 0 < int(c) < threshold for c in themes["count"]] if n_themes else []
    themes["suppression"] = [
        "primary" if s else ("secondary" if h else "") for s, h in zip(small, suppressed, strict=True)
    ]
    themes["share_hidden"] = [
        suppressed[i] or bool(base_hidden.get(themes.iloc[i]["question_id"], False)) for i in range(n_themes)
    ]
    for s in SENTIMENTS:
        themes[f"{s}_hidden"] = [suppressed[i] or bool(hidden[theme_cell[i][s]]) for i in range(n_themes)]
        themes[f"{s}_count"] = [cells.values[theme_cell[i][s]] for i in range(n_themes)]
    themes["quotable"] = [not s for s in suppressed]
    if "quotes" in themes.columns:
        themes["quotes"] = [
            list(q) if ok else [] for q, ok in zip(themes["quotes"], themes["quotable"], strict=True)
        ]
    if len(campaigns):
        campaigns = campaigns.assign(hidden=[bool(hidden[campaign_cell[j]]) for j in range(len(campaigns))])
    if by_group is not None:
        by_group = hidden_group_figures(by_group, linked_groups, hidden, threshold)
    return ThemeFigures(
        questions,
        {name: bool(hidden[totals[name]]) for name in SUMMARY},
        themes,
        campaigns,
        by_group,
        held,
    )


def _against_history(
    history: dict[str, Any],
    held: dict[str, int],
    key_cell: dict[tuple[str, str], int],
    values: list[int],
    threshold: int | None,
) -> tuple[set[int], set[int]]:
    """(cells to hide, cells printed before and so printed again) against earlier releases:
    hidden before stays hidden; a change of 1 to threshold - 1 since is hidden; with the
    answers unchanged, the same value printed before is printed again."""
    forced: set[int] = set()
    public: set[int] = set()
    if threshold is None:
        return forced, public
    for (question_id, key), cell in key_cell.items():
        past = history.get(question_id)
        if past is None or question_id in held or key not in past.figures:
            continue
        before = past.figures[key]
        if before is None:
            forced.add(cell)
        elif past.unchanged and before == values[cell]:
            public.add(cell)
        elif 0 < abs(values[cell] - before) < threshold:
            forced.add(cell)
    return forced, public


def protect_theme_counts(
    themes: pd.DataFrame, threshold: int = DEFAULT_THRESHOLD, bases: dict[str, int] | None = None
) -> pd.DataFrame:
    """`themes` (rows with `question_id` and `count`) with `suppressed` and `suppression`.

    Each question's counts are protected beside its base (`bases`; by default their sum),
    the answers raising more than one theme taken as known. `suppression` is "primary"
    (from 1 to `threshold` - 1), "secondary" (hidden so that no primary one can be narrowed
    below half the threshold) or "". Rows keep their order.
    """
    if "theme_id" not in themes.columns:
        themes = themes.assign(theme_id=range(len(themes)))
        return protect_theme_tables(themes, None, threshold, bases)[0].drop(columns="theme_id")
    return protect_theme_tables(themes, None, threshold, bases)[0]


def publishable_themes(themes: pd.DataFrame, threshold: int | None = DEFAULT_THRESHOLD) -> pd.DataFrame:
    """`themes` with `suppressed`, `suppression` and `quotable`, and no quotes where hidden.

    A theme may be shown (count, share, sentiment) and quoted only if `quotable` is true:
    its count is published. A hidden theme's `quotes` are emptied, so no report can print
    an answer from a group that small. `threshold` None turns suppression off (for
    working files not for publication): everything is quotable.
    """
    if threshold is None:
        out = themes.assign(suppressed=False, suppression="")
    else:
        out = protect_theme_counts(themes, threshold)
    out["quotable"] = ~out["suppressed"].to_numpy(dtype=bool)
    if "quotes" in out.columns:
        out["quotes"] = [list(q) if ok else [] for q, ok in zip(out["quotes"], out["quotable"], strict=True)]
    return out
