"""Statistical disclosure control for count tables: primary and secondary cell suppression.

The published figures for one question are an overall row (a count per option, with the
number who answered as its total) and, for each `--by`, a cross-tabulation of segments by
options whose row totals (each segment's number who answered) and column totals (the
overall row) are published too. Bases are always published.

*Primary* suppression hides every count below the threshold (zeros too, unless the analyst
opts in to showing them). *Secondary* suppression then hides more cells until no hidden
value can be worked out from the published ones:

- a line (row or column) with a published total never has exactly one hidden cell;
- the hidden cells of a line are never all zero (else the line total would show they are);
- no hidden cell is a *bridge* in the graph whose nodes are the table's rows and columns
  (the totals row included) and whose edges are the hidden cells. Each row and column
  gives one linear equation, and a cell is determined by them exactly when it is a bridge;
  a cell on a cycle can move up on one side of the cycle and down on the other.

The overall row is shared by every cross-tabulation of a question, so all of them are
protected together, looping until nothing changes. Complementary cells are chosen as the
smallest positive published counts, preferring those that close a cycle.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = ["DEFAULT_THRESHOLD", "primary_mask", "protect_question", "suppress_small_cells"]

DEFAULT_THRESHOLD = 10
_TOTAL = -1  # row index of the overall (totals) row in a cross-tab graph


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
    top = primary_mask(overall, threshold, suppress_zeros=suppress_zeros)
    masks = [primary_mask(t, threshold, suppress_zeros=suppress_zeros) for t in tables]
    changed = True
    while changed:
        changed = _protect_line(overall, top)
        for table, mask in zip(tables, masks, strict=True):
            changed |= _protect_crosstab(table, mask, overall, top)
    return top, masks


def _protect_line(values: np.ndarray, mask: np.ndarray) -> bool:
    """Make one line with a published total safe; True if a cell was hidden.

    `values`/`mask` are views of the line's cells. A line is safe with no hidden cell, or
    with two or more whose values are not all zero.
    """
    if not _line_needs_more(values, mask):
        return False
    index = _smallest_published(values, mask)
    if index is None:
        return False
    mask[index] = True
    return True


def _smallest_published(
    values: np.ndarray, mask: np.ndarray, allowed: np.ndarray | None = None
) -> int | None:
    """Index of the smallest published cell, positive ones first; None if there is none."""
    import numpy as np

    candidates = ~mask if allowed is None else ~mask & allowed
    if not candidates.any():
        return None
    positive = candidates & (values > 0)
    pool = positive if positive.any() else candidates
    order = np.where(pool, values, np.iinfo(np.int64).max)
    return int(np.argmin(order))


def _protect_crosstab(table: np.ndarray, mask: np.ndarray, overall: np.ndarray, top: np.ndarray) -> bool:
    """One pass over a cross-tab's rows, columns and bridges; True if a cell was hidden."""
    changed = False
    for r in range(table.shape[0]):
        changed |= _protect_line(table[r], mask[r])
    for c in range(table.shape[1]):
        # The column's total is the overall cell: published, or hidden and so part of the line.
        if _line_needs_more(_column_with_total(table, overall, c), _column_with_total(mask, top, c)):
            index = _smallest_published(table[:, c], mask[:, c])
            if index is not None:
                mask[index, c] = True
            else:
                top[c] = True
            changed = True
    return changed or _break_bridges(table, mask, overall, top)


def _column_with_total(matrix: np.ndarray, total: np.ndarray, c: int) -> np.ndarray:
    import numpy as np

    return np.append(matrix[:, c], total[c])


def _line_needs_more(values: np.ndarray, mask: np.ndarray) -> bool:
    hidden = int(mask.sum())
    if hidden == 0 or hidden == len(mask):
        return False
    return hidden == 1 or values[mask].sum() == 0 and bool((values[~mask] > 0).any())


def _break_bridges(table: np.ndarray, mask: np.ndarray, overall: np.ndarray, top: np.ndarray) -> bool:
    """Hide one more cell if some hidden cell is a bridge; True if anything changed."""
    edges = [(int(r), int(c)) for r, c in zip(*mask.nonzero(), strict=True)]
    edges += [(_TOTAL, int(c)) for c in top.nonzero()[0]]
    for edge in edges:
        rest = [e for e in edges if e != edge]
        component = _reachable(("r", edge[0]), rest)
        if ("c", edge[1]) in component:
            continue
        r, c = edge
        # Close a cycle: a published cell in the same row whose column is reachable from c
        # without this edge, else any published cell in the row, else in the column.
        from_column = _reachable(("c", c), rest)
        reachable_columns = _as_mask(table.shape[1], [n for kind, n in from_column if kind == "c"])
        row_values, row_mask = (table[r], mask[r]) if r != _TOTAL else (overall, top)
        for allowed in (reachable_columns, None):
            index = _smallest_published(row_values, row_mask, allowed)
            if index is not None:
                row_mask[index] = True
                return True
        index = _smallest_published(table[:, c], mask[:, c])
        if index is not None:
            mask[index, c] = True
            return True
    return False


def _as_mask(size: int, indices: list[int]) -> np.ndarray:
    import numpy as np

    out = np.zeros(size, dtype=bool)
    out[indices] = True
    return out


def _reachable(start: tuple[str, int], edges: list[tuple[int, int]]) -> set[tuple[str, int]]:
    seen = {start}
    frontier = [start]
    while frontier:
        kind, node = frontier.pop()
        for r, c in edges:
            nxt = ("c", c) if kind == "r" and r == node else ("r", r) if kind == "c" and c == node else None
            if nxt is not None and nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    return seen


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
