"""An attacker's view of a suppressed question: what can be worked out from what is published.

Independent of the code under test: it sets up every published equation (row totals = each
segment's number who answered, column totals = the overall row, the overall row's total)
and, by linear programming, finds the least and greatest value each hidden cell could take
given non-negative counts. A hidden cell whose least and greatest values are equal has been
recovered.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog


def feasible_ranges(
    overall: np.ndarray, overall_hidden: np.ndarray, tables: list[np.ndarray], hidden: list[np.ndarray]
) -> list[tuple[str, float, float, int]]:
    """(cell name, least, greatest, true value) for every hidden cell."""
    names: list[str] = []
    truth: list[int] = []
    index: dict[tuple, int] = {}

    def var(key: tuple, value: int) -> None:
        index[key] = len(names)
        names.append(repr(key))
        truth.append(int(value))

    for j in np.flatnonzero(overall_hidden):
        var(("all", int(j)), overall[j])
    for t, (table, mask) in enumerate(zip(tables, hidden, strict=True)):
        for i, j in zip(*np.nonzero(mask), strict=True):
            var((t, int(i), int(j)), table[i, j])
    n = len(names)
    rows, rhs = [], []

    def equation(terms: list[tuple[tuple, int, int, bool]], total: int) -> None:
        """sum(coef * cell) = total, published cells moved to the right-hand side."""
        row = np.zeros(n)
        right = total
        for key, coef, value, is_hidden in terms:
            if is_hidden:
                row[index[key]] += coef
            else:
                right -= coef * value
        if row.any():
            rows.append(row)
            rhs.append(right)

    top = [(("all", j), 1, overall[j], overall_hidden[j]) for j in range(len(overall))]
    equation(top, int(overall.sum()))
    for t, (table, mask) in enumerate(zip(tables, hidden, strict=True)):
        for i in range(table.shape[0]):
            row = [((t, i, j), 1, table[i, j], mask[i, j]) for j in range(table.shape[1])]
            equation(row, int(table[i].sum()))
        for j in range(table.shape[1]):
            terms = [((t, i, j), 1, table[i, j], mask[i, j]) for i in range(table.shape[0])]
            terms.append((("all", j), -1, overall[j], overall_hidden[j]))
            equation(terms, 0)
    if n == 0:
        return []
    a_eq = np.array(rows) if rows else None
    b_eq = np.array(rhs) if rows else None
    out = []
    for k in range(n):
        c = np.zeros(n)
        c[k] = 1
        low = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        high = linprog(-c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        assert low.status == 0 and high.status in (0, 3), (low.message, high.message)
        greatest = float("inf") if high.status == 3 else -high.fun
        out.append((names[k], low.fun, greatest, truth[k]))
    return out


def recovered_cells(
    overall: np.ndarray, overall_hidden: np.ndarray, tables: list[np.ndarray], hidden: list[np.ndarray]
) -> list[tuple[str, int]]:
    """Hidden cells whose value the published figures pin down exactly."""
    return [
        (name, value)
        for name, least, greatest, value in feasible_ranges(overall, overall_hidden, tables, hidden)
        if greatest - least < 0.5
    ]
