"""The counts one run publishes, as one family of cells and the equations a reader knows.

For every question, the overall row and every segment of every breakdown publish: a count
per option, "Not answered", the number asked (the base) and the number who answered. A
reader knows that

- the options add up to the number who answered, and that plus "Not answered" to the
  number asked;
- each breakdown's segments (the merged "Other …" group included) add up to the overall
  figure, for every option, "Not answered", asked and answered;
- a follow-up question's number asked in a segment is its parent's count of the answers
  that lead to it, in the same segment;
- a question asked of everyone has the segment's size as its number asked, the same for
  every such question (these sizes are published: small segments are merged, and a merged
  group still below the threshold is protected together with its breakdown's sizes).

`suppress_family` states all of that for `analysis.counts.disclosure.protect_cells` and writes
which figures are hidden back onto the count table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from analysis.counts.disclosure import protect_cells

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from questions import Questionnaire

__all__ = ["family_equations", "loose_sizes", "primary_cells", "suppress_family"]


def _groups(detail: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """Each detail row's group (question, breakdown, segment) number, and one row per group."""
    import numpy as np

    keys = detail[["question_id", "segment_by", "segment"]]
    change = (keys != keys.shift()).any(axis=1).to_numpy()
    group = np.cumsum(change) - 1
    first = detail.loc[change, ["question_id", "segment_by", "segment", "base", "answered"]]
    return group, first.reset_index(drop=True)


def family_equations(
    detail: pd.DataFrame, questionnaire: Questionnaire
) -> tuple[np.ndarray, object, np.ndarray, dict[str, np.ndarray]]:
    """(values, equations, always-published mask, cell index arrays) for the count table.

    `detail` is `count_answers`' table (rows grouped by question, breakdown, segment, each
    group its options then "Not answered"). Cells are numbered: first one per detail row
    (its count), then per group its number asked, then its number answered. The index
    arrays are `count` (per row), `asked` and `answered` (per row, their group's cells),
    and `part` (per cell: which breakdown's table it is in, -1 for the overall rows).
    """
    import numpy as np
    from scipy import sparse

    n_rows = len(detail)
    group, groups = _groups(detail)
    n_groups = len(groups)
    asked_cell = n_rows + np.arange(n_groups)
    answered_cell = n_rows + n_groups + np.arange(n_groups)
    values = np.r_[
        detail["count"].to_numpy(dtype=np.int64),
        groups["base"].to_numpy(dtype=np.int64),
        groups["answered"].to_numpy(dtype=np.int64),
    ]
    rows: list[int] = []
    cols: list[int] = []
    coefs: list[float] = []
    equation = 0

    def add(terms: list[tuple[int, float]]) -> None:
        nonlocal equation
        for cell, coef in terms:
            rows.append(equation)
            cols.append(int(cell))
            coefs.append(coef)
        equation += 1

    is_option = detail["is_option"].to_numpy(dtype=bool)
    option = detail["option"].to_numpy()
    members = np.split(np.arange(n_rows), np.flatnonzero(np.diff(group)) + 1)
    for g, cells in enumerate(members):
        opts = cells[is_option[cells]]
        not_answered = cells[~is_option[cells]]
        add([(c, 1.0) for c in opts] + [(answered_cell[g], -1.0)])
        add([(answered_cell[g], 1.0), *((c, 1.0) for c in not_answered), (asked_cell[g], -1.0)])

    # Where each (question, breakdown, segment) group and option row is.
    where = {
        (q, b, s): g
        for g, (q, b, s) in enumerate(
            groups[["question_id", "segment_by", "segment"]].itertuples(index=False)
        )
    }
    by_question: dict[str, dict[str, list[int]]] = {}
    for g, (q, b) in enumerate(groups[["question_id", "segment_by"]].itertuples(index=False)):
        by_question.setdefault(q, {}).setdefault(b, []).append(g)
    for breakdowns in by_question.values():
        (overall,) = breakdowns["all"]
        for b, segment_groups in breakdowns.items():
            if b == "all":
                continue
            for position in range(len(members[overall])):
                add(
                    [(members[g][position], 1.0) for g in segment_groups]
                    + [(members[overall][position], -1.0)]
                )
            for cells in (asked_cell, answered_cell):
                add([(cells[g], 1.0) for g in segment_groups] + [(cells[overall], -1.0)])

    everyone: dict[tuple[str, str], int] = {}
    fixed = np.zeros(len(values), dtype=bool)
    for g, (q, b, s) in enumerate(groups[["question_id", "segment_by", "segment"]].itertuples(index=False)):
        condition = questionnaire.question(q).shown_if
        if condition is None:
            fixed[asked_cell[g]] = True
            if (b, s) in everyone:
                add([(asked_cell[g], 1.0), (asked_cell[everyone[(b, s)]], -1.0)])
            else:
                everyone[(b, s)] = g
            continue
        parent = where.get((condition.question, b, s))
        if parent is None:
            continue
        chosen = [c for c in members[parent] if option[c] in condition.any_of]
        add([(asked_cell[g], 1.0), *((c, -1.0) for c in chosen)])
    matrix = sparse.csr_matrix((coefs, (rows, cols)), shape=(equation, len(values)))
    # Which breakdown's table each cell is in (-1: the overall rows, which every table shares).
    breakdown_of = {b: k for k, b in enumerate(dict.fromkeys(groups["segment_by"]))}
    group_part = np.array(
        [-1 if b == "all" else breakdown_of[b] for b in groups["segment_by"]], dtype=np.int64
    )
    parts = np.r_[group_part[group], group_part, group_part]
    index = {
        "count": np.arange(n_rows),
        "asked": asked_cell[group],
        "answered": answered_cell[group],
        "part": parts,
    }
    return values, matrix, fixed, index


def suppress_family(
    detail: pd.DataFrame, questionnaire: Questionnaire, *, threshold: int, show_zeros: bool = False
) -> pd.DataFrame:
    """`detail` with which figures to hide, chosen over the whole family at once.

    Adds `suppressed` (the count), `suppression` ("primary", "secondary" or "" for the
    count), `asked_suppressed` and `answered_suppressed` (bool). Primary: any figure from 1
    to `threshold` - 1; also zeros in a group where from 1 to `threshold` - 1 were asked
    (there a zero tells something about a handful of people), unless `show_zeros`. A zero
    elsewhere is published: it is not a count of anybody. Segment sizes are published, but
    where a combined group is still below the threshold: then its breakdown's sizes are
    protected with it (`loose_sizes`).
    """
    import numpy as np

    values, matrix, fixed, index = family_equations(detail, questionnaire)
    primary = primary_cells(detail, values, index, threshold, show_zeros=show_zeros)
    if (primary & fixed & (index["part"] < 0)).any():
        fixed[:] = False  # fewer respondents than the threshold in all: nothing can be published
    # A combined group still below the threshold: its size is sensitive, and so are the
    # sizes of the other segments of its breakdown (they add up with it to the total), so
    # none of them is taken as published; they are protected with everything else.
    fixed &= ~loose_sizes(primary, fixed, index)
    # The overall row is what every reader and every comparison uses: it is hidden only
    # where nothing much cheaper protects a small figure.
    hidden = protect_cells(
        values,
        matrix,
        primary,
        threshold=threshold,
        fixed=fixed,
        parts=index["part"],
        precious=index["part"] < 0,
        relations=True,
    ).hidden
    out = detail.copy()
    out["suppressed"] = hidden[index["count"]]
    out["suppression"] = np.where(
        primary[index["count"]], "primary", np.where(hidden[index["count"]], "secondary", "")
    )
    out["asked_suppressed"] = hidden[index["asked"]]
    out["answered_suppressed"] = hidden[index["answered"]]
    out.attrs["cells"] = {
        "total": len(values),
        "primary": int(primary.sum()),
        "secondary": int((hidden & ~primary).sum()),
        "large": int((values >= threshold).sum()),
        "large_hidden": int((hidden & (values >= threshold)).sum()),
    }
    return out


def primary_cells(
    detail: pd.DataFrame,
    values: np.ndarray,
    index: dict[str, np.ndarray],
    threshold: int,
    *,
    show_zeros: bool = False,
) -> np.ndarray:
    """The sensitive cells of `family_equations`' cells (as `suppress_family` states them)."""
    primary = (values > 0) & (values < threshold)
    asked_values = values[index["asked"]]
    small_group = (asked_values > 0) & (asked_values < threshold)
    if not show_zeros:
        primary[index["count"][small_group & (values[index["count"]] == 0)]] = True
        primary[index["answered"][small_group & (values[index["answered"]] == 0)]] = True
    return primary


def loose_sizes(primary: np.ndarray, fixed: np.ndarray, index: dict[str, np.ndarray]) -> np.ndarray:
    """The size cells no longer taken as published: every segment's of each breakdown that
    has a combined group still below the threshold (its size among `primary & fixed`)."""
    import numpy as np

    asked, part = index["asked"], index["part"]
    loose = np.zeros(len(primary), dtype=bool)
    for p in np.unique(part[primary & fixed]):
        loose[np.unique(asked[part[asked] == p])] = True
    return loose
