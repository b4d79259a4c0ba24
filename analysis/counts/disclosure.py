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

With `relations`, each block starts instead from the cheapest pattern in which every
equation, taken alone, lets every hidden cell fall and rise far enough (one small programme
over the whole block, `analysis.counts.cell_search.relation_pattern`); the same audit then
completes it. It chooses every complement of a block together, so it hides less, and it is
quicker than programmes over a few primary cells at a time.

Cells marked `fixed` are always published (they must not be primary); the equations split
into independent blocks where only fixed cells join them, and each block is solved alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from analysis.counts.cell_search import TOLERANCE, Block, independent_blocks, relation_pattern

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

# Primary cells covered per programme: the programme grows with targets × cells, and a few
# targets at a time, sharing what earlier programmes hid, lose little against all at once.
_TARGETS_PER_PROGRAMME = 16
# Hiding a `precious` figure (one every reader relies on: the overall row's) is worth this
# many other figures of the same size: only where nothing else protects a small one.
_PRECIOUS_WEIGHT = 20.0


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
    """Which cells to hide: `hidden` (all) and `primary` (the sensitive ones), boolean arrays.

    `bounded` marks sensitive cells that the fixed (known) cells alone keep within a range
    shorter than their step, so that no hiding can give them all of it: they get the whole
    range the fixed cells leave (only possible when `fixed` holds figures published before).
    Among them, those with no range at all are known already.
    """

    hidden: np.ndarray
    primary: np.ndarray
    bounded: np.ndarray | None = None

    @property
    def secondary(self) -> np.ndarray:
        return self.hidden & ~self.primary


def protect_cells(
    values: np.ndarray,
    equations: sparse.spmatrix,
    primary: np.ndarray,
    *,
    threshold: int,
    fixed: np.ndarray | None = None,
    parts: np.ndarray | None = None,
    steps: np.ndarray | None = None,
    unpublished: np.ndarray | None = None,
    inherited: np.ndarray | None = None,
    precious: np.ndarray | None = None,
    relations: bool = False,
) -> Protection:
    """Choose the cells to hide among `values` so that every hidden cell is protected.

    `values`: the true cells (non-negative integers). `equations`: a sparse matrix E with
    E @ values == 0, every linear relation a reader knows between the cells. `primary`:
    cells that must not be published. `fixed`: cells that must be published or are known
    anyway (none of them primary). Returns a `Protection`; after it, for every hidden cell
    the least and greatest values consistent with the published cells, the equations and
    non-negativity differ by at least its step (`threshold / 2` unless `steps` gives one
    per cell). A primary cell that cannot be so protected (too few other cells to move)
    leaves its whole block hidden.

    `unpublished` (optional mask): cells no output ever shows (a group's part of a figure,
    say): they are hidden from the start at no cost and need no protection unless primary.
    `inherited` (optional mask, within `primary`): cells protected before, by an earlier
    release; they are audited first and covered only if what is published now narrows them.

    `parts` (optional, whole numbers) is a hint that only makes the work smaller: cells of
    one part (say, one breakdown's table) can usually be protected by moves among
    themselves, so they are covered by programmes over that part first, and over the whole
    block only when that fails. A part of -1 means no such part. It does not change what
    is guaranteed: every pattern is audited over the whole block.

    `precious` (optional mask): figures every reader relies on (the overall row), hidden
    only where nothing much cheaper protects the rest. With `relations`, each block starts
    from the cheapest pattern in which every equation, taken alone, lets every hidden cell
    move far enough (`relation_pattern`); then every hidden cell is audited and covered if
    still too narrow. That pattern is chosen over the whole block at once, so it shares
    complements better than the programmes over a few primary cells at a time; where its
    search finds none within its bounds, the block is protected by those programmes.
    """
    import numpy as np
    from scipy import sparse

    values = np.asarray(values, dtype=np.int64)
    n = len(values)
    primary = np.asarray(primary, dtype=bool)
    fixed = np.zeros(n, dtype=bool) if fixed is None else np.asarray(fixed, dtype=bool)
    unpublished = np.zeros(n, dtype=bool) if unpublished is None else np.asarray(unpublished, dtype=bool)
    inherited = np.zeros(n, dtype=bool) if inherited is None else np.asarray(inherited, dtype=bool) & primary
    step = np.full(n, threshold / 2) if steps is None else np.asarray(steps, dtype=float)
    if (primary & fixed).any():
        raise ValueError("a fixed (always published) cell cannot be primary")
    matrix = sparse.csr_matrix(equations, dtype=float)
    if matrix.shape[1] != n or (abs(matrix @ values) > TOLERANCE).any():
        raise ValueError("the cells do not satisfy the equations given for them")
    hidden = primary | (unpublished & ~fixed)
    bounded = np.zeros(n, dtype=bool)
    # Hiding a large figure loses more than hiding a zero or small one, and large ones are
    # what readers need: their cost is an order of magnitude above.
    cost = np.where(values < threshold, 1.0, 10.0 + np.log1p(values.astype(float)))
    if precious is not None:
        cost = np.where(np.asarray(precious, dtype=bool), _PRECIOUS_WEIGHT * cost, cost)
    for cells in independent_blocks(matrix, ~fixed):
        if not primary[cells].any():
            continue
        block = Block(cells, matrix, values)
        local = hidden[cells].copy()
        local_parts = np.full(len(cells), -1) if parts is None else np.asarray(parts)[cells]
        # Never-published cells that are not sensitive need no protection of their own.
        proven = unpublished[cells] & ~primary[cells]
        fresh = primary[cells] & ~inherited[cells]
        if relations:
            start = relation_pattern(
                block.a, block.values, primary[cells], fixed[cells], cost[cells], step[cells]
            )
            if start is not None:
                # Every hidden cell is audited: no programme over the primary cells first.
                local |= start & ~fixed[cells]
                fresh = np.zeros(len(cells), dtype=bool)
        pinned = _protect_block(
            block,
            local,
            proven,
            fixed[cells],
            cost[cells],
            local_parts,
            step[cells],
            fresh=fresh,
        )
        hidden[cells] = local
        bounded[cells[pinned]] = True
    return Protection(hidden=hidden, primary=primary, bounded=bounded)


def _protect_block(
    block: Block,
    hidden: np.ndarray,
    proven: np.ndarray,
    fixed: np.ndarray,
    cost: np.ndarray,
    parts: np.ndarray,
    step: np.ndarray,
    *,
    fresh: np.ndarray,
) -> list[int]:
    """Hide cells of one block (in place in `hidden`) until every hidden cell is protected.

    First programmes covering the `fresh` primary cells, a few at a time; then each hidden
    cell not yet shown to move far enough (`proven`) is audited by LP and, if it cannot,
    covered alone. Returns the local cells the fixed ones bound more tightly than their step.
    """
    import numpy as np

    pinned: list[int] = []

    # A cell is protected by falling some way and rising some way, a step in all: the
    # programme chooses the split that needs least hidden.
    targets_left = np.flatnonzero(fresh)
    for part in np.unique(parts[targets_left]):
        members = targets_left[parts[targets_left] == part]
        movable = None if part < 0 else parts == part
        for start in range(0, len(members), _TARGETS_PER_PROGRAMME):
            spans = [
                (int(cell), float(step[cell]))
                for cell in members[start : start + _TARGETS_PER_PROGRAMME]
                if not proven[cell]
            ]
            if not spans:
                continue
            found = block.cheapest_cover([], hidden, fixed, cost, movable, spans=spans)
            if found is None and movable is not None:
                found = block.cheapest_cover([], hidden, fixed, cost, spans=spans)
            if found is not None:
                extra, moved = found
                hidden[extra] = True
                proven[[cell for cell, _ in spans]] = True
                proven[extra] = moved[extra] >= step[extra] - TOLERANCE
    while True:
        todo = np.flatnonzero(hidden & ~proven)
        if not len(todo):
            return pinned
        weak = block.too_narrow(hidden, todo, step)
        proven[todo] = True
        for cell in weak:
            lo, hi = block.ranges(hidden, [cell])[0]
            if hi - lo >= step[cell] - TOLERANCE:
                continue
            # Falling some way and rising some way, as the programme finds cheapest; failing
            # that (a programme stopped on its bounds), a whole step one way.
            found = block.cheapest_cover([], hidden, fixed, cost, spans=[(cell, float(step[cell]))])
            if found is None and block.values[cell] >= step[cell]:
                found = block.cheapest_cover([(cell, -step[cell])], hidden, fixed, cost)
            if found is None:
                found = block.cheapest_cover([(cell, step[cell])], hidden, fixed, cost)
            if found is None:
                # What the fixed (known) cells leave it at best: an earlier release may already
                # bound a figure more tightly than this threshold asks. Then the most there is.
                lo, hi = block.ranges(~fixed, [cell])[0]
                if hi - lo < step[cell] - TOLERANCE:
                    pinned.append(cell)
                    proven[cell] = True
                    if hi - lo < TOLERANCE:
                        continue  # known from the fixed cells alone: nothing to hide for it
                    value = block.values[cell]
                    moves = [(cell, move) for move in (lo - value, hi - value) if abs(move) > TOLERANCE]
                    found = block.cheapest_cover(moves, hidden, fixed, cost)
                if found is None:
                    hidden[~fixed] = True
                    return pinned
            extra, moved = found
            hidden[extra] = True
            proven[extra] = moved[extra] >= step[extra] - TOLERANCE
            proven[cell] = True


def protection_ranges(
    values: np.ndarray, equations: sparse.spmatrix, hidden: np.ndarray, which: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(least, greatest) of every hidden cell, given the published ones and the equations.

    Arrays aligned with `np.flatnonzero(hidden)`, or with `which` (cell numbers, all hidden)
    if given, which limits the work to those cells. A greatest of inf means unbounded. This
    is the attacker's view, for audits and methods notes.
    """
    import numpy as np
    from scipy import sparse

    values = np.asarray(values, dtype=np.int64)
    hidden = np.asarray(hidden, dtype=bool)
    wanted = np.flatnonzero(hidden) if which is None else np.asarray(which, dtype=np.int64)
    matrix = sparse.csr_matrix(equations, dtype=float)
    least = np.zeros(len(wanted))
    greatest = np.zeros(len(wanted))
    position = {int(c): p for p, c in enumerate(wanted)}
    for cells in independent_blocks(matrix, hidden):
        local = [i for i, c in enumerate(cells) if int(c) in position]
        if not local:
            continue
        block = Block(cells, matrix, values)
        spans = block.ranges(np.ones(len(cells), dtype=bool), local)
        for i, (lo, hi) in zip(local, spans, strict=True):
            least[position[int(cells[i])]], greatest[position[int(cells[i])]] = lo, hi
    return least, greatest
