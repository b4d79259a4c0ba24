"""Statistical disclosure control: cell suppression over a whole family of linked figures.

Everything one run publishes is treated as one set of *cells* (whole, non-negative numbers)
tied together by linear equations that a reader knows hold: a row of options adds up to
the number who answered, segments add up to the overall figure, a follow-up question's
base equals its parent's count for the triggering answer, and so on. The caller states
those equations; this module decides which cells to hide.

*Primary* cells are the sensitive ones: never published. *Secondary* cells are hidden as
well so that a reader holding every published figure and every equation, and solving the
linear programmes min/max of a hidden cell, cannot narrow any hidden cell to a range
shorter than `threshold / 2` (its *protection*). They are chosen by a mixed-integer
programme (SciPy's `milp`, i.e. HiGHS) in the classic form of cell suppression: for a cell
that is not yet protected, find the cheapest set of extra cells to hide such that a change
of `threshold / 2` to that cell can be balanced by changes to hidden cells alone, keeping
every equation and every cell non-negative. Then the published figures are audited again by
the attacker's LP; hiding more never narrows a range, so a cell once protected stays so,
and the loop ends when every hidden cell passes the audit. The cost of hiding a cell grows
with the log of its value, so small cells and zeros are preferred as complements and large
figures are hidden only when nothing cheaper works.

Cells marked `fixed` are always published (they must not be primary); the equations split
into independent blocks where only fixed cells join them, and each block is solved alone.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from scipy import sparse

__all__ = [
    "DEFAULT_THRESHOLD",
    "Protection",
    "is_small",
    "primary_mask",
    "protect_cells",
    "protection_ranges",
]

#: The disclosure threshold used everywhere unless configured: figures from 1 to 9 are not shown.
DEFAULT_THRESHOLD = 10

_TOLERANCE = 1e-6
# Bounds on each programme's search: the best pattern found by then is used (and still
# audited), so a hard block costs some extra hiding, never a leak. The node limit binds
# first on ordinary exports and, unlike a time limit, gives the same pattern on a busy
# machine as on an idle one; the time limit is only a backstop.
_MIP_NODES = 5
_MIP_SECONDS = 8.0
# A pattern within 5% of the cheapest the search can prove is good enough: asking for the
# last few percent roughly doubles the time and, on realistic exports, hides nothing less.
_MIP_GAP = 0.05
# Primary cells covered per programme: the programme grows with targets × cells, and a few
# targets at a time, sharing what earlier programmes hid, lose little against all at once.
_TARGETS_PER_PROGRAMME = 8


def is_small(value: int, threshold: int = DEFAULT_THRESHOLD, *, zeros: bool = False) -> bool:
    """Whether one published count would disclose too few people: 1 ≤ value < threshold.

    With `zeros`, 0 counts as small too: for figures published with no secondary
    suppression (a live dashboard), where a zero shown beside a hidden count and a total
    would give the hidden count away."""
    return (0 <= value if zeros else 0 < value) and value < threshold


def primary_mask(counts: np.ndarray, threshold: int, *, suppress_zeros: bool = False) -> np.ndarray:
    """Cells below `threshold` and above zero (zeros too if `suppress_zeros`)."""
    import numpy as np

    counts = np.asarray(counts)
    small = counts < threshold
    return small if suppress_zeros else small & (counts > 0)


@dataclass(frozen=True)
class Protection:
    """Which cells to hide: `hidden` (all) and `primary` (the sensitive ones), boolean arrays."""

    hidden: np.ndarray
    primary: np.ndarray

    @property
    def secondary(self) -> np.ndarray:
        return self.hidden & ~self.primary


def _blocks(equations: sparse.csr_matrix, free: np.ndarray) -> list[np.ndarray]:
    """Groups of non-fixed cells joined by equations (through non-fixed cells only)."""
    import numpy as np
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components

    n = equations.shape[1]
    incidence = equations[:, free].astype(bool).astype(np.int8)
    m = incidence.shape[0]
    k = int(free.sum())
    graph = sparse.bmat([[None, incidence.T], [incidence, None]], format="csr") if m else None
    if graph is None or k == 0:
        return [np.array([i]) for i in np.flatnonzero(free)]
    _, labels = connected_components(graph, directed=False)
    index = np.flatnonzero(free)
    cell_labels = labels[:k]
    order = np.argsort(cell_labels, kind="stable")
    splits = np.flatnonzero(np.diff(cell_labels[order])) + 1
    del n
    return [index[group] for group in np.split(order, splits)]


@contextlib.contextmanager
def _solver_output_to_stderr() -> Iterator[None]:
    """Send anything the solver's C++ code prints to stderr, not stdout.

    HiGHS sometimes prints a diagnostic line straight to file descriptor 1 even with its
    display off; `counts` writes CSV to stdout, which that line would corrupt.
    """
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):  # no real stdout (e.g. captured): nothing to protect
        yield
        return
    try:
        os.dup2(2, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


class _Block:
    """One independent block: its cells, the equations touching them, and the published rest."""

    def __init__(self, cells: np.ndarray, equations: sparse.csr_matrix, values: np.ndarray) -> None:
        import numpy as np

        self.cells = cells
        rows = np.unique(equations[:, cells].nonzero()[0])
        self.a = equations[rows][:, cells].tocsc()
        # Everything outside the block on these rows is fixed: its contribution is known.
        outside = equations[rows].dot(values) - self.a.dot(values[cells])
        self.rhs = -np.asarray(outside, dtype=float)
        self.values = values[cells].astype(float)

    def ranges(self, hidden: np.ndarray, which: Sequence[int], *, enough: float | None = None) -> np.ndarray:
        """(least, greatest) of each local cell in `which` over all values consistent with the
        published ones; `hidden` is the local mask. Unbounded greatest is inf. With `enough`,
        a cell that can rise by that much gets its own value as least (not worked out)."""
        import numpy as np
        from scipy.optimize import linprog

        h = np.flatnonzero(hidden)
        position = {int(c): p for p, c in enumerate(h)}
        a_hidden = self.a[:, h]
        rhs = self.rhs - self.a[:, ~hidden].dot(self.values[~hidden])
        keep = np.asarray(abs(a_hidden).sum(axis=1)).ravel() > 0
        a_eq, b_eq = a_hidden[keep], rhs[keep]
        out = np.zeros((len(which), 2))
        for r, cell in enumerate(which):
            c = np.zeros(len(h))
            c[position[int(cell)]] = 1.0
            high = linprog(-c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
            greatest = np.inf if high.status == 3 else -high.fun
            if enough is not None and greatest - self.values[cell] >= enough - _TOLERANCE:
                out[r] = (self.values[cell], greatest)
                continue
            low = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
            out[r] = (low.fun, greatest)
        return out

    def cheapest_cover(
        self,
        targets: Sequence[tuple[int, float]],
        hidden: np.ndarray,
        fixed: np.ndarray,
        cost: np.ndarray,
        movable: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """The cheapest set of local cells to hide so that each (cell, step) in `targets` can
        move by `step` with every equation kept by moves of hidden cells alone, all cells
        staying non-negative: one mixed-integer programme, one set of moves per target,
        the hidden cells shared. With `movable` (local mask, the targets in it), only those
        cells may move: a smaller programme whose answer is still a valid one. Returns
        (cells to hide, how far each cell is shown to move at most, over the targets), or
        None if there is no such set."""
        import numpy as np

        n = len(self.cells)
        sub = np.arange(n) if movable is None else np.flatnonzero(movable)
        where = np.full(n, -1)
        where[sub] = np.arange(len(sub))
        a = self.a[:, sub]
        if movable is not None:
            # Equations touching no movable cell hold whatever the moves: leave them out.
            a = a[np.asarray(abs(a).sum(axis=1)).ravel() > 0]
        local_targets = [(int(where[cell]), step) for cell, step in targets]
        found = _cover(a, self.values[sub], local_targets, hidden[sub], fixed[sub], cost[sub])
        if found is None:
            return None
        extra, moved_sub = found
        moved = np.zeros(n)
        moved[sub] = moved_sub
        return sub[extra], moved


def _cover(
    a: sparse.csc_matrix,
    values: np.ndarray,
    targets: Sequence[tuple[int, float]],
    hidden: np.ndarray,
    fixed: np.ndarray,
    cost: np.ndarray,
) -> tuple[np.ndarray, np.ndarray] | None:
    """`_Block.cheapest_cover` over the cells of `a`'s columns (all of them may move)."""
    import numpy as np
    from scipy import sparse
    from scipy.optimize import Bounds, LinearConstraint, milp

    n = len(values)
    k = len(targets)
    m = a.shape[0]
    for limit in (max(abs(s) for _, s in targets), float(values.sum())):
        lows, highs = [], []
        for cell, step in targets:
            low = np.maximum(-values, -limit)
            high = np.full(n, limit)
            low[fixed], high[fixed] = 0.0, 0.0
            low[cell] = high[cell] = step
            lows.append(low)
            highs.append(high)
        z_low = np.where(hidden, 1.0, 0.0)
        z_high = np.where(fixed, 0.0, 1.0)
        for cell, _ in targets:
            z_low[cell] = z_high[cell] = 1.0
        eye = sparse.identity(n, format="csc")
        moves = sparse.identity(k, format="csc")
        stack = sparse.csc_matrix(np.ones((k, 1)))
        constraints = [
            LinearConstraint(sparse.hstack([sparse.kron(moves, a), sparse.csc_matrix((k * m, n))]), 0, 0),
            LinearConstraint(
                sparse.hstack([sparse.kron(moves, eye), -limit * sparse.kron(stack, eye)]), -np.inf, 0
            ),
            LinearConstraint(
                sparse.hstack([-sparse.kron(moves, eye), -limit * sparse.kron(stack, eye)]), -np.inf, 0
            ),
        ]
        objective = np.r_[np.zeros(k * n), np.where(hidden, 0.0, cost)]
        with _solver_output_to_stderr():
            result = milp(
                objective,
                integrality=np.r_[np.zeros(k * n), np.ones(n)],
                bounds=Bounds(np.r_[*lows, z_low], np.r_[*highs, z_high]),
                constraints=constraints,
                options={"time_limit": _MIP_SECONDS, "node_limit": _MIP_NODES, "mip_rel_gap": _MIP_GAP},
            )
        if result.x is not None:
            moved = np.abs(result.x[: k * n].reshape(k, n)).max(axis=0)
            moved[[cell for cell, _ in targets]] = 0.0  # a target's own move proves only its part
            return np.flatnonzero((result.x[k * n :] > 0.5) & ~hidden), moved
    return None


def protect_cells(
    values: np.ndarray,
    equations: sparse.spmatrix,
    primary: np.ndarray,
    *,
    threshold: int,
    fixed: np.ndarray | None = None,
    parts: np.ndarray | None = None,
) -> Protection:
    """Choose the cells to hide among `values` so that every hidden cell is protected.

    `values`: the true cells (non-negative integers). `equations`: a sparse matrix E with
    E @ values == 0, every linear relation a reader knows between the cells. `primary`:
    cells that must not be published. `fixed`: cells that must be published (none of them
    primary). Returns a `Protection`; after it, for every hidden cell the least and
    greatest values consistent with the published cells, the equations and non-negativity
    differ by at least `threshold / 2`. A primary cell that cannot be so protected (too
    few other cells to move) leaves its whole block hidden.

    `parts` (optional, whole numbers) is a hint that only makes the work smaller: cells of
    one part (say, one breakdown's table) can usually be protected by moves among
    themselves, so they are covered by programmes over that part first, and over the whole
    block only when that fails. A part of -1 means no such part. It does not change what
    is guaranteed: every pattern is audited over the whole block.
    """
    import numpy as np
    from scipy import sparse

    values = np.asarray(values, dtype=np.int64)
    primary = np.asarray(primary, dtype=bool)
    fixed = np.zeros(len(values), dtype=bool) if fixed is None else np.asarray(fixed, dtype=bool)
    if (primary & fixed).any():
        raise ValueError("a fixed (always published) cell cannot be primary")
    matrix = sparse.csr_matrix(equations, dtype=float)
    if matrix.shape[1] != len(values) or (abs(matrix @ values) > _TOLERANCE).any():
        raise ValueError("the cells do not satisfy the equations given for them")
    hidden = primary.copy()
    step = threshold / 2
    # Hiding a large figure loses more than hiding a zero or small one, and large ones are
    # what readers need: their cost is an order of magnitude above.
    cost = np.where(values < threshold, 1.0, 10.0 + np.log1p(values.astype(float)))
    for cells in _blocks(matrix, ~fixed):
        if not hidden[cells].any():
            continue
        block = _Block(cells, matrix, values)
        local = hidden[cells].copy()
        local_fixed = fixed[cells]
        local_cost = cost[cells]
        local_parts = np.full(len(cells), -1) if parts is None else np.asarray(parts)[cells]
        _protect_block(block, local, local_fixed, local_cost, local_parts, step)
        hidden[cells] = local
    return Protection(hidden=hidden, primary=primary)


def _protect_block(
    block: _Block, hidden: np.ndarray, fixed: np.ndarray, cost: np.ndarray, parts: np.ndarray, step: float
) -> None:
    """Hide cells of one block (in place in `hidden`) until every hidden cell is protected.

    First one programme for all the block's primary cells together; then each hidden cell
    not yet shown to move far enough is audited by LP and, if it cannot, covered alone.
    """
    import numpy as np

    # A cell of value v is protected by falling min(v, step) and rising the rest: falling
    # can be balanced by zeros and small cells rising, which costs less than large ones.
    proven = np.zeros(len(hidden), dtype=bool)
    primary = np.flatnonzero(hidden)
    for part in np.unique(parts[primary]):
        members = primary[parts[primary] == part]
        movable = None if part < 0 else parts == part
        for start in range(0, len(members), _TARGETS_PER_PROGRAMME):
            targets = []
            for cell in members[start : start + _TARGETS_PER_PROGRAMME]:
                if proven[cell]:
                    continue
                down = min(float(block.values[cell]), step)
                targets += [(int(cell), move) for move in (-down, step - down) if move]
            if not targets:
                continue
            found = block.cheapest_cover(targets, hidden, fixed, cost, movable)
            if found is None and movable is not None:
                found = block.cheapest_cover(targets, hidden, fixed, cost)
            if found is not None:
                extra, moved = found
                hidden[extra] = True
                proven[[cell for cell, _ in targets]] = True
                proven[extra] = moved[extra] >= step - _TOLERANCE
    while True:
        todo = np.flatnonzero(hidden & ~proven)
        if not len(todo):
            return
        spans = block.ranges(hidden, todo, enough=step)
        weak = [int(c) for c, (lo, hi) in zip(todo, spans, strict=True) if hi - lo < step - _TOLERANCE]
        proven[todo] = True
        for cell in weak:
            lo, hi = block.ranges(hidden, [cell])[0]
            if hi - lo >= step - _TOLERANCE:
                continue
            found = None
            if block.values[cell] >= step:
                found = block.cheapest_cover([(cell, -step)], hidden, fixed, cost)
            if found is None:
                found = block.cheapest_cover([(cell, step)], hidden, fixed, cost)
            if found is None:
                hidden[~fixed] = True
                return
            extra, moved = found
            hidden[extra] = True
            proven[extra] = moved[extra] >= step - _TOLERANCE
            proven[cell] = True


def protection_ranges(
    values: np.ndarray, equations: sparse.spmatrix, hidden: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(least, greatest) of every hidden cell, given the published ones and the equations.

    Arrays aligned with `np.flatnonzero(hidden)`; a greatest of inf means unbounded. This is
    the attacker's view, for audits and methods notes.
    """
    import numpy as np
    from scipy import sparse

    values = np.asarray(values, dtype=np.int64)
    hidden = np.asarray(hidden, dtype=bool)
    matrix = sparse.csr_matrix(equations, dtype=float)
    least = np.zeros(int(hidden.sum()))
    greatest = np.zeros(int(hidden.sum()))
    position = {int(c): p for p, c in enumerate(np.flatnonzero(hidden))}
    for cells in _blocks(matrix, hidden):
        block = _Block(cells, matrix, values)
        spans = block.ranges(np.ones(len(cells), dtype=bool), range(len(cells)))
        for cell, (lo, hi) in zip(cells, spans, strict=True):
            least[position[int(cell)]], greatest[position[int(cell)]] = lo, hi
    return least, greatest
