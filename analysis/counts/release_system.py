"""Every release of a consultation's counts as one system of linear equations over groups.

The variables are the counts of the record's leaf *groups* of responses (see
`analysis.releases.record`) at the finest level any release needs: per question, per
position (each option, "Not answered", asked, answered) and per *atom*, the coarsest split
of a breakdown's categories that every release's segments are unions of (so a release
that merged Wales and North East and one that merged Wales, North East and East Midlands
share the atoms {Wales, North East} and {East Midlands}). Each group's tables obey the
relations of `analysis.counts.family` (stated by `family_equations` itself). A figure of a
release is the sum, over the groups it covered, of its segment's atoms: a variable of its
own, tied to them by one more equation.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from analysis.counts.rows import ALL_RESPONDENTS, NOT_ANSWERED
from analysis.releases.groups import ANSWERED, ASKED, slots

if TYPE_CHECKING:
    import pandas as pd

    from analysis.releases.record import Coverage, Group
    from questions import Questionnaire

__all__ = ["ALL", "ReleaseSystem"]

ALL = "all"


class ReleaseSystem:
    """The groups' tables and the releases' figures as variables and equations.

    `covers[r]`: the leaf groups release r covered (the new release last). `var[(leaf,
    question, position, breakdown, atom)]`: a group's own count (atom 0 of "all" is the
    overall row). `figure(r, …)` and `total(leaves, …)`: the variable of a sum.
    """

    def __init__(
        self,
        coverage: Coverage,
        new_segments: dict[str, list[tuple[str, ...]]],
        questionnaire: Questionnaire,
    ) -> None:
        record = coverage.record
        self.questionnaire = questionnaire
        self.prior = list(record.releases)
        self.leaves: dict[int, Group] = {g.number: g for g in record.leaves()}
        self.covers = [record.covered_leaves(r) for r in self.prior] + [set(coverage.current)]
        self.new = len(self.covers) - 1
        layout = slots(questionnaire)
        self.slot_of = {s: i for i, s in enumerate(layout)}
        categories: dict[str, list[str]] = {}
        for b, c in layout[1:]:
            categories.setdefault(b, []).append(c)
        # Each release's segments per breakdown, as {category: segment number}.
        self.breakdowns: list[set[str]] = []
        partitions: dict[str, list[tuple[int, dict[str, int]]]] = {}
        for r, release in enumerate(self.prior):
            seen: dict[str, dict[tuple[str, ...], int]] = {}
            for _, _, b, segment, _ in release.figures:
                if b != ALL:
                    seen.setdefault(b, {}).setdefault(segment, len(seen.get(b, {})))
            self.breakdowns.append(set(seen))
            for b, segs in seen.items():
                partitions.setdefault(b, []).append((r, {c: i for seg, i in segs.items() for c in seg}))
        self.breakdowns.append(set(new_segments))
        for b, segs in new_segments.items():
            partitions.setdefault(b, []).append((self.new, {c: i for i, seg in enumerate(segs) for c in seg}))
        self.used = [b for b in dict.fromkeys(b for b, _ in layout[1:]) if b in partitions]
        self.atoms: dict[str, list[tuple[str, ...]]] = {}
        self.atom_of: dict[str, dict[str, int]] = {}
        for b in self.used:
            signature: dict[tuple[int, ...], list[str]] = {}
            for category in categories[b]:
                key = tuple(p.get(category, -1) for _, p in partitions[b])
                signature.setdefault(key, []).append(category)
            self.atoms[b] = [tuple(m) for m in signature.values()]
            self.atom_of[b] = {c: i for i, atom in enumerate(self.atoms[b]) for c in atom}
        self.part_number = {b: i for i, b in enumerate(self.used)}
        self.values: list[int] = []
        self.part: list[int] = []
        self.rows: list[int] = []
        self.cols: list[int] = []
        self.coefs: list[float] = []
        self.equations = 0
        self.var: dict[tuple[int, str, str, str, int], int] = {}
        self.sums: dict[tuple[int, ...], int] = {}
        self.members_of: dict[int, tuple[int, ...]] = {}  # sum variable → its terms
        for number, leaf in self.leaves.items():
            releases = [r for r, cover in enumerate(self.covers) if number in cover]
            if releases:
                wanted = {
                    b: self.atoms[b] for b in self.used if any(b in self.breakdowns[r] for r in releases)
                }
                self._add_leaf(number, leaf, wanted)
        self.n_atoms = len(self.values)

    def _add_leaf(self, number: int, leaf: Group, atoms: dict[str, list[tuple[str, ...]]]) -> None:
        from analysis.counts.family import family_equations

        frame = _leaf_detail(leaf, self.questionnaire, atoms, self.slot_of)
        values, matrix, _, index = family_equations(frame, self.questionnaire)
        offset = len(self.values)
        parts = [-1 if b == ALL else self.part_number[b] for b in frame["segment_by"]]
        first = _first_rows(frame)
        group_parts = [p for p, f in zip(parts, first, strict=True) if f]
        self.values += values.tolist()
        self.part += parts + group_parts + group_parts
        coo = matrix.tocoo()
        self.rows += (coo.row + self.equations).tolist()
        self.cols += (coo.col + offset).tolist()
        self.coefs += coo.data.tolist()
        self.equations += matrix.shape[0]
        for i, (q, b, s, option) in enumerate(
            frame[["question_id", "segment_by", "segment", "option"]].itertuples(index=False)
        ):
            a = 0 if s == ALL_RESPONDENTS else int(str(s)[4:])
            self.var[(number, q, option, b, a)] = offset + int(index["count"][i])
            self.var[(number, q, ASKED, b, a)] = offset + int(index["asked"][i])
            self.var[(number, q, ANSWERED, b, a)] = offset + int(index["answered"][i])

    def atoms_of(self, breakdown: str, segment: Iterable[str]) -> list[int]:
        return [0] if breakdown == ALL else sorted({self.atom_of[breakdown][c] for c in segment})

    def terms(
        self, leaves: Iterable[int], question: str, position: str, breakdown: str, segment: Any
    ) -> list[int]:
        """The group variables a sum over `leaves` of one segment's figure is made of."""
        atoms = self.atoms_of(breakdown, segment)
        return [
            self.var[key]
            for leaf in leaves
            for a in atoms
            if (key := (leaf, question, position, breakdown, a)) in self.var
        ]

    def variable(self, terms: list[int]) -> int | None:
        """The variable equal to the sum of `terms` (made once, with its equation)."""
        if not terms:
            return None
        key = tuple(sorted(terms))
        if len(key) == 1:
            return key[0]
        if key not in self.sums:
            cell = len(self.values)
            self.values.append(sum(self.values[t] for t in key))
            self.part.append(self.part[key[0]])
            for t, coef in ((cell, 1.0), *((t, -1.0) for t in key)):
                self.rows.append(self.equations)
                self.cols.append(t)
                self.coefs.append(coef)
            self.equations += 1
            self.sums[key] = cell
            self.members_of[cell] = key
        return self.sums[key]

    def figure(self, release: int, question: str, position: str, breakdown: str, segment: Any) -> int | None:
        """The variable of release `release`'s figure."""
        return self.variable(self.terms(self.covers[release], question, position, breakdown, segment))

    def size(self, leaves: Iterable[int], breakdown: str, segment: Any) -> int:
        """How many of the responses in `leaves` are in `segment`."""
        first = next(q.id for q in self.questionnaire.questions if q.is_single_choice and q.shown_if is None)
        return sum(self.values[t] for t in self.terms(leaves, first, ASKED, breakdown, segment))

    def matrix(self) -> Any:
        import numpy as np
        from scipy import sparse

        n = len(self.values)
        return sparse.csr_matrix(
            (np.asarray(self.coefs), (np.asarray(self.rows), np.asarray(self.cols))),
            shape=(self.equations, n),
        )


def _first_rows(frame: pd.DataFrame) -> list[bool]:
    """Whether each row starts a (question, breakdown, segment) group, as `family_equations` counts."""
    keys = frame[["question_id", "segment_by", "segment"]]
    return (keys != keys.shift()).any(axis=1).tolist()


def _leaf_detail(
    group: Group,
    questionnaire: Questionnaire,
    atoms: dict[str, list[tuple[str, ...]]],
    slot_of: dict[tuple[str, str], int],
) -> pd.DataFrame:
    """One group's counts at atom level, in `count_answers`' layout (for `family_equations`)."""
    import numpy as np
    import pandas as pd

    parts: dict[str, list[Any]] = {
        k: [] for k in ("question_id", "segment_by", "segment", "option", "count", "base", "answered")
    }
    is_option: list[bool] = []
    for question in questionnaire.questions:
        if question.id not in group.counts:
            continue
        table = group.counts[question.id]
        k = len(question.options)
        labels = [*question.options, NOT_ANSWERED]
        segments = [(ALL, ALL_RESPONDENTS, [slot_of[(ALL, ALL_RESPONDENTS)]])]
        for breakdown, members in atoms.items():
            for a, atom in enumerate(members):
                segments.append((breakdown, f"atom{a}", [slot_of[(breakdown, c)] for c in atom]))
        for breakdown, label, rows in segments:
            row = table[rows].sum(axis=0)
            parts["question_id"] += [question.id] * (k + 1)
            parts["segment_by"] += [breakdown] * (k + 1)
            parts["segment"] += [label] * (k + 1)
            parts["option"] += labels
            parts["count"] += row[: k + 1].tolist()
            parts["base"] += [int(row[k + 1])] * (k + 1)
            parts["answered"] += [int(row[k + 2])] * (k + 1)
            is_option += [True] * k + [False]
    frame = pd.DataFrame(parts)
    for column in ("count", "base", "answered"):
        frame[column] = frame[column].astype(np.int64)
    frame["is_option"] = is_option
    return frame
