"""Statistical disclosure control for count tables: primary and secondary cell suppression.

The published figures for one question are an overall row (a count per option, with the
number who answered as its total) and, for each `--by`, a cross-tabulation of segments by
options whose row totals (each segment's number who answered) and column totals (the
overall row) are published too. Bases are always published.

*Primary* suppression hides every count below the threshold (zeros too, unless the analyst
opts in to showing them). *Secondary* suppression then hides more cells until no hidden
count below the threshold can be worked out exactly from the published ones, counts being
whole and never negative: each must be able to go up or down while every published figure
stays the same. (Complements, at or above the threshold, need no protection of their own.)

That test is exact and cheap because the tables are networks. Take a cross-tab's rows and
columns as nodes and each hidden cell (i, j) as two arcs: row i → column j (the cell may
rise) and, if its count is positive, column j → row i (it may fall). A cell can rise exactly
when an arc path leads from its column back to its row, and fall when one leads from its
row to its column, not using the cell itself: going round such a cycle raises and lowers
cells alternately and leaves every row and column total as published. Interior cells are
checked with the overall row held fixed, as if an attacker knew it even where it is hidden.
A hidden overall cell j can rise only if some other hidden overall cell k is positive and
*every* cross-tab has a path from column k to column j to carry the change; to fall, the
same with j and k swapped. Complementary cells are the smallest positive published counts
that can close such a cycle; the loop ends when every small hidden cell can move (or
no published cell is left that could help: a table in which only one row has any answers
cannot hide them).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = ["DEFAULT_THRESHOLD", "primary_mask", "protect_question", "suppress_small_cells"]

DEFAULT_THRESHOLD = 10

Node = tuple[str, int]


def primary_mask(counts: np.ndarray, threshold: int, *, suppress_zeros: bool = True) -> np.ndarray:
    """Cells below `threshold` (zeros only if `suppress_zeros`)."""
    small = counts < threshold
    return small if suppress_zeros else small & (counts > 0)


def protect_question(
    overall: np.ndarray,
    crosstabs: Sequence[np.ndarray],
    threshold: int,
    *,
    suppress_zeros: bool = True,
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Suppression masks for one question's overall row and its cross-tabs (segments × options).

    Returns (overall mask, one mask per cross-tab); True = suppressed. Each cross-tab's
    columns must sum to `overall`.
    """
    import numpy as np

    overall = np.asarray(overall, dtype=np.int64)
    tables = [np.asarray(t, dtype=np.int64) for t in crosstabs]
    for table in tables:
        if table.shape[1] != len(overall) or (table.sum(axis=0) != overall).any():
            raise ValueError("each cross-tab's columns must sum to the overall row")
    top = primary_mask(overall, threshold, suppress_zeros=suppress_zeros)
    masks = [primary_mask(t, threshold, suppress_zeros=suppress_zeros) for t in tables]
    while _hide_one_more(overall, top, tables, masks, threshold):
        pass
    return top, masks


def _hide_one_more(
    overall: np.ndarray, top: np.ndarray, tables: list[np.ndarray], masks: list[np.ndarray], threshold: int
) -> bool:
    """Find one small hidden cell that could be worked out and hide a cell to protect it.

    Cells at or above the threshold (complements) need no protection of their own.
    """
    for table, mask in zip(tables, masks, strict=True):
        arcs = _arcs(table, mask)
        for i, j in zip(*mask.nonzero(), strict=True):
            if table[i, j] >= threshold:
                continue
            rise = _path(arcs, ("c", j), ("r", i), skip=(("c", j), ("r", i)))
            fall = table[i, j] > 0 and _path(arcs, ("r", i), ("c", j), skip=(("r", i), ("c", j)))
            if not (rise or fall) and _hide_near(table, mask, int(i), int(j)):
                return True
    all_arcs = [_arcs(table, mask) for table, mask in zip(tables, masks, strict=True)]
    hidden = [int(j) for j in top.nonzero()[0]]
    for j in hidden:
        if overall[j] >= threshold:
            continue
        rise = any(overall[k] > 0 and _carried(all_arcs, k, j) for k in hidden if k != j)
        fall = overall[j] > 0 and any(_carried(all_arcs, j, k) for k in hidden if k != j)
        if rise or fall:
            continue
        partners = [k for k in hidden if k != j and overall[k] > 0]
        if not partners:
            index = _smallest_published(overall, top, exclude=j)
            if index is not None:
                top[index] = True
                return True
            continue
        for k in partners:
            for table, mask, arcs in zip(tables, masks, all_arcs, strict=True):
                if not (_path(arcs, ("c", k), ("c", j)) and _path(arcs, ("c", j), ("c", k))):
                    if _link_columns(table, mask, j, k):
                        return True
    return False


def _arcs(table: np.ndarray, mask: np.ndarray) -> dict[Node, list[Node]]:
    """Arcs row→column for every hidden cell, column→row for every positive one."""
    arcs: dict[Node, list[Node]] = {}
    for i, j in zip(*mask.nonzero(), strict=True):
        arcs.setdefault(("r", int(i)), []).append(("c", int(j)))
        if table[i, j] > 0:
            arcs.setdefault(("c", int(j)), []).append(("r", int(i)))
    return arcs


def _path(
    arcs: dict[Node, list[Node]], start: Node, goal: Node, skip: tuple[Node, Node] | None = None
) -> bool:
    """Whether arcs lead from `start` to `goal`, not using the arc `skip`."""
    seen = {start}
    frontier = [start]
    while frontier:
        node = frontier.pop()
        for nxt in arcs.get(node, ()):
            if (node, nxt) == skip or nxt in seen:
                continue
            if nxt == goal:
                return True
            seen.add(nxt)
            frontier.append(nxt)
    return False


def _carried(all_arcs: list[dict[Node, list[Node]]], source: int, sink: int) -> bool:
    """Whether every cross-tab can move a count from column `source` to column `sink`."""
    return all(_path(arcs, ("c", source), ("c", sink)) for arcs in all_arcs)


def _smallest_published(values: np.ndarray, mask: np.ndarray, exclude: int | None = None) -> int | None:
    """Index of the smallest positive published cell (else the smallest published), or None."""
    import numpy as np

    candidates = ~mask
    if exclude is not None:
        candidates = candidates.copy()
        candidates[exclude] = False
    if not candidates.any():
        return None
    pool = candidates & (values > 0) if (candidates & (values > 0)).any() else candidates
    return int(np.argmin(np.where(pool, values, np.iinfo(np.int64).max)))


def _hide_near(table: np.ndarray, mask: np.ndarray, i: int, j: int) -> bool:
    """Give cell (i, j) a cycle: hide the cheapest rectangle (i, j), (i, j2), (i2, j), (i2, j2).

    Round the rectangle (i, j) rises, (i2, j) falls, (i2, j2) rises and (i, j2) falls, so the
    two falling cells must be positive. The cost is the sum of the cells newly hidden. With
    no such rectangle, hide the smallest published cell in the row, else the column.
    """
    best: tuple[int, int, int] | None = None
    for i2 in range(table.shape[0]):
        if i2 == i or table[i2, j] <= 0:
            continue
        for j2 in range(table.shape[1]):
            if j2 == j or table[i, j2] <= 0:
                continue
            cells = ((i, j2), (i2, j), (i2, j2))
            if all(mask[c] for c in cells):
                continue
            cost = sum(int(table[c]) for c in cells if not mask[c])
            if best is None or cost < best[0]:
                best = (cost, i2, j2)
    if best is not None:
        _, i2, j2 = best
        mask[i, j2] = mask[i2, j] = mask[i2, j2] = True
        return True
    for values, hidden in ((table[i], mask[i]), (table[:, j], mask[:, j])):
        index = _smallest_published(values, hidden)
        if index is not None:
            hidden[index] = True
            return True
    return False


def _link_columns(table: np.ndarray, mask: np.ndarray, j: int, k: int) -> bool:
    """Hide cells (r, j) and (r, k) of the row that best links columns j and k both ways."""
    import numpy as np

    both = (table[:, j] > 0) & (table[:, k] > 0)
    either = (table[:, j] > 0) | (table[:, k] > 0)
    cost = np.where(~mask[:, j], table[:, j], 0) + np.where(~mask[:, k], table[:, k], 0)
    for pool in (both, either):
        pool = pool & ~(mask[:, j] & mask[:, k])
        if pool.any():
            r = int(np.argmin(np.where(pool, cost, np.iinfo(np.int64).max)))
            mask[r, j] = mask[r, k] = True
            return True
    return False


def suppress_small_cells(
    counts: pd.DataFrame, *, threshold: int = DEFAULT_THRESHOLD, suppress_zeros: bool = True
) -> pd.DataFrame:
    """Mark cells to suppress in a tidy count table; return it with `suppressed` and `suppression`.

    `counts` has columns `question_id, segment_by, segment, option, count, is_option`
    (`is_option` false for "not answered" rows, which are not cells of the table: they are
    the difference of two published bases). Overall rows have `segment_by` = "all". Rows of
    one question and one `segment_by` must be in segment-major order with every option for
    every segment. Returns a copy with `suppressed` (bool) and `suppression` ("primary",
    "secondary" or "").
    """
    import numpy as np

    out = counts.copy()
    suppressed = np.zeros(len(out), dtype=bool)
    primary = np.zeros(len(out), dtype=bool)
    is_option = out["is_option"].to_numpy(dtype=bool)
    for _, rows in out.groupby("question_id", sort=False).indices.items():
        rows = rows[is_option[rows]]
        by = out["segment_by"].to_numpy()[rows]
        overall_rows = rows[by == "all"]
        n_options = len(overall_rows)
        overall = out["count"].to_numpy()[overall_rows]
        tables, table_rows = [], []
        for name in dict.fromkeys(by[by != "all"]):
            idx = rows[by == name]
            tables.append(out["count"].to_numpy()[idx].reshape(-1, n_options))
            table_rows.append(idx)
        top, masks = protect_question(overall, tables, threshold, suppress_zeros=suppress_zeros)
        suppressed[overall_rows] = top
        primary[overall_rows] = primary_mask(overall, threshold, suppress_zeros=suppress_zeros)
        for idx, table, mask in zip(table_rows, tables, masks, strict=True):
            suppressed[idx] = mask.ravel()
            primary[idx] = primary_mask(table, threshold, suppress_zeros=suppress_zeros).ravel()
    out["suppressed"] = suppressed
    out["suppression"] = np.where(primary, "primary", np.where(suppressed, "secondary", ""))
    return out
