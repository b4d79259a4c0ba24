"""Theme counts by group: how many answers from each role, type of organisation and region
raised each theme, protected together with the theme counts they break down.

`theme_counts_by_group` counts; `protect_theme_tables` hides what must not be published.
Groups are the segments of the single-choice counts (`analysis.counts.counting.segment_codes`):
with `merge_below` (the threshold), segments with fewer answers to the question than that
are merged into the breakdown's "Smaller …, combined" group. The protection is the theme
report's family of linked cells (`LinkedCells`, solved by `analysis.counts.disclosure`):
a group's count of a theme is a cell, the groups of a breakdown add up to the theme's
count, the groups' bases add up to the question's, and a group's themes add up to its base
plus the answers raising more than one theme (taken as known, which only errs on the safe
side). So no count from 1 to threshold - 1 is published, the zeros of a group of 1 to
threshold - 1 answers are hidden too, and further figures are hidden so that none hidden
can be narrowed below half the threshold from everything published with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from analysis.counts.counting import segment_codes, segment_members
from analysis.counts.disclosure import DEFAULT_THRESHOLD
from analysis.themes.linked_cells import LinkedCells
from analysis.themes.model import ThemesError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from analysis.themes.model import ThemeReport
__all__ = [
    "BY_GROUP_COLUMNS",
    "GROUP_BREAKDOWNS",
    "GroupCells",
    "group_key",
    "group_table",
    "hidden_group_figures",
    "link_group_cells",
    "link_report_groups",
    "protect_theme_tables",
    "report_group_counts",
    "theme_counts_by_group",
]

#: The breakdowns theme counts are shown by: the ones the Board paper compares groups on.
GROUP_BREAKDOWNS = ("role", "organisation_type", "region")
#: The columns of `theme_counts_by_group`'s result, in order.
BY_GROUP_COLUMNS = ("question_id", "segment_by", "segment", "members", "theme_id", "count", "base")


def theme_counts_by_group(
    assignments: pd.DataFrame,
    *,
    breakdowns: Sequence[str] = GROUP_BREAKDOWNS,
    merge_below: int | None = None,
) -> pd.DataFrame:
    """Answers raising each theme, by group, for every question in `assignments`.

    `assignments`: one row per answer and theme it raises, columns `response_id`,
    `question_id`, `theme_id` (missing for an answer in no theme: it counts in its group's
    base only) and each column of `breakdowns` (categorical, in the questionnaire's
    order; missing = not stated). An answer's group columns must be the same on all its rows.

    Returns `BY_GROUP_COLUMNS`: per question (in order of first appearance), breakdown and
    group (the categories in order, "Not stated", then the combined group), a row per theme
    in order of first appearance: `count` (answers of the group raising the theme; 0 if
    none), `base` (answers of the group to the question), `members` (the categories the
    group holds). Groups nobody answering the question is in are not listed. With
    `merge_below`, smaller groups are merged (see `segment_codes`); `frame.attrs["merged"]`
    maps (question, breakdown) to the categories merged.
    """
    import numpy as np
    import pandas as pd

    needed = ["response_id", "question_id", "theme_id", *breakdowns]
    if missing := [c for c in needed if c not in assignments.columns]:
        raise ThemesError(f"theme counts by group need the columns {', '.join(missing)}")
    pieces: list[pd.DataFrame] = []
    merged_all: dict[tuple[str, str], tuple[str, ...]] = {}
    for question_id, rows in assignments.groupby("question_id", sort=False):
        answers = rows.drop_duplicates("response_id").reset_index(drop=True)
        if len(answers) != len(rows[list(("response_id", *breakdowns))].drop_duplicates()):
            raise ThemesError(f"{question_id}: an answer has different groups on different rows")
        themes = list(dict.fromkeys(rows["theme_id"].dropna().tolist()))
        theme_code = pd.Categorical(rows["theme_id"], categories=themes).codes.astype(np.int64)
        position = pd.Series(np.arange(len(answers)), index=answers["response_id"])
        answer_of_row = position.reindex(rows["response_id"]).to_numpy()
        for by in breakdowns:
            column = answers[by]
            frame = (
                answers[[by]]
                if isinstance(column.dtype, pd.CategoricalDtype)
                else answers[[by]].astype("category")
            )
            codes, labels, merged = segment_codes(frame, by, merge_below)
            merged_all[(str(question_id), by)] = merged
            members = segment_members(labels, merged)
            base = np.bincount(codes, minlength=len(labels))
            themed = theme_code >= 0
            grid = np.bincount(
                codes[answer_of_row[themed]] * len(themes) + theme_code[themed],
                minlength=len(labels) * len(themes),
            ).reshape(len(labels), len(themes))
            listed = [s for s in range(len(labels)) if base[s] > 0]
            pieces.append(
                pd.DataFrame(
                    {
                        "question_id": str(question_id),
                        "segment_by": by,
                        "segment": np.repeat([labels[s] for s in listed], len(themes)).tolist(),
                        "members": [members[labels[s]] for s in listed for _ in themes],
                        "theme_id": themes * len(listed),
                        "count": grid[listed].ravel(),
                        "base": np.repeat(base[listed], len(themes)),
                    },
                    columns=list(BY_GROUP_COLUMNS),
                )
            )
    out = (
        pd.concat(pieces, ignore_index=True)
        if pieces
        else pd.DataFrame({c: [] for c in BY_GROUP_COLUMNS}).astype({"count": "int64", "base": "int64"})
    )
    out["count"] = out["count"].astype("int64")
    out["base"] = out["base"].astype("int64")
    out.attrs["merged"] = merged_all
    return out


@dataclass
class GroupCells:
    """Where one question's group figures sit among the linked cells.

    `count`: row of the by-group frame → its cell; `base`: (breakdown, segment) → the
    group's base cell; `small_groups`: (base cell, count cells) for the zeros rule; `keys`:
    each figure's key in the release record (`group_key`) → its cell, where asked for.
    """

    count: dict[int, int] = field(default_factory=dict)
    base: dict[tuple[str, str], int] = field(default_factory=dict)
    small_groups: list[tuple[int, list[int]]] = field(default_factory=list)
    keys: dict[str, int] = field(default_factory=dict)


def link_group_cells(
    cells: LinkedCells,
    rows: pd.DataFrame,
    theme_total: dict[object, int],
    answers_total: int,
    *,
    shown: bool = True,
) -> GroupCells:
    """Write one question's by-group figures (`rows`: its rows of `theme_counts_by_group`'s
    frame, keeping that frame's row numbers as index) into `cells`, tied to the cells of its
    themes' totals (`theme_total`, theme id → cell: the answers raising the theme) and of its
    answers themed (`answers_total`)."""
    out = GroupCells()
    for by, of_breakdown in rows.groupby("segment_by", sort=False):
        part = cells.new_part()
        bases = []
        for segment, group in of_breakdown.groupby("segment", sort=False):
            base = cells.cell(int(group["base"].iloc[0]), shown=shown, part=part)
            out.base[(str(by), str(segment))] = base
            bases.append(base)
            mine = []
            for index, count in zip(group.index, group["count"], strict=True):
                out.count[int(index)] = cells.cell(int(count), shown=shown, part=part)
                mine.append(out.count[int(index)])
            out.small_groups.append((base, mine))
            # The group's themes add up to its base and the answers raising more than one
            # theme (or fall short by those raising none): taken as known.
            excess = sum(cells.values[c] for c in mine) - cells.values[base]
            known = cells.cell(abs(excess), known=True)
            if excess >= 0:
                cells.equation(mine, [base, known])
            else:
                cells.equation([*mine, known], [base])
        cells.equation(bases, [answers_total])
        for theme_id, of_theme in of_breakdown.groupby("theme_id", sort=False):
            cells.equation([out.count[int(i)] for i in of_theme.index], [theme_total[theme_id]])
    return out


def report_group_counts(report: ThemeReport, threshold: int | None) -> pd.DataFrame | None:
    """`theme_counts_by_group` over a report's assignments and `groups` (small groups merged
    below `threshold`), or None where the report has no respondents' groups."""
    if report.groups is None or report.assignments.empty:
        return None
    groups = report.groups[["response_id", *GROUP_BREAKDOWNS]]
    frame = report.assignments[["response_id", "question_id", "theme_id"]].merge(
        groups, on="response_id", how="left", validate="many_to_one"
    )
    return theme_counts_by_group(frame, merge_below=threshold)


def link_report_groups(
    cells: LinkedCells,
    by_group: pd.DataFrame,
    question_id: str,
    themes: pd.DataFrame,
    theme_total: dict[object, int],
    themed_cell: int,
    *,
    shown: bool = True,
) -> GroupCells:
    """One question's by-group figures tied into a theme report's cells (`theme_total`: theme
    id → the cell of the answers raising it; `themed_cell`: answers themed), with `keys`
    filled in for the release record (`group_key`)."""
    rows = by_group[by_group["question_id"] == question_id]
    if rows.empty:
        return GroupCells()
    answers = int(rows.drop_duplicates(["segment_by", "segment"]).groupby("segment_by")["base"].sum().max())
    # Every answer themed is in the groups; a count that differs (drafts themed) is taken as known.
    if cells.values[themed_cell] != answers:
        themed_cell = cells.cell(answers, known=True)
    linked = link_group_cells(cells, rows, theme_total, themed_cell, shown=shown)
    label = dict(zip(themes["theme_id"], themes["label"], strict=True))
    for index, cell in linked.count.items():
        row = rows.loc[index]
        linked.keys[group_key(row, str(label.get(row["theme_id"], row["theme_id"])))] = cell
    for (by, segment), cell in linked.base.items():
        row = rows[(rows["segment_by"] == by) & (rows["segment"] == segment)].iloc[0]
        linked.keys[group_key(row, "base")] = cell
    return linked


def group_key(row: Any, what: str) -> str:
    """A group figure's key in the release record: breakdown, the categories it holds, and
    what it counts (a theme's label, or "base"); compared only with one of the same key."""
    return f"group|{row['segment_by']}|{'+'.join(row['members'])}|{what}"


def protect_theme_tables(
    themes: pd.DataFrame,
    by_group: pd.DataFrame | None,
    threshold: int = DEFAULT_THRESHOLD,
    bases: dict[str, int] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Theme counts and their counts by group, protected as one family.

    `themes`: rows with `question_id`, `theme_id` and `count`; `by_group`: from
    `theme_counts_by_group` over the same answers (its `theme_id`s among the themes'), or
    None. Each question's counts are protected beside its base (`bases`; by default their
    sum), the answers raising more than one theme taken as known.

    Returns `themes` with `suppressed` and `suppression` ("primary": from 1 to `threshold`
    - 1; "secondary": hidden so that no primary one can be narrowed below half the
    threshold; or ""), rows in their order; and `by_group` with `count_hidden`,
    `base_hidden` and `suppression` (of the count), or None.
    """
    import numpy as np

    out = themes.copy()
    if by_group is not None:
        by_group = by_group.reset_index(drop=True)
    cells = LinkedCells()
    index: list[tuple[int, int]] = []
    small_groups: list[tuple[int, list[int]]] = []
    placed: list[tuple[object, GroupCells]] = []
    for question_id, rows in out.groupby("question_id", sort=False).indices.items():
        counts = [cells.cell(int(out["count"].iloc[i])) for i in rows]
        total = sum(cells.values[c] for c in counts)
        base_value = total if bases is None else int(bases[question_id])
        base = cells.cell(base_value)
        extra = cells.cell(max(total - base_value, 0), known=True)
        cells.equation(counts, [base, extra] if total >= base_value else [base])
        index += list(zip(rows, counts, strict=True))
        if by_group is not None:
            mine = by_group[by_group["question_id"] == question_id]
            theme_total = dict(zip(out["theme_id"].iloc[rows], counts, strict=True))
            if not mine.empty:
                linked = link_group_cells(cells, mine, theme_total, base)
                small_groups += linked.small_groups
                placed.append((question_id, linked))
    hidden = cells.protect(threshold, small_groups)
    suppressed = np.zeros(len(out), dtype=bool)
    for row, cell in index:
        suppressed[row] = hidden[cell]
    small = (out["count"].to_numpy() > 0) & (out["count"].to_numpy() < threshold) if len(out) else suppressed
    out["suppressed"] = suppressed
    out["suppression"] = np.where(small, "primary", np.where(suppressed, "secondary", ""))
    if by_group is None:
        return out, None
    return out, hidden_group_figures(by_group, [linked for _, linked in placed], hidden, threshold)


def hidden_group_figures(
    by_group: pd.DataFrame, linked: list[GroupCells], hidden: np.ndarray, threshold: int | None
) -> pd.DataFrame:
    """`by_group` with `count_hidden`, `base_hidden` and `suppression` (of the count:
    "primary", "secondary" or ""), read from the `hidden` mask over the cells `linked` placed
    (rows by position in `by_group`). A figure placed nowhere is hidden."""
    import numpy as np

    groups = by_group.reset_index(drop=True).copy()
    count_hidden = np.ones(len(groups), dtype=bool)
    base_cell: dict[tuple[str, str, str], bool] = {}
    for cells in linked:
        for row, cell in cells.count.items():
            count_hidden[row] = hidden[cell]
    for cells in linked:
        for row in cells.count:
            key = (groups.at[row, "question_id"], groups.at[row, "segment_by"], groups.at[row, "segment"])
            base_cell[key] = bool(hidden[cells.base[key[1:]]])
    keys = zip(groups["question_id"], groups["segment_by"], groups["segment"], strict=True)
    groups["count_hidden"] = count_hidden
    groups["base_hidden"] = [base_cell.get(key, True) for key in keys]
    counts = groups["count"].to_numpy()
    if threshold is None:
        groups["suppression"] = ""
        return groups
    # The zeros of a group of 1 to threshold - 1 answers are as telling as its counts.
    small_group = groups["base"].to_numpy() < threshold
    primary = ((counts > 0) & (counts < threshold)) | ((counts == 0) & small_group)
    groups["suppression"] = np.where(primary, "primary", np.where(count_hidden, "secondary", ""))
    return groups


def group_table(
    themes: pd.DataFrame, groups: pd.DataFrame, question_id: str, segment_by: str, *, base: int | None = None
) -> pd.DataFrame:
    """One question's themes by one breakdown, for people: a row per group, a column per theme.

    `themes` and `groups` as `protect_theme_tables` returns them (`themes` with `label`,
    in display order); `base` is the question's answers themed (printed in the first row,
    "All respondents", beside the themes' counts) or None to leave that row out. Columns:
    "Group", "Answers", then each theme's label; cells "n (p%)" (per cent of the group's
    answers, half up to one place), "n" where the group's answers are hidden, or "[c]".
    Built from the protected figures only, so nothing hidden can show.
    """
    import pandas as pd

    from analysis.counts.rows import ALL_RESPONDENTS
    from analysis.counts.tables import SUPPRESSED_MARK
    from analysis.percentages import percent_text

    mine = themes[themes["question_id"] == question_id]
    rows = groups[(groups["question_id"] == question_id) & (groups["segment_by"] == segment_by)]
    labels = [str(label) for label in mine["label"]]
    ids = list(mine["theme_id"])

    def cell(count: int, hidden: bool, of: int, of_hidden: bool) -> str:
        if hidden:
            return SUPPRESSED_MARK
        if of_hidden or of <= 0:
            return f"{count:,}"
        return f"{count:,} ({percent_text(count, of, 1)}%)"

    out: dict[str, list[str]] = {"Group": [], "Answers": [], **{label: [] for label in labels}}
    if base is not None:
        out["Group"].append(ALL_RESPONDENTS)
        out["Answers"].append(f"{base:,}")
        for label, (_, theme) in zip(labels, mine.iterrows(), strict=True):
            out[label].append(cell(int(theme["count"]), bool(theme["suppressed"]), base, False))
    for segment, group in rows.groupby("segment", sort=False):
        first = group.iloc[0]
        group_base, base_hidden = int(first["base"]), bool(first["base_hidden"])
        out["Group"].append(str(segment))
        out["Answers"].append(SUPPRESSED_MARK if base_hidden else f"{group_base:,}")
        by_theme = group.set_index("theme_id")
        for label, theme_id in zip(labels, ids, strict=True):
            if theme_id in by_theme.index:
                row = by_theme.loc[theme_id]
                out[label].append(cell(int(row["count"]), bool(row["count_hidden"]), group_base, base_hidden))
            else:
                out[label].append(cell(0, base_hidden, group_base, base_hidden))
    return pd.DataFrame(out)
