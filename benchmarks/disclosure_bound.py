"""Lower bounds on the figures of 10 or more any suppression must hide (for the loss benchmark).

`hidden_large_bound`: a hidden figure alone in one of the relations a reader knows (options
add up to answered, segments to the overall figure, ...) is given away by it. So in every
relation holding a hidden figure, at least two must be hidden. Whatever else protection
needs, a pattern hiding every sensitive figure and no always-published one must at least
satisfy that, and the fewest figures of 10 or more such a pattern can hide (a small
mixed-integer programme) bounds from below what any method can reach under the same rules.

`hidden_large_bound_moves`: stronger. Every hidden figure must be able to fall some way and
rise some way (half the threshold in all, never below zero), and each relation taken alone
must allow it (the model `analysis.counts.cell_search.relation_pattern` starts from, solved
here to the end for the count of large figures).
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


def hidden_large_bound_moves(
    result: CountsResult, threshold: int, *, time_limit: float = 600.0
) -> tuple[int, int, str]:
    """A stronger floor: every hidden figure (sensitive or not) must be able to rise by some
    amount and fall by some other, adding up to half the threshold; and each relation a
    reader knows, taken alone, must let it: a rise of a figure is balanced in each relation
    holding it only by figures on the same side falling (each at most its value) or on the
    other side rising. Every safe pattern satisfies these, so the fewest figures of
    `threshold` or more such a pattern hides is a floor for any method under the same rules.

    Returns (the proven floor, the best pattern's count found, HiGHS's status message). The
    floor is the solver's dual bound rounded up: exact when the programme is solved."""
    import math

    import numpy as np
    from scipy import sparse
    from scipy.optimize import Bounds, LinearConstraint, milp

    from analysis.counts.family import family_equations, loose_sizes, primary_cells

    detail = result.detail
    values, matrix, fixed, index = family_equations(detail, result.questionnaire)
    primary = primary_cells(detail, values, index, threshold)
    fixed &= ~loose_sizes(primary, fixed, index)
    matrix = sparse.csr_matrix(matrix)
    n = len(values)
    step = threshold / 2
    # Variables: z (hidden, binary), u (rise), d (fall), each per cell.
    z, u, d = 0, n, 2 * n
    cap = np.minimum(values.astype(float), step)  # how far a cell can fall, as far as one step needs
    rows, cols, coefs, lower, upper = [], [], [], [], []
    k = 0

    def add(terms: list[tuple[int, float]], lo: float, hi: float) -> None:
        nonlocal k
        for col, coef in terms:
            rows.append(k)
            cols.append(col)
            coefs.append(coef)
        lower.append(lo)
        upper.append(hi)
        k += 1

    for i in range(n):
        add([(u + i, 1.0), (d + i, 1.0), (z + i, -step)], 0.0, np.inf)  # rise + fall >= step if hidden
        add([(u + i, 1.0), (z + i, -step)], -np.inf, 0.0)  # moves only if hidden
        add([(d + i, 1.0), (z + i, -cap[i])], -np.inf, 0.0)  # never below zero
    for r in range(matrix.shape[0]):
        lo_, hi_ = matrix.indptr[r], matrix.indptr[r + 1]
        cells, signs = matrix.indices[lo_:hi_], np.sign(matrix.data[lo_:hi_])
        for cell, sign in zip(cells, signs, strict=True):
            same = [int(c) for c, s in zip(cells, signs, strict=True) if c != cell and s == sign]
            other = [int(c) for c, s in zip(cells, signs, strict=True) if s != sign]
            # Its rise: others on its side fall, or on the other side rise (by a step at most).
            add(
                [(u + int(cell), 1.0)] + [(z + c, -cap[c]) for c in same] + [(z + c, -step) for c in other],
                -np.inf,
                0.0,
            )
            # Its fall: others on its side rise, or on the other side fall.
            add(
                [(d + int(cell), 1.0)] + [(z + c, -step) for c in same] + [(z + c, -cap[c]) for c in other],
                -np.inf,
                0.0,
            )
    constraints = sparse.csr_matrix((coefs, (rows, cols)), shape=(k, 3 * n))
    low = np.r_[np.where(primary & ~fixed, 1.0, 0.0), np.zeros(2 * n)]
    high = np.r_[np.where(fixed, 0.0, 1.0), np.full(n, step), cap]
    cost = np.r_[np.where(values >= threshold, 1.0, 1e-3), np.zeros(2 * n)]
    assert (values < threshold).sum() * 1e-3 < 1
    found = milp(
        cost,
        integrality=np.r_[np.ones(n), np.zeros(2 * n)],
        bounds=Bounds(low, high),
        constraints=[LinearConstraint(constraints, lower, upper)],
        options={"time_limit": time_limit},
    )
    if found.x is None:
        raise RuntimeError(f"no pattern found: {found.message}")
    best = int(((found.x[:n] > 0.5) & (values >= threshold)).sum())
    dual = getattr(found, "mip_dual_bound", None)
    # The small figures' cost, 1e-3 each, adds up to less than one large figure's.
    floor = best if found.status == 0 else math.ceil((dual if dual is not None else 0.0) - 1.0 + 1e-9)
    return floor, best, found.message
