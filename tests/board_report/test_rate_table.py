"""Response rates against invitations: the family's segments, no small figure, none narrowed.

The attacker knows the published rate table, the published responses by role (invited
responses are some of them) and that those who responded are some of those invited; by
linear programming it looks for the least and greatest value of every hidden cell.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from analysis.board_report.response_summary import REPORT_BREAKDOWNS, rate_table, segment_sizes
from analysis.board_report.sources import ReportSource
from analysis.counts.counting import OTHER_SEGMENT, count_responses
from analysis.loading import load_responses
from tests.analysis.builders import response, write_export

THRESHOLD = 10


def _people(sizes: dict[str, int]) -> pd.DataFrame:
    roles = [role for role, n in sizes.items() for _ in range(n)]
    return pd.DataFrame({"role": roles, "organisation_type": "District", "region": "South East"})


CASES = {
    # A small role merged into "Other roles"; a role invited but never heard from; a
    # segment whose invited responses are few (9) and one where nearly all responded.
    "merged and small": (
        {"Leader": 150, "Chief executive": 120, "Other councillor": 25, "National stakeholder": 5},
        {
            "Leader": 100,
            "Chief executive": 90,
            "Other councillor": 12,
            "National stakeholder": 3,
            "Local partner": 4,
        },
        {"Leader": 60, "Chief executive": 85, "Other councillor": 7, "National stakeholder": 2},
    ),
    "one small response count": (
        {"Leader": 200, "Chief executive": 100, "Other councillor": 60},
        {"Leader": 150, "Chief executive": 40, "Other councillor": 30},
        {"Leader": 120, "Chief executive": 4, "Other councillor": 25},
    ),
}


def _source(tmp_path: Path, responses: dict[str, int], invited: dict[str, int], responded: dict[str, int]):
    roles = [role for role, n in responses.items() for _ in range(n)]
    rows = [response(i, role=role, q8="Yes") for i, role in enumerate(roles)]
    loaded = load_responses(write_export(tmp_path / "export.csv", rows))
    return ReportSource(
        loaded=loaded, from_database=True, invitations=_people(invited), invited_responses=_people(responded)
    )


def _number(cell: str) -> float | None:
    return None if cell == "[c]" else float(cell.replace(",", ""))


@pytest.mark.parametrize("case", list(CASES))
def test_rate_table_hides_small_figures_and_none_can_be_narrowed(tmp_path: Path, case: str) -> None:
    responses, invited, responded = CASES[case]
    source = _source(tmp_path, responses, invited, responded)
    counts = count_responses(source.loaded, by=REPORT_BREAKDOWNS, threshold=THRESHOLD)
    table = rate_table(source, counts, "role", THRESHOLD)
    sizes = dict(segment_sizes(counts, "role"))
    rows = table.rows[:-1]
    labels = [row[0] for row in rows]
    # The family's segments, in its order, then anything else invited as "Other roles".
    assert labels[: len(sizes)] == list(sizes)
    assert set(labels) - set(sizes) <= {OTHER_SEGMENT["role"]}
    assert table.rows[-1][1:3] == (f"{sum(invited.values()):,}", f"{sum(responded.values()):,}")
    hidden = 0
    for row in rows:
        for cell in row[1:3]:
            value = _number(cell)
            hidden += value is None
            assert value is None or value == 0 or value >= THRESHOLD, row
        if "[c]" in row[1:3]:
            assert row[3] == "–"
    assert hidden, "the case should need hiding"

    # The attacker's LP: per row invited, responded, invited who did not respond, and
    # responses not from an invitation (all non-negative).
    n = len(rows)
    variables = 4 * n
    a_eq, b_eq = [], []

    def equation(terms: dict[int, float], constant: float) -> None:
        row = np.zeros(variables)
        for cell, coef in terms.items():
            row[cell] += coef
        a_eq.append(row)
        b_eq.append(constant)

    for s, row in enumerate(rows):
        for k, cell in ((0, row[1]), (1, row[2])):
            if (value := _number(cell)) is not None:
                equation({k * n + s: 1.0}, value)
        equation({n + s: 1.0, 2 * n + s: 1.0, s: -1.0}, 0.0)
        equation({n + s: 1.0, 3 * n + s: 1.0}, float(sizes.get(row[0]) or 0))
    equation(dict.fromkeys(range(n), 1.0), float(sum(invited.values())))
    equation(dict.fromkeys(range(n, 2 * n), 1.0), float(sum(responded.values())))
    for s, row in enumerate(rows):
        for k, cell in ((0, row[1]), (1, row[2])):
            if cell != "[c]":
                continue
            c = np.zeros(variables)
            c[k * n + s] = 1.0
            low = linprog(c, A_eq=np.array(a_eq), b_eq=b_eq, bounds=(0, None), method="highs")
            high = linprog(-c, A_eq=np.array(a_eq), b_eq=b_eq, bounds=(0, None), method="highs")
            assert low.status == 0
            greatest = np.inf if high.status == 3 else -high.fun
            assert greatest - low.fun >= THRESHOLD / 2 - 1e-6, (row, k, low.fun, greatest)
