"""The programmes behind cell suppression: blocks, the attacker's ranges, the cheapest cover.

`analysis.counts.disclosure.protect_cells` decides *what* to hide; this module holds the
linear and mixed-integer programmes it runs (SciPy's `linprog` and `milp`, i.e. HiGHS):

- `independent_blocks`: groups of cells that only always-published cells join, each solved
  alone;
- `Block.ranges`: the least and greatest value a hidden cell can take given everything
  published (the attacker's linear programmes);
- `Block.cheapest_cover`: the cheapest further cells to hide so that given cells can move
  by given amounts, every equation kept by moves of hidden cells alone and every cell
  staying non-negative (the classic cell-suppression model).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from scipy import sparse

__all__ = ["TOLERANCE", "Block", "independent_blocks"]

TOLERANCE = 1e-6
# Bounds on each programme's search: the best pattern found by then is used (and still
# audited), so a hard block costs some extra hiding, never a leak. The node limit binds
# first on ordinary exports and, unlike a time limit, gives the same pattern on a busy
# machine as on an idle one; the time limit is only a backstop.
_MIP_NODES = 5
_MIP_SECONDS = 8.0
# If a search stops on those bounds before finding any pattern at all (a large programme on
# a busy machine), it is run once more with these: otherwise the caller would hide
# everything it cannot protect.
_MIP_NODES_RETRY = 500
_MIP_SECONDS_RETRY = 60.0
# A pattern within 5% of the cheapest the search can prove is good enough: asking for the
# last few percent roughly doubles the time and, on realistic exports, hides nothing less.
_MIP_GAP = 0.05


def independent_blocks(equations: sparse.csr_matrix, free: np.ndarray) -> list[np.ndarray]:
    """Groups of non-fixed (`free`) cells joined by equations through non-fixed cells only."""
    import numpy as np
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components

    incidence = equations[:, free].astype(bool).astype(np.int8)
    m = incidence.shape[0]
    k = int(free.sum())
    if m == 0 or k == 0:
        return [np.array([i]) for i in np.flatnonzero(free)]
    graph = sparse.bmat([[None, incidence.T], [incidence, None]], format="csr")
    _, labels = connected_components(graph, directed=False)
    index = np.flatnonzero(free)
    cell_labels = labels[:k]
    order = np.argsort(cell_labels, kind="stable")
    splits = np.flatnonzero(np.diff(cell_labels[order])) + 1
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


class Block:
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

    def ranges(
        self, hidden: np.ndarray, which: Sequence[int], *, enough: np.ndarray | float | None = None
    ) -> np.ndarray:
        """(least, greatest) of each local cell in `which` over all values consistent with the
        published ones; `hidden` is the local mask. Unbounded greatest is inf. With `enough`
        (one number, or one per local cell), a cell that can rise by that much gets its own
        value as least (not worked out)."""
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
            wanted = None if enough is None else float(np.broadcast_to(enough, len(self.values))[cell])
            if wanted is not None and greatest - self.values[cell] >= wanted - TOLERANCE:
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
        *,
        spans: Sequence[tuple[int, float]] = (),
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """The cheapest set of local cells to hide so that each (cell, move) in `targets` can
        move by `move` with every equation kept by moves of hidden cells alone, all cells
        staying non-negative: one mixed-integer programme, one set of moves per target,
        the hidden cells shared. Each (cell, span) in `spans` must be able to fall by some
        amount and rise by some other (two sets of moves) that together make at least
        `span`: the programme chooses how much each way, whichever needs less hidden (a
        cell of 3 may fall by 1 and rise by 4 rather than fall to 0). With `movable` (local
        mask, the targets in it), only those cells may move: a smaller programme whose
        answer is still a valid one. Returns (cells to hide, how far each cell is shown to
        move at most, over the targets), or None if there is no such set."""
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
        local_spans = [(int(where[cell]), span) for cell, span in spans]
        found = _cover(a, self.values[sub], local_targets, hidden[sub], fixed[sub], cost[sub], local_spans)
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
    spans: Sequence[tuple[int, float]] = (),
) -> tuple[np.ndarray, np.ndarray] | None:
    """`Block.cheapest_cover` over the cells of `a`'s columns (all of them may move)."""
    import numpy as np
    from scipy import sparse
    from scipy.optimize import Bounds, LinearConstraint, milp

    n = len(values)
    # One set of moves per fixed target, two per span (falling, then rising).
    moving = [cell for cell, _ in targets] + [cell for cell, _ in spans for _ in (0, 1)]
    k = len(moving)
    m = a.shape[0]
    largest = max([abs(s) for _, s in targets] + [s for _, s in spans])
    for limit in (largest, float(values.sum())):
        lows, highs = [], []
        for cell, step in targets:
            low = np.maximum(-values, -limit)
            high = np.full(n, limit)
            low[fixed], high[fixed] = 0.0, 0.0
            low[cell] = high[cell] = step
            lows.append(low)
            highs.append(high)
        for cell, span in spans:
            for falling in (True, False):
                low = np.maximum(-values, -limit)
                high = np.full(n, limit)
                low[fixed], high[fixed] = 0.0, 0.0
                low[cell], high[cell] = (max(-values[cell], -span), 0.0) if falling else (0.0, span)
                lows.append(low)
                highs.append(high)
        z_low = np.where(hidden, 1.0, 0.0)
        z_high = np.where(fixed, 0.0, 1.0)
        z_low[moving] = z_high[moving] = 1.0
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
        if spans:
            # Each span's rise less its fall is at least the span.
            apart = sparse.lil_matrix((len(spans), k * n + n))
            for r, (cell, _) in enumerate(spans):
                first = len(targets) + 2 * r
                apart[r, first * n + cell] = -1.0
                apart[r, (first + 1) * n + cell] = 1.0
            constraints.append(LinearConstraint(apart.tocsc(), [s for _, s in spans], np.inf))
        objective = np.r_[np.zeros(k * n), np.where(hidden, 0.0, cost)]
        for nodes, seconds in ((_MIP_NODES, _MIP_SECONDS), (_MIP_NODES_RETRY, _MIP_SECONDS_RETRY)):
            with _solver_output_to_stderr():
                result = milp(
                    objective,
                    integrality=np.r_[np.zeros(k * n), np.ones(n)],
                    bounds=Bounds(np.r_[*lows, z_low], np.r_[*highs, z_high]),
                    constraints=constraints,
                    options={"time_limit": seconds, "node_limit": nodes, "mip_rel_gap": _MIP_GAP},
                )
            if result.x is not None or result.status != 1:  # 1: stopped on a bound
                break
        if result.x is not None:
            moved = np.abs(result.x[: k * n].reshape(k, n)).max(axis=0)
            moved[moving] = 0.0  # a target's own move proves only its part
            return np.flatnonzero((result.x[k * n :] > 0.5) & ~hidden), moved
    return None
