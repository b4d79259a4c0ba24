"""Figures a report prints and the sums that link them, protected as one problem.

A theme report's counts, shares, sentiment splits, campaign sizes and counts by group are
all cells here: each is a value that is either known to a reader already, printed, or
neither, and each sum a reader can form (a question's answers are its themes' answers,
a group's themes add up within it) is an equation. `protect` hides what must be hidden so
that no small figure can be narrowed below half the threshold from everything printed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class LinkedCells:
    """Cells and equations being written down (a cell's value, and whether it is known)."""

    values: list[int] = field(default_factory=list)
    known: list[bool] = field(default_factory=list)
    shown: list[bool] = field(default_factory=list)  # printed unless hidden
    # A hint for the solver (`protect_cells`' `parts`): cells of one table (a breakdown of a
    # question's themes by group) are protected among themselves first. -1: no such table.
    parts: list[int] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    cols: list[int] = field(default_factory=list)
    coefs: list[float] = field(default_factory=list)
    equations: int = 0

    def cell(self, value: int, *, known: bool = False, shown: bool = True, part: int = -1) -> int:
        self.values.append(int(value))
        self.known.append(known)
        self.shown.append(shown)
        self.parts.append(part)
        return len(self.values) - 1

    def new_part(self) -> int:
        """A number for a table of cells not yet used by any (see `parts`)."""
        return max(self.parts, default=-1) + 1

    def equation(self, plus: list[int], minus: list[int]) -> None:
        for cell, coef in [*((c, 1.0) for c in plus), *((c, -1.0) for c in minus)]:
            self.rows.append(self.equations)
            self.cols.append(cell)
            self.coefs.append(coef)
        self.equations += 1

    def protect(
        self,
        threshold: int,
        small_groups: list[tuple[int, list[int]]],
        forced: set[int] | None = None,
        public: set[int] | None = None,
    ) -> np.ndarray:
        """Hidden mask over the cells: 1 to threshold - 1 (and zeros of a small group's
        parts, `small_groups` = (total cell, part cells)) and `forced` are primary; `public`
        cells are printed already (known); the rest by MIP."""
        from scipy import sparse

        from analysis.counts.disclosure import protect_cells

        values = np.asarray(self.values, dtype=np.int64)
        known = np.asarray(self.known, dtype=bool)
        known[list(public or ())] = True
        shown = np.asarray(self.shown, dtype=bool)
        primary = shown & (values > 0) & (values < threshold)
        for total, parts in small_groups:
            if 0 < values[total] < threshold:
                primary[[p for p in parts if values[p] == 0 and shown[p]]] = True
        primary[[c for c in forced or () if shown[c]]] = True
        primary &= ~known
        if not primary.any():
            return np.zeros(len(values), dtype=bool)
        matrix = sparse.csr_matrix((self.coefs, (self.rows, self.cols)), shape=(self.equations, len(values)))
        protection = protect_cells(
            values,
            matrix,
            primary,
            threshold=threshold,
            fixed=known,
            unpublished=~shown & ~known,
            parts=np.asarray(self.parts),
        )
        return protection.hidden & shown
