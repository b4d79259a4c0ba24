"""Disclosure control of a new counts release together with every earlier release.

A reader may hold every release of a consultation: another threshold, other breakdowns, an
update after late responses. All of them are written as one system of linear equations
over the counts of the record's *groups* of responses (`analysis.releases.record`), at the
finest level any release needs:

- every group's own tables at that level, with the relations `analysis.counts.family`
  states (options add up to answered, segments to the overall figure, a follow-up's base
  to its parent's answers, …);
- every figure of every release as the sum, over the groups it covered, of the atoms its
  segment is made of: two releases with different merged groups, thresholds or
  breakdowns share atoms, so one can be taken from another;
- earlier releases' published figures are known; their hidden figures must stay
  protected (audited, covered again only if what is published now narrows them).

Sensitive, besides the new release's own figures from 1 to threshold - 1: every figure of
a *difference group* (responses that one release covered and another did not: late ones,
or the old versions of changed ones) in each segment where that group has from 1 to
threshold - 1 responses, zeros included. So a late group smaller than the threshold can
never be read as the difference of two releases; in practice a segment whose figures would
change by such a group is not updated: its new figures are hidden, and the ones released
before stand.

The system goes to `analysis.counts.disclosure.protect_cells`, which knows nothing of
releases.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from analysis.counts.release_system import ALL, ReleaseSystem
from analysis.counts.rows import ALL_RESPONDENTS
from analysis.counts.worked_out import certified, no_range, settle
from analysis.releases.groups import ANSWERED, ASKED, positions

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from analysis.releases.record import Coverage
    from questions import Questionnaire

__all__ = ["suppress_across_releases"]

NOT_UPDATED = "not updated"


def suppress_across_releases(
    detail: pd.DataFrame,
    members: dict[str, dict[str, tuple[str, ...]]],
    questionnaire: Questionnaire,
    coverage: Coverage,
    *,
    threshold: int,
    show_zeros: bool = False,
) -> pd.DataFrame:
    """`detail` (a `count_answers` table of the new release) with what to hide, chosen
    together with every earlier release in `coverage.record`.

    `members` maps each breakdown to its segments' categories (a merged group has several).
    Adds the columns of `analysis.counts.family.suppress_family` (`suppressed`,
    `suppression`: "primary", "secondary", "not updated" or ""; `asked_suppressed`,
    `answered_suppressed`) and `attrs["cells"]`, with `attrs["releases"]` saying what the
    earlier releases changed.
    """
    import numpy as np

    from analysis.counts.disclosure import protect_cells

    system = ReleaseSystem(coverage, {b: list(m.values()) for b, m in members.items()}, questionnaire)
    if not system.values:
        # No response in any release: nothing to protect together; the family rule alone.
        from analysis.counts.family import suppress_family

        return suppress_family(detail, questionnaire, threshold=threshold, show_zeros=show_zeros)
    known, inherited = _earlier_figures(system)
    held = _segments_not_updated(system, detail, members, threshold)
    own = _new_release_cells(system, detail, members, held)
    sensitive = _difference_figures(system, threshold, show_zeros)
    n = len(system.values)
    values = np.asarray(system.values, dtype=np.int64)
    matrix = system.matrix()
    new_cells = np.unique(np.concatenate([c[c >= 0] for c in own.values()]))
    is_new = np.zeros(n, dtype=bool)
    is_new[new_cells] = True
    known_mask = np.zeros(n, dtype=bool)
    known_mask[list(known)] = True
    step = np.full(n, threshold / 2)
    primary = np.zeros(n, dtype=bool)
    fresh = np.zeros(n, dtype=bool)
    # A figure an earlier release hid keeps the protection that release promised: what it
    # published already bounds it, whatever this release's threshold.
    for cell, s in inherited.items():
        primary[cell] = True
        step[cell] = s
    new_primary = np.zeros(n, dtype=bool)
    new_primary[new_cells] = (values[new_cells] > 0) & (values[new_cells] < threshold)
    if not show_zeros:
        asked = values[np.maximum(own["asked"], 0)]
        small_group = (own["asked"] >= 0) & (asked > 0) & (asked < threshold)
        for column in ("count", "answered"):
            cells = own[column]
            zero = small_group & (cells >= 0) & (values[np.maximum(cells, 0)] == 0)
            new_primary[cells[zero]] = True
    if _nothing_new(system, is_new, known_mask, primary, sensitive, held, threshold):
        # Every figure of this output was printed or hidden before, at this threshold, and
        # no response arrived or left: printing what was printed and hiding what was hidden
        # leaves everything ever published as it was, and that was protected.
        # (A second file of the same counts, e.g. HTML after CSV, needs no programme at all.)
        public = known_mask & is_new
        hidden = is_new & ~public
        disclosed = 0
        detail.attrs["bounded"] = 0
    else:
        fresh |= new_primary
        shown_safe = certified(system, sensitive, known_mask | is_new)
        for cell, (s, is_fresh) in sensitive.items():
            if cell in shown_safe:
                continue
            primary[cell] = True
            step[cell] = max(step[cell], s)
            fresh[cell] |= is_fresh
        primary |= fresh
        # A figure an earlier release published is known: hiding it now protects nothing.
        primary &= ~known_mask
        fresh &= ~known_mask
        fixed = known_mask.copy()
        sizes = _size_cells(system, detail, own, members)
        differences = [set(g) for g in _difference_sets(system)]
        for cell, (b, segment) in sizes.items():
            if values[cell] >= threshold and not primary[cell]:
                if all(not 0 < system.size(g, b, segment) < threshold for g in differences):
                    fixed[cell] = True
        new_sizes = [c for c in sizes if fixed[c] and not known_mask[c]]
        for attempt in (0, 1):
            settled, targets, caught = settle(matrix, fixed, primary, new_sizes, values)
            protection = protect_cells(
                values,
                matrix,
                targets,
                threshold=threshold,
                fixed=settled,
                parts=np.asarray(system.part),
                steps=step,
                unpublished=~is_new,
                inherited=targets & ~fresh,
            )
            bounded = protection.bounded if protection.bounded is not None else np.zeros(n, dtype=bool)
            pinned = bounded & no_range(matrix, values, settled, bounded)
            late_exposed = (pinned | caught) & ~is_new & fresh
            if not late_exposed.any() or attempt or not new_sizes:
                break
            # A late group's figure pinned down through this release's segment sizes: leave the
            # sizes to the programme too (slower: the questions no longer split apart).
            fixed = fixed.copy()
            fixed[new_sizes] = False
            new_sizes = []
        # Figures earlier releases already made public (printed, or worked out from what they
        # printed) are printed again, even below this threshold: hiding them would protect nothing.
        public = (known_mask | caught | pinned) & is_new
        hidden = protection.hidden & ~public
        # The same holds for a figure that earlier releases pin down only through several of
        # their equations at once, which the equation-by-equation search above cannot see: a
        # group combined at this threshold whose figure is the sum of figures an earlier
        # release hid in one column (so their sum was known). Checked over everything published.
        exact = no_range(matrix, values, known_mask | (is_new & ~hidden), hidden & is_new)
        if exact.any():
            already = no_range(matrix, values, known_mask, exact)
            public |= already
            hidden &= ~already
        disclosed = int(((caught | pinned) & ~is_new).sum())
        detail.attrs["bounded"] = int((bounded & ~pinned & (is_new | fresh)).sum())
    return _with_suppression(
        detail,
        own,
        hidden,
        new_primary & ~public,
        public,
        values,
        threshold,
        system,
        coverage,
        held,
        disclosed,
    )


def _nothing_new(
    system: ReleaseSystem,
    is_new: np.ndarray,
    known: np.ndarray,
    inherited: np.ndarray,
    sensitive: dict[int, tuple[float, bool]],
    held: set[tuple[str, tuple[str, ...]]],
    threshold: int,
) -> bool:
    """Whether the new release only repeats what earlier releases settled: each of its
    figures printed (`known`) or hidden (`inherited`) before, by releases at this same
    threshold, with no response arrived or left since (no small difference group, no segment
    held back). At another threshold the programmes decide: a lower one may print figures a
    stricter release hid, a higher one must check what the earlier one printed."""
    if sensitive or held or any(release.threshold != threshold for release in system.prior):
        return False
    return bool((~is_new | known | inherited).all())


def _earlier_figures(system: ReleaseSystem) -> tuple[set[int], dict[int, float]]:
    """Variables earlier releases published (known), and those they hid, with the
    protection each needs (the largest half-threshold of the releases that hid it)."""
    known: set[int] = set()
    inherited: dict[int, float] = {}
    for r, release in enumerate(system.prior):
        for question, position, breakdown, segment, value in release.figures:
            cell = system.figure(r, question, position, breakdown, segment)
            if cell is None:
                continue
            if value is None:
                inherited[cell] = max(inherited.get(cell, 0.0), release.step)
            elif value != system.values[cell]:
                raise _mismatch(release.number)
            else:
                known.add(cell)
    return known, {c: s for c, s in inherited.items() if c not in known}


def _difference_sets(system: ReleaseSystem) -> dict[frozenset[int], tuple[float, bool, set[str]]]:
    """Groups of leaves that arrived or left between two releases: {leaves: (protection,
    involves the new release, breakdowns either of the two shows)}."""
    out: dict[frozenset[int], tuple[float, bool, set[str]]] = {}
    thresholds = [r.threshold for r in system.prior]
    # Only releases that published counts can be set against each other here (theme
    # reports are set against each other by `analysis.themes.releases`).
    counted = [bool(r.figures) for r in system.prior] + [True]
    for j in range(1, len(system.covers)):
        for i in range(j):
            if not (counted[i] and counted[j]):
                continue
            step = max(thresholds[i], thresholds[j] if j < system.new else thresholds[i]) / 2
            shown = system.breakdowns[i] | system.breakdowns[j]
            for leaves in (system.covers[j] - system.covers[i], system.covers[i] - system.covers[j]):
                if not leaves:
                    continue
                key = frozenset(leaves)
                old = out.get(key, (0.0, False, set()))
                out[key] = (max(old[0], step), old[1] or j == system.new, old[2] | shown)
    return out


def _difference_figures(
    system: ReleaseSystem, threshold: int, show_zeros: bool
) -> dict[int, tuple[float, bool]]:
    """Every figure of a difference group where it is smaller than the threshold: in each
    segment (atom) where from 1 to threshold - 1 of its responses are, all its figures there
    (zeros too, where some of them were asked). {variable: (protection, fresh)}."""
    out: dict[int, tuple[float, bool]] = {}
    first = next(q.id for q in system.questionnaire.questions if q.is_single_choice and q.shown_if is None)
    for leaves, (step, fresh, shown) in _difference_sets(system).items():
        step = max(step, threshold / 2) if fresh else step
        for b in [ALL, *(x for x in system.used if x in shown)]:
            segments = [()] if b == ALL else system.atoms[b]
            for segment in segments:
                size = sum(system.values[t] for t in system.terms(leaves, first, ASKED, b, segment))
                if not 0 < size < threshold:
                    continue
                for question in system.questionnaire.questions:
                    if not question.is_single_choice:
                        continue
                    asked = sum(
                        system.values[t] for t in system.terms(leaves, question.id, ASKED, b, segment)
                    )
                    if asked == 0:
                        continue
                    for position in positions(question.options):
                        terms = system.terms(leaves, question.id, position, b, segment)
                        value = sum(system.values[t] for t in terms)
                        if value > 0 or not show_zeros:
                            cell = system.variable(terms)
                            if cell is not None:
                                s, f = out.get(cell, (0.0, False))
                                out[cell] = (max(s, step), f or fresh)
    return out


def _segments_not_updated(
    system: ReleaseSystem,
    detail: pd.DataFrame,
    members: dict[str, dict[str, tuple[str, ...]]],
    threshold: int,
) -> set[tuple[str, tuple[str, ...]]]:
    """Segments of the new release whose figures stay as released before: an earlier
    release published the same segment's size, and from 1 to threshold - 1 of its
    responses arrived or left since."""
    first = next(q.id for q in system.questionnaire.questions if q.is_single_choice and q.shown_if is None)
    held: set[tuple[str, tuple[str, ...]]] = set()
    segments = [(ALL, ())] + [(b, seg) for b, m in members.items() for seg in m.values()]
    for r, release in enumerate(system.prior):
        shown = {(b, s) for q, p, b, s, v in release.figures if q == first and p == ASKED and v is not None}
        arrived = system.covers[system.new] - system.covers[r]
        gone = system.covers[r] - system.covers[system.new]
        for b, segment in segments:
            if (b, segment) in shown and any(
                0 < system.size(g, b, segment) < threshold for g in (arrived, gone) if g
            ):
                held.add((b, segment))
    del detail
    return held


def _new_release_cells(
    system: ReleaseSystem,
    detail: pd.DataFrame,
    members: dict[str, dict[str, tuple[str, ...]]],
    held: set[tuple[str, tuple[str, ...]]],
) -> dict[str, np.ndarray]:
    """The variable of each count, asked and answered figure of the new release (-1 where
    its segment is not updated: those are no figures of this release)."""
    import numpy as np

    out: dict[str, list[int]] = {"count": [], "asked": [], "answered": []}
    for row in detail[["question_id", "segment_by", "segment", "option"]].itertuples(index=False):
        segment = () if row.segment_by == ALL else members[row.segment_by][row.segment]
        for column, position in (("count", row.option), ("asked", ASKED), ("answered", ANSWERED)):
            if (row.segment_by, segment) in held:
                out[column].append(-1)
                continue
            cell = system.figure(system.new, row.question_id, position, row.segment_by, segment)
            out[column].append(-1 if cell is None else cell)
    return {k: np.asarray(v, dtype=np.int64) for k, v in out.items()}


def _size_cells(
    system: ReleaseSystem, detail: pd.DataFrame, own: dict[str, np.ndarray], members: dict[str, Any]
) -> dict[int, tuple[str, tuple[str, ...]]]:
    """The new release's asked figures of questions put to everyone: its segment sizes."""
    everyone = {q.id for q in system.questionnaire.questions if q.is_single_choice and q.shown_if is None}
    out: dict[int, tuple[str, tuple[str, ...]]] = {}
    for i, row in enumerate(detail[["question_id", "segment_by", "segment"]].itertuples(index=False)):
        if row.question_id in everyone and own["asked"][i] >= 0:
            segment = () if row.segment_by == ALL else members[row.segment_by][row.segment]
            out[int(own["asked"][i])] = (row.segment_by, segment)
    return out


def _new_cells(own: dict[str, np.ndarray]) -> np.ndarray:
    import numpy as np

    return np.unique(np.concatenate([c[c >= 0] for c in own.values()]))


def _mismatch(number: int) -> Exception:
    from analysis.releases.record import ReleaseRecordError

    return ReleaseRecordError(
        f"release {number} in the record published a figure these responses do not give: the record "
        "does not belong to these responses"
    )


def _with_suppression(
    detail: pd.DataFrame,
    own: dict[str, np.ndarray],
    hidden: np.ndarray,
    new_primary: np.ndarray,
    public: np.ndarray,
    values: np.ndarray,
    threshold: int,
    system: ReleaseSystem,
    coverage: Coverage,
    held: set[tuple[str, tuple[str, ...]]],
    disclosed: int,
) -> pd.DataFrame:
    import numpy as np

    def mask(column: str, which: np.ndarray) -> np.ndarray:
        cells = own[column]
        return np.where(cells >= 0, which[np.maximum(cells, 0)], True)

    out = detail.copy()
    count_cells = own["count"]
    not_updated = count_cells < 0
    out["suppressed"] = mask("count", hidden)
    out["suppression"] = np.where(
        not_updated,
        NOT_UPDATED,
        np.where(mask("count", new_primary), "primary", np.where(out["suppressed"], "secondary", "")),
    )
    out["asked_suppressed"] = mask("asked", hidden)
    out["answered_suppressed"] = mask("answered", hidden)
    truth = {
        "count": detail["count"].to_numpy(),
        "asked": detail["base"].to_numpy(),
        "answered": detail["answered"].to_numpy(),
    }
    # Each figure once: counts per row; asked and answered per (question, breakdown, segment).
    first = (
        (
            detail[["question_id", "segment_by", "segment"]]
            != detail[["question_id", "segment_by", "segment"]].shift()
        )
        .any(axis=1)
        .to_numpy()
    )
    figures = [(truth["count"], out["suppressed"].to_numpy(), out["suppression"].to_numpy() == "primary")]
    for column in ("asked", "answered"):
        shown_hidden = out[f"{column}_suppressed"].to_numpy()[first]
        cells = own[column][first]
        prim = np.where(cells >= 0, new_primary[np.maximum(cells, 0)], False)
        figures.append((truth[column][first], shown_hidden, prim))
    value = np.concatenate([f[0] for f in figures])
    hide = np.concatenate([f[1] for f in figures])
    prim = np.concatenate([f[2] for f in figures])
    out.attrs["cells"] = {
        "total": len(value),
        "primary": int(prim.sum()),
        "secondary": int((hide & ~prim).sum()),
        "large": int((value >= threshold).sum()),
        "large_hidden": int((hide & (value >= threshold)).sum()),
    }
    record = coverage.record
    last = record.releases[-1]
    last_leaves = record.covered_leaves(last)
    current = set(coverage.current)
    out.attrs["releases"] = {
        "earlier_releases": len(record.releases),
        "since_release": last.number,
        "responses_arrived": sum(system.leaves[n].responses for n in current - last_leaves),
        "responses_gone": sum(system.leaves[n].responses for n in last_leaves - current),
        "segments_not_updated": [
            {"breakdown": b, "segment": " + ".join(s) if s else ALL_RESPONDENTS} for b, s in sorted(held)
        ],
        "printed_again": int(public[_new_cells(own)].sum()),
        "protected_as_before": int(detail.attrs.get("bounded", 0)),
        "disclosed_before": disclosed,
    }
    del values
    return out
