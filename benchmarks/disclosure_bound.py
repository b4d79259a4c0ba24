"""A lower bound on the figures of 10 or more any suppression must hide (for the loss benchmark).

A hidden figure alone in one of the relations a reader knows (options add up to answered,
segments to the overall figure, …) is given away by it. So in every relation holding a hidden
figure, at least two must be hidden. Whatever else protection needs, a pattern hiding every
sensitive figure and no always-published one must at least satisfy that, and the fewest
figures of 10 or more such a pattern can hide (a small mixed-integer programme) bounds from
below what any method can reach under the same rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from analysis.counts.counting import CountsResult


def hidden_large_bound(result: CountsResult, threshold: int) -> int:
    """The fewest figures of `threshold` or more (counts, asked, answered) that a pattern with
    at least two hidden figures in every relation holding one can hide, for `result`'s family."""
    import numpy as np
    from scipy import sparse
    from scipy.optimize import Bounds, LinearConstraint, milp

    from analysis.counts.family import family_equations, loose_sizes, primary_cells

    detail = result.detail
    values, matrix, fixed, index = family_equations(detail, result.questionnaire)
    primary = primary_cells(detail, values, index, threshold)
    # Segment sizes published unless a combined group below the threshold makes them hidden.
    fixed &= ~loose_sizes(primary, fixed, index)
    matrix = sparse.csr_matrix(matrix)
    rows, cols, coefs = [], [], []
    k = 0
    for r in range(matrix.shape[0]):
        cells = matrix.indices[matrix.indptr[r] : matrix.indptr[r + 1]]
        for cell in cells:  # hidden(cell) <= sum of the others hidden
            for other in cells:
                rows.append(k)
                cols.append(int(other))
                coefs.append(1.0 if other == cell else -1.0)
            k += 1
    two = sparse.csr_matrix((coefs, (rows, cols)), shape=(k, len(values)))
    low = np.where(primary & ~fixed, 1.0, 0.0)
    high = np.where(fixed, 0.0, 1.0)
    # Hiding a small figure or a zero is nearly free here: only large ones are counted.
    cost = np.where(values >= threshold, 1.0, 1e-3)
    assert (values < threshold).sum() * 1e-3 < 1
    found = milp(
        cost,
        integrality=np.ones(len(values)),
        bounds=Bounds(low, high),
        constraints=[LinearConstraint(two, -np.inf, 0.0)],
        options={"time_limit": 300.0},
    )
    if found.status != 0:
        raise RuntimeError(f"no proven bound: {found.message}")
    # The small figures' cost, 1e-3 each, adds up to less than one large figure's.
    return int(((found.x > 0.5) & (values >= threshold)).sum())
