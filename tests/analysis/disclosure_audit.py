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
