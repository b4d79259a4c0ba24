"""The programmes behind cell suppression: blocks, the attacker's ranges, the cheapest cover.

`analysis.counts.disclosure.protect_cells` decides *what* to hide; this module holds the
linear and mixed-integer programmes it runs (SciPy's `linprog` and `milp`, i.e. HiGHS):

- `independent_blocks`: groups of cells that only always-published cells join, each solved
  alone;
- `Block.ranges`: the least and greatest value a hidden cell can take given everything
  published (the attacker's linear programmes);
- `Block.cheapest_cover`: the cheapest further cells to hide so that given cells can move
  by given amounts, every equation kept by moves of hidden cells alone and every cell
  staying non-negative (the classic cell-suppression model);
- `relation_pattern`: the cheapest cells to hide such that each equation, taken alone,
  lets every hidden cell move far enough: a small programme over every cell at once, whose
  answer is a starting point to audit.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    from scipy import sparse

__all__ = ["TOLERANCE", "Block", "independent_blocks", "relation_pattern"]

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
# `relation_pattern` is one programme over a whole block and small (three variables a cell):
# it is solved to the end (no gap), within a node limit for the same answer whatever the load.
_PATTERN_NODES = 2_000
_PATTERN_GAP = 0.0


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

    def _hidden_equations(self, hidden: np.ndarray) -> tuple[np.ndarray, dict[int, int], Any, np.ndarray]:
        """The hidden local cells, each one's position among them, and the equations a reader
        has for them: the published cells moved to the right-hand side, equations holding no
        hidden cell left out."""
        import numpy as np

        h = np.flatnonzero(hidden)
        position = {int(c): p for p, c in enumerate(h)}
        a_hidden = self.a[:, h]
        rhs = self.rhs - self.a[:, ~hidden].dot(self.values[~hidden])
        keep = np.asarray(abs(a_hidden).sum(axis=1)).ravel() > 0
        return h, position, a_hidden[keep], rhs[keep]

    def ranges(
        self, hidden: np.ndarray, which: Sequence[int], *, enough: np.ndarray | float | None = None
    ) -> np.ndarray:
        """(least, greatest) of each local cell in `which` over all values consistent with the
        published ones; `hidden` is the local mask. Unbounded greatest is inf. With `enough`
        (one number, or one per local cell), a cell that can rise by that much gets its own
        value as least (not worked out)."""
        import numpy as np
        from scipy.optimize import linprog

        h, position, a_eq, b_eq = self._hidden_equations(hidden)
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

    def too_narrow(self, hidden: np.ndarray, which: Sequence[int], step: np.ndarray) -> list[int]:
        """The local cells of `which` whose range, given the published ones, is shorter than
        their `step` (one per local cell): the same answer as `ranges`, with fewer programmes.

        Every point an attacker's programme finds is a set of values consistent with all that
        is published, as are the true values; a cell taking values `step` apart among those
        points is wide enough, whatever its exact range. So each programme's point is checked
        for every cell at once, and a cell gets programmes of its own only while no point
        seen so far settles it."""
        import numpy as np
        from scipy.optimize import linprog

        h, position, a_eq, b_eq = self._hidden_equations(hidden)
        truth = self.values[h]
        least, greatest = truth.copy(), truth.copy()
        wanted = np.array([position[int(c)] for c in which], dtype=np.int64)
        need = np.asarray(step, dtype=float)[h] - TOLERANCE
        narrow = []
        for p in wanted:
            for sign in (-1.0, 1.0):  # greatest first, then least
                if greatest[p] - least[p] >= need[p]:
                    break
                c = np.zeros(len(h))
                c[p] = sign
                found = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
                if found.status == 3:  # unbounded: as wide as can be
                    greatest[p] = np.inf
                elif found.status == 0:  # only a solved programme's point is known to be feasible
                    np.minimum(least, found.x, out=least)
                    np.maximum(greatest, found.x, out=greatest)
            if greatest[p] - least[p] < need[p]:
                narrow.append(int(h[p]))
        return narrow

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


def relation_pattern(
    equations: sparse.csr_matrix,
    values: np.ndarray,
    primary: np.ndarray,
    fixed: np.ndarray,
    cost: np.ndarray,
    step: np.ndarray,
    *,
    nodes: int = _PATTERN_NODES,
    seconds: float = _MIP_SECONDS_RETRY,
) -> np.ndarray | None:
    """The cheapest cells to hide, every primary one among them, such that every hidden cell
    could rise by some amount and fall by some other, together at least its `step`, as far as
    each equation taken alone can tell: in each equation holding a cell, its rise must be
    balanced by hidden cells on its side falling (each by at most its value) or on the other
    side rising, and its fall the other way round. One mixed-integer programme over all the
    cells, three variables per cell (hidden, rise, fall): far smaller than one set of moves
    per target. Every safe pattern passes it, but a pattern passing it may still let a reader
    combining several equations narrow a cell, so its answer is a starting point to audit.
    Returns the mask, or None if the search found none within its bounds."""
    import numpy as np
    from scipy import sparse
    from scipy.optimize import Bounds, LinearConstraint, milp

    equations = sparse.csr_matrix(equations)
    n = len(values)
    z, up, down = 0, n, 2 * n
    # How far a cell can fall, as far as one step needs; a rise never needs more than a step.
    fall = np.minimum(values.astype(float), step)
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    coefs: list[np.ndarray] = []
    lower: list[float] = []
    k = 0
    cells = np.arange(n)
    # Per cell: rise + fall >= step if hidden; rise <= step * hidden; fall <= its fall * hidden.
    for terms in (
        [(up + cells, 1.0), (down + cells, 1.0), (z + cells, -step)],
        [(up + cells, -1.0), (z + cells, step)],
        [(down + cells, -1.0), (z + cells, fall)],
    ):
        for col, coef in terms:
            rows.append(k + cells)
            cols.append(np.asarray(col))
            coefs.append(np.broadcast_to(np.asarray(coef, dtype=float), n).copy())
        k += n
    lower += [0.0] * (3 * n)
    for r in range(equations.shape[0]):
        members = equations.indices[equations.indptr[r] : equations.indptr[r + 1]]
        signs = np.sign(equations.data[equations.indptr[r] : equations.indptr[r + 1]])
        for cell, sign in zip(members, signs, strict=True):
            same = (signs == sign) & (members != cell)
            other = signs != sign
            for moving, with_same, with_other in ((up, fall, step), (down, step, fall)):
                # hidden cells' capacity in this equation - this cell's move >= 0
                rows.append(np.full(1 + len(members), k))
                cols.append(np.r_[moving + cell, z + members])
                capacity = np.where(same, np.broadcast_to(with_same, n)[members], 0.0) + np.where(
                    other, np.broadcast_to(with_other, n)[members], 0.0
                )
                coefs.append(np.r_[-1.0, capacity])
                lower.append(0.0)
                k += 1
    matrix = sparse.csr_matrix(
        (np.concatenate(coefs), (np.concatenate(rows), np.concatenate(cols))), shape=(k, 3 * n)
    )
    low = np.r_[np.where(primary & ~fixed, 1.0, 0.0), np.zeros(2 * n)]
    high = np.r_[np.where(fixed, 0.0, 1.0), np.broadcast_to(step, n), fall]
    with _solver_output_to_stderr():
        found = milp(
            np.r_[cost, np.zeros(2 * n)],
            integrality=np.r_[np.ones(n), np.zeros(2 * n)],
            bounds=Bounds(low, high),
            constraints=[LinearConstraint(matrix, lower, np.inf)],
            options={"time_limit": seconds, "node_limit": nodes, "mip_rel_gap": _PATTERN_GAP},
        )
    if found.x is None:
        return None
    return found.x[:n] > 0.5
