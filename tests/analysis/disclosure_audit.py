"""An attacker's view of everything one `counts` run publishes, worked out independently.

From the published table alone (plus the questionnaire, which is public) it states every
relation a reader knows: options add up to the number answered, that plus "Not answered"
to the number asked; segments add up to the overall figure for every option, "Not
answered", asked and answered; a follow-up question's number asked in a segment is its
parent's count of the triggering answers there; every question asked of everyone has the
same number asked in a segment. Then, by linear programming over non-negative values, it
finds the least and greatest value each hidden figure could take.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import linprog


def _hidden(value) -> bool:
    return value is None or bool(pd.isna(value))


def feasible_ranges(result) -> list[tuple[str, float, float, int]]:
    """(figure name, least, greatest, true value) for every hidden figure of `result`."""
    table = result.table.reset_index(drop=True)
    truth = result.detail.reset_index(drop=True)
    questionnaire = result.questionnaire
    names: list[str] = []
    known: list[float | None] = []
    true: list[int] = []
    index: dict[tuple, int] = {}

    def figure(key: tuple, published, value: int) -> int:
        if key not in index:
            index[key] = len(names)
            names.append(repr(key))
            known.append(None if _hidden(published) else float(published))
            true.append(int(value))
        return index[key]

    groups: dict[tuple, dict] = {}
    for i, row in table.iterrows():
        q, b, s, option = row["question_id"], row["segment_by"], row["segment"], row["option"]
        g = groups.setdefault((q, b, s), {"options": {}, "na": None})
        cell = figure(("count", q, b, s, option), row["count"], truth.at[i, "count"])
        if option == "Not answered":
            g["na"] = cell
        else:
            g["options"][option] = cell
        g["asked"] = figure(("asked", q, b, s), row["asked"], truth.at[i, "base"])
        g["answered"] = figure(("answered", q, b, s), row["answered"], truth.at[i, "answered"])
    equations: list[dict[int, float]] = []
    for g in groups.values():
        equations.append({**{c: 1.0 for c in g["options"].values()}, g["answered"]: -1.0})
        equations.append({g["answered"]: 1.0, g["na"]: 1.0, g["asked"]: -1.0})
    by_question: dict[tuple, list[tuple]] = {}
    for q, b, s in groups:
        by_question.setdefault((q, b), []).append((q, b, s))
    for (q, b), keys in by_question.items():
        if b == "all":
            continue
        overall = groups[(q, "all", "All respondents")]
        for option, cell in overall["options"].items():
            equations.append({**{groups[k]["options"][option]: 1.0 for k in keys}, cell: -1.0})
        for part in ("na", "asked", "answered"):
            equations.append({**{groups[k][part]: 1.0 for k in keys}, overall[part]: -1.0})
    first_everyone: dict[tuple, int] = {}
    for (q, b, s), g in groups.items():
        condition = questionnaire.question(q).shown_if
        if condition is None:
            if (b, s) in first_everyone:
                equations.append({g["asked"]: 1.0, first_everyone[(b, s)]: -1.0})
            else:
                first_everyone[(b, s)] = g["asked"]
        else:
            parent = groups[(condition.question, b, s)]
            terms = {g["asked"]: 1.0}
            for option in condition.any_of:
                terms[parent["options"][option]] = -1.0
            equations.append(terms)
    hidden = [i for i, k in enumerate(known) if k is None]
    position = {c: p for p, c in enumerate(hidden)}
    a = np.zeros((len(equations), len(hidden)))
    b = np.zeros(len(equations))
    for r, terms in enumerate(equations):
        for cell, coef in terms.items():
            if known[cell] is None:
                a[r, position[cell]] += coef
            else:
                b[r] -= coef * known[cell]
    useful = np.abs(a).sum(axis=1) > 0
    assert np.allclose(b[~useful], 0), "the published figures contradict each other"
    a, b = a[useful], b[useful]
    out = []
    for p, cell in enumerate(hidden):
        c = np.zeros(len(hidden))
        c[p] = 1.0
        low = linprog(c, A_eq=a, b_eq=b, bounds=(0, None), method="highs")
        high = linprog(-c, A_eq=a, b_eq=b, bounds=(0, None), method="highs")
        assert low.status == 0 and high.status in (0, 3), (low.message, high.message)
        greatest = float("inf") if high.status == 3 else -high.fun
        out.append((names[cell], low.fun, greatest, true[cell]))
    return out


def narrowed_cells(result) -> list[tuple[str, float, float, int]]:
    """Hidden figures an attacker can narrow to a range shorter than half the threshold."""
    half = result.threshold / 2
    return [r for r in feasible_ranges(result) if r[2] - r[1] < half - 1e-6]


# ---- Several releases held together ----------------------------------------------------
#
# The attacker holds every release's published table and the names of the categories in
# each merged group (published beside it). The responses came in *epochs*: each release
# was made when epochs 0 … e had arrived, so release r's figure is the sum over epochs up
# to its own of that epoch's counts, and each epoch's counts obey the relations above (at
# the level of single categories: a merged group is the sum of its categories, a category
# in no segment had nobody). The attacker solves linear programmes (and, with `integer`,
# integer programmes) over all of it, for every hidden figure of every release and every
# figure of every late epoch (those added after the first).


def _epoch_truth(frames, questionnaire, breakdowns):
    """True counts: {(epoch, q, position, breakdown, category): value}."""
    from analysis.counts.counting import ALL_RESPONDENTS, asked_mask

    truth = {}
    for epoch, responses in enumerate(frames):
        for q in questionnaire.questions:
            if not q.is_single_choice:
                continue
            asked = asked_mask(responses, questionnaire, q)
            answers = responses[q.id].astype(object)
            slots = [("all", ALL_RESPONDENTS, np.ones(len(responses), dtype=bool))]
            for b in breakdowns:
                column = responses[b].astype(object)
                for category in [*responses[b].cat.categories, "Not stated"]:
                    mask = (
                        (column == category).to_numpy()
                        if category != "Not stated"
                        else column.isna().to_numpy()
                    )
                    slots.append((b, str(category), mask))
            for b, category, mask in slots:
                inside = mask & asked
                chosen = answers[inside]
                for option in q.options:
                    truth[(epoch, q.id, option, b, category)] = int((chosen == option).sum())
                truth[(epoch, q.id, "Not answered", b, category)] = int(chosen.isna().sum())
                truth[(epoch, q.id, "asked", b, category)] = int(inside.sum())
                truth[(epoch, q.id, "answered", b, category)] = int(chosen.notna().sum())
    return truth


def attack_releases(releases, frames, questionnaire, *, integer=False):
    """(what, least, greatest, true value, required) for every protected figure.

    `releases`: list of (CountsResult, epoch) in the order published; `frames`: the
    responses of each epoch (epoch 0 first), as loaded. Checks hidden figures of every
    release and every figure of each late epoch from 1 to threshold - 1 (or 0 where from
    1 to threshold - 1 of that epoch were asked), at each segment a release shows.
    """
    from scipy import sparse

    breakdowns = sorted({b for result, _ in releases for b in result.by})
    truth = _epoch_truth(frames, questionnaire, breakdowns)
    index = {key: i for i, key in enumerate(truth)}
    values = np.array(list(truth.values()), dtype=float)
    rows, cols, coefs, rhs = [], [], [], []

    def equation(terms, value=0.0):
        r = len(rhs)
        for cell, coef in terms:
            rows.append(r)
            cols.append(index[cell] if not isinstance(cell, int) else cell)
            coefs.append(coef)
        rhs.append(value)

    single = [q for q in questionnaire.questions if q.is_single_choice]
    epochs = range(len(frames))
    categories = {b: [*frames[0][b].cat.categories, "Not stated"] for b in breakdowns}
    for e in epochs:
        first = {}
        for q in single:
            slots = [("all", "All respondents")] + [(b, str(c)) for b in breakdowns for c in categories[b]]
            for b, c in slots:
                k = (e, q.id)
                equation([((*k, o, b, c), 1.0) for o in q.options] + [((*k, "answered", b, c), -1.0)])
                equation(
                    [
                        ((*k, "answered", b, c), 1.0),
                        ((*k, "Not answered", b, c), 1.0),
                        ((*k, "asked", b, c), -1.0),
                    ]
                )
                if q.shown_if is None:
                    if (b, c) in first:
                        equation([((*k, "asked", b, c), 1.0), ((e, first[(b, c)], "asked", b, c), -1.0)])
                    else:
                        first[(b, c)] = q.id
                else:
                    terms = [((*k, "asked", b, c), 1.0)]
                    terms += [((e, q.shown_if.question, o, b, c), -1.0) for o in q.shown_if.any_of]
                    equation(terms)
            for b in breakdowns:
                for pos in [*q.options, "Not answered", "asked", "answered"]:
                    equation(
                        [((e, q.id, pos, b, str(c)), 1.0) for c in categories[b]]
                        + [((e, q.id, pos, "all", "All respondents"), -1.0)]
                    )
    targets = []  # (what, terms, true value, required range)
    late_seen = set()

    def form(epoch_list, q, pos, b, segment):
        cats = ["All respondents"] if b == "all" else list(segment)
        return [(index[(e, q, pos, b, c)], 1.0) for e in epoch_list for c in cats]

    hidden_forms = {}  # form → [what, true value, least required protection]
    published_forms = set()
    for number, (result, epoch) in enumerate(releases, start=1):
        table = result.table.reset_index(drop=True)
        members = result.members
        upto = list(range(epoch + 1))
        for b in result.by:
            listed = {c for seg in members[b].values() for c in seg}
            for q in single:
                for c in categories[b]:
                    if c not in listed:
                        for pos in [*q.options, "Not answered", "asked", "answered"]:
                            equation(form(upto, q.id, pos, b, (c,)), 0.0)
        seen = set()
        for row in table.itertuples(index=False):
            segment = () if row.segment_by == "all" else members[row.segment_by][row.segment]
            items = [(row.option, row.count)]
            if (row.question_id, row.segment_by, row.segment) not in seen:
                seen.add((row.question_id, row.segment_by, row.segment))
                items += [("asked", row.asked), ("answered", row.answered)]
            for pos, published in items:
                terms = form(upto, row.question_id, pos, row.segment_by, segment)
                key = tuple(sorted(c for c, _ in terms))
                if _hidden(published):
                    what = f"release {number}: {row.question_id} {pos} {row.segment_by}={row.segment}"
                    old = hidden_forms.get(key)
                    # Held with earlier releases, a figure is protected as the lowest threshold so far asks.
                    required = min(r.threshold for r, _ in releases[:number]) / 2
                    required = required if old is None else min(old[2], required)
                    hidden_forms[key] = [
                        what if old is None else old[0],
                        sum(values[c] for c, _ in terms),
                        required,
                    ]
                else:
                    equation(terms, float(published))
                    published_forms.add(key)
                for late in range(1, epoch + 1):
                    late_key = (late, row.question_id, pos, row.segment_by, segment)
                    if late_key in late_seen:
                        continue
                    late_seen.add(late_key)
                    late_terms = form([late], row.question_id, pos, row.segment_by, segment)
                    late_value = sum(values[c] for c, _ in late_terms)
                    asked_terms = form([late], row.question_id, "asked", row.segment_by, segment)
                    late_asked = sum(values[c] for c, _ in asked_terms)
                    size_terms = form([late], single[0].id, "asked", row.segment_by, segment)
                    late_size = sum(values[c] for c, _ in size_terms)
                    # A late group smaller than the threshold in this segment: none of its figures.
                    if 0 < late_size < result.threshold and late_asked > 0:
                        what = f"late epoch {late}: {row.question_id} {pos} {row.segment_by}={row.segment}"
                        targets.append((what, late_terms, late_value, result.threshold / 2))
    for key, (what, true, required) in hidden_forms.items():
        if key not in published_forms:  # hidden in one release, printed in another: not hidden
            targets.append((what, [(c, 1.0) for c in key], true, required))
    a = sparse.csr_matrix((coefs, (rows, cols)), shape=(len(rhs), len(values)))
    b_eq = np.array(rhs)
    assert np.allclose(a @ values, b_eq), "the published figures contradict the truth"
    return _solve_ranges(a, b_eq, values, targets, integer)


def _presolve(a, b_eq, values):
    """Cells a reader works out equation by equation: the last unknown of an equation, and
    the unknowns of an equation whose unknowns all count one way and must add up to zero."""
    known = np.zeros(a.shape[1], dtype=bool)
    sign = a.copy()
    sign.data = np.sign(sign.data)
    while True:
        unknown = (~known).astype(float)
        count = np.asarray(abs(sign) @ unknown).ravel()
        signed = np.asarray(sign @ unknown).ravel()
        residual = b_eq - a @ (values * known)
        rows = np.flatnonzero(
            (count == 1) | ((count > 1) & (np.abs(signed) == count) & (np.abs(residual) < 1e-9))
        )
        newly = np.unique(a[rows].indices) if len(rows) else np.array([], dtype=int)
        newly = newly[~known[newly]]
        if not len(newly):
            return known
        known[newly] = True


def _solve_ranges(a, b_eq, values, targets, integer):
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse.csgraph import connected_components

    known = _presolve(a, b_eq, values)
    free = np.flatnonzero(~known)
    position = np.full(a.shape[1], -1)
    position[free] = np.arange(len(free))
    sub = a[:, free].tocsr()
    rhs = b_eq - a[:, known] @ values[known]
    incidence = abs(sub).astype(bool).astype(np.int8)
    graph = sparse_bmat(incidence)
    _, labels = connected_components(graph, directed=False)
    column_label = labels[: len(free)]
    out = []
    cache = {}
    for what, terms, true, required in targets:
        cells = [c for c, _ in terms]
        if all(known[c] for c in cells):
            out.append((what, float(true), float(true), true, required))
            continue
        constant = sum(values[c] for c in cells if known[c])
        group = frozenset(column_label[position[c]] for c in cells if not known[c])
        if group not in cache:
            columns = np.flatnonzero(np.isin(column_label, list(group)))
            rows_used = np.flatnonzero(np.asarray(abs(sub[:, columns]).sum(axis=1)).ravel() > 0)
            cache[group] = (columns, sub[rows_used][:, columns], rhs[rows_used])
        columns, block, block_rhs = cache[group]
        local = {int(c): i for i, c in enumerate(columns)}
        c = np.zeros(len(columns))
        for cell in cells:
            if not known[cell]:
                c[local[int(position[cell])]] += 1.0
        if integer:
            constraint = [LinearConstraint(block, block_rhs, block_rhs)]
            whole = np.ones(len(columns))
            low = milp(c, integrality=whole, bounds=Bounds(0, np.inf), constraints=constraint)
            high = milp(-c, integrality=whole, bounds=Bounds(0, np.inf), constraints=constraint)
            least = low.fun if low.x is not None else -np.inf
            greatest = np.inf if high.status == 3 or high.x is None else -high.fun
        else:
            low = linprog(c, A_eq=block, b_eq=block_rhs, bounds=(0, None), method="highs")
            high = linprog(-c, A_eq=block, b_eq=block_rhs, bounds=(0, None), method="highs")
            assert low.status == 0 and high.status in (0, 3), (low.message, high.message)
            least = low.fun
            greatest = np.inf if high.status == 3 else -high.fun
        out.append((what, least + constant, greatest + constant, true, required))
    return out


def sparse_bmat(incidence):
    from scipy import sparse

    return sparse.bmat([[None, incidence.T], [incidence, None]], format="csr")


def narrowed_across_releases(releases, frames, questionnaire, *, integer=False):
    """The protected figures an attacker holding every release narrows below their protection."""
    return [
        r
        for r in attack_releases(releases, frames, questionnaire, integer=integer)
        if r[2] - r[1] < r[4] - 1e-6
    ]
