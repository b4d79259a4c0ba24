"""What a reader works out from figures already known, and what no published figure can pin down.

Shortcuts for the protection across releases (`analysis.counts.across_releases`), on the
system `analysis.counts.release_system.ReleaseSystem` writes down:

- `settle` / `propagate`: mark as known every cell an equation with one unknown left
  determines, and every unknown of an equation whose unknowns all count one way and must
  add up to zero (all zero), so the system splits into small blocks; `no_range` says which
  cells the known ones determine exactly, by linear programming;
- `certified`: sensitive figures of groups only the new release covers that a direction the
  reader cannot rule out shows to be protected, without a linear programme.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from analysis.counts.release_system import ALL

if TYPE_CHECKING:
    import numpy as np

    from analysis.counts.release_system import ReleaseSystem

__all__ = ["certified", "no_range", "propagate", "settle"]


def certified(
    system: ReleaseSystem, sensitive: dict[int, tuple[float, bool]], publishable: np.ndarray
) -> set[int]:
    """Sensitive figures of groups only the new release covers that no published figure
    can pin down, shown without a linear programme by a direction the reader cannot rule out:

    - scaling a group up (every table of a group of responses, doubled, is a table of
      responses too) raises each of its figures above zero without bound, if no figure
      that would change is published;
    - adding one made-up respondent to the group, in segments none of whose figures is
      published, raises any of its figures there, zeros included.
    Anything else is left to the audit."""
    only_new = {n for n in system.covers[system.new] if all(n not in c for c in system.covers[: system.new])}
    if not only_new or not sensitive:
        return set()
    containing: dict[int, list[int]] = {}
    for cell, terms in system.members_of.items():
        for t in terms:
            containing.setdefault(t, []).append(cell)

    def free(x: int) -> bool:
        return not publishable[x] and not any(publishable[c] for c in containing.get(x, ()))

    by_leaf: dict[int, dict[tuple[str, int], list[int]]] = {}
    for (leaf, _q, _p, b, a), x in system.var.items():
        if leaf in only_new:
            by_leaf.setdefault(leaf, {}).setdefault((b, a), []).append(x)
    scalable = {
        leaf: all(free(x) for xs in slots.values() for x in xs if system.values[x] > 0)
        for leaf, slots in by_leaf.items()
    }
    free_slots = {
        leaf: {key for key, xs in slots.items() if all(free(x) for x in xs)}
        for leaf, slots in by_leaf.items()
    }
    place: dict[int, tuple[int, str, int]] = {}
    for (leaf, _q, _p, b, a), x in system.var.items():
        if leaf in only_new:
            place[x] = (leaf, b, a)
    out = set()
    for cell in sensitive:
        terms = system.members_of.get(cell, (cell,))
        where = [place.get(t) for t in terms]
        if any(w is None for w in where):
            continue
        for t, (leaf, b, a) in zip(terms, where, strict=True):
            if system.values[t] > 0 and scalable[leaf]:
                out.add(cell)
                break
            slots = free_slots[leaf]
            others = {bb for bb, _ in by_leaf[leaf] if bb not in (b, ALL)}
            if (
                (ALL, 0) in slots
                and (b, a) in slots
                and all(any((bb, aa) in slots for aa in range(len(system.atoms[bb]))) for bb in others)
            ):
                out.add(cell)
                break
    return out


def settle(
    matrix: Any, fixed: np.ndarray, primary: np.ndarray, new_sizes: list[int], values: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(cells known, targets left, sensitive cells found known): what the fixed cells
    determine, equation by equation, is fixed too, so the system splits into small blocks.
    If that determines a sensitive cell, the new release's segment sizes are left to the
    programme instead; a cell still determined, by earlier releases alone, is public already
    and no longer a target."""
    determined = propagate(matrix, fixed, values)
    caught = determined & primary
    if caught.any() and new_sizes:
        fixed = fixed.copy()
        fixed[new_sizes] = False
        determined = propagate(matrix, fixed, values)
        caught = determined & primary
    return determined, primary & ~caught, caught


def propagate(matrix: Any, fixed: np.ndarray, values: np.ndarray) -> np.ndarray:
    """`fixed` extended by what a reader works out from it, equation by equation: the one
    unknown cell left in an equation, and every unknown cell of an equation whose unknown
    cells all count one way and must add up to zero (they are all zero)."""
    import numpy as np

    csr = matrix.tocsr()
    known = fixed.copy()
    nonzero = csr.copy()
    nonzero.data = np.sign(nonzero.data)
    while True:
        unknown = (~known).astype(float)
        n_unknown = np.asarray(abs(nonzero) @ unknown).ravel()
        signed = np.asarray(nonzero @ unknown).ravel()
        rest = np.asarray(csr @ (values * unknown)).ravel()  # the unknown cells' part (true values)
        single = n_unknown == 1
        same_sign_zero = (n_unknown > 1) & (np.abs(signed) == n_unknown) & (np.abs(rest) < 1e-9)
        rows = np.flatnonzero(single | same_sign_zero)
        if not len(rows):
            return known
        newly = np.unique(csr[rows].indices)
        newly = newly[~known[newly]]
        if not len(newly):
            return known
        known[newly] = True


def no_range(matrix: Any, values: np.ndarray, fixed: np.ndarray, which: np.ndarray) -> np.ndarray:
    """Of the cells in `which`, those the fixed cells determine exactly (least = greatest)."""
    import numpy as np

    from analysis.counts.cell_search import TOLERANCE, Block, independent_blocks

    out = np.zeros(len(values), dtype=bool)
    if not which.any():
        return out
    for cells in independent_blocks(matrix.tocsr(), ~fixed):
        local = np.flatnonzero(which[cells])
        if not len(local):
            continue
        block = Block(cells, matrix.tocsr(), values)
        spans = block.ranges(np.ones(len(cells), dtype=bool), local)
        out[cells[local]] = spans[:, 1] - spans[:, 0] < TOLERANCE
    return out
