"""Theme counts by group: counted right, merged and protected like every other count."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from analysis.counts.rows import OTHER_SEGMENT
from analysis.themes.by_group import BY_GROUP_COLUMNS, protect_theme_tables, theme_counts_by_group
from analysis.themes.model import ThemesError

ROLES = ["Leader", "Chief executive", "Councillor", "Officer"]
REGIONS = ["Wales", "North West", "London", "Isles"]


def _assignments(rows: list[tuple[str, str, str | None, str | None, str]]) -> pd.DataFrame:
    """(response, theme, role, region, question) rows as the function reads them."""
    frame = pd.DataFrame(rows, columns=["response_id", "theme_id", "role", "region", "question_id"])
    frame["role"] = pd.Categorical(frame["role"], categories=ROLES)
    frame["region"] = pd.Categorical(frame["region"], categories=REGIONS)
    frame["organisation_type"] = pd.Categorical([None] * len(frame), categories=["County"])
    return frame


def _planted(rng_seed: int = 3) -> pd.DataFrame:
    """One question, 230 answers each in one theme: leaders raise "funding" far more often."""
    rng = np.random.default_rng(rng_seed)
    rows = []
    plan = [("Leader", 80, 0.7), ("Chief executive", 60, 0.3), ("Councillor", 60, 0.3), ("Officer", 30, 0.3)]
    n = 0
    for role, size, funding in plan:
        for _ in range(size):
            theme = "funding" if rng.random() < funding else str(rng.choice(["staff", "housing"]))
            region = str(rng.choice(["Wales", "North West", "London"], p=[0.45, 0.45, 0.1]))
            rows.append((f"r{n:03d}", theme, role, region, "q9"))
            n += 1
    rows.append(("r900", "rare", "Officer", "Isles", "q9"))  # a theme of one answer, a region of one
    return _assignments(rows)


def test_counts_are_the_answers_of_each_group() -> None:
    frame = _assignments(
        [
            ("a", "t1", "Leader", "Wales", "q1"),
            ("a", "t2", "Leader", "Wales", "q1"),  # one answer, two themes
            ("b", "t1", "Leader", "London", "q1"),
            ("c", "t2", "Officer", None, "q1"),  # region not stated
            ("d", None, "Officer", "Wales", "q1"),  # in no theme: in the base only
        ]
    )
    out = theme_counts_by_group(frame, breakdowns=("role", "region"))
    assert tuple(out.columns) == BY_GROUP_COLUMNS
    got = {(r.segment_by, r.segment, r.theme_id): (r.count, r.base) for r in out.itertuples()}
    assert got == {
        ("role", "Leader", "t1"): (2, 2),
        ("role", "Leader", "t2"): (1, 2),
        ("role", "Officer", "t1"): (0, 2),
        ("role", "Officer", "t2"): (1, 2),
        ("region", "Wales", "t1"): (1, 2),
        ("region", "Wales", "t2"): (1, 2),
        ("region", "London", "t1"): (1, 1),
        ("region", "London", "t2"): (0, 1),
        ("region", "Not stated", "t1"): (0, 1),
        ("region", "Not stated", "t2"): (1, 1),
    }


def test_small_groups_are_merged_under_a_name_no_category_has() -> None:
    out = theme_counts_by_group(_planted(), merge_below=10)
    regions = out[out["segment_by"] == "region"]
    combined = OTHER_SEGMENT["region"]
    assert combined in set(regions["segment"])
    members = regions.loc[regions["segment"] == combined, "members"].iloc[0]
    assert "Isles" in members
    assert (regions.drop_duplicates("segment")["base"] >= 10).all()


def test_bad_input_is_refused_with_a_reason() -> None:
    with pytest.raises(ThemesError, match="region"):
        theme_counts_by_group(pd.DataFrame({"response_id": [], "question_id": [], "theme_id": []}))
    frame = _assignments([("a", "t1", "Leader", "Wales", "q1"), ("a", "t2", "Officer", "Wales", "q1")])
    with pytest.raises(ThemesError, match="different groups"):
        theme_counts_by_group(frame)


def _themes_of(frame: pd.DataFrame) -> pd.DataFrame:
    counts = frame.groupby("theme_id", sort=False).size()
    return pd.DataFrame({"question_id": "q9", "theme_id": counts.index, "count": counts.to_numpy()})


def _narrowest_range(themes: pd.DataFrame, groups: pd.DataFrame, breakdown: str) -> float:
    """An attacker's view of one breakdown: every answer is in one theme, so each group's
    themes add up to its base and each theme's groups to its count. The least range any
    hidden figure (count or base) can be narrowed to from the published ones."""
    rows = groups[groups["segment_by"] == breakdown]
    segments = list(dict.fromkeys(rows["segment"]))
    ids = list(themes["theme_id"])
    variables: dict[tuple[str, str], int] = {}
    known: dict[tuple[str, str], float] = {}

    def slot(key: tuple[str, str], value: int, hidden: bool) -> None:
        if hidden:
            variables[key] = len(variables)
        else:
            known[key] = value

    for r in rows.itertuples():
        slot((r.segment, r.theme_id), r.count, r.count_hidden)
    for r in rows.drop_duplicates("segment").itertuples():
        slot((r.segment, "base"), r.base, r.base_hidden)
    for t in themes.itertuples():
        slot(("all", t.theme_id), t.count, t.suppressed)
    slot(("all", "base"), int(themes["count"].sum()), False)
    equations = [[(s, t) for t in ids] + [(s, "base")] for s in segments]
    equations += [[(s, t) for s in segments] + [("all", t)] for t in ids]
    equations.append([(s, "base") for s in segments] + [("all", "base")])
    if not variables:
        return float("inf")
    a_eq, b_eq = [], []
    for terms in equations:  # the parts less the whole are zero
        line, constant = np.zeros(len(variables)), 0.0
        for i, key in enumerate(terms):
            sign = -1.0 if i == len(terms) - 1 else 1.0
            if key in variables:
                line[variables[key]] += sign
            else:
                constant -= sign * known.get(key, 0)
        a_eq.append(line)
        b_eq.append(constant)
    narrowest = float("inf")
    for k in range(len(variables)):
        objective = np.zeros(len(variables))
        objective[k] = 1
        low = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None)).fun
        high = linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None))
        narrowest = min(narrowest, (-high.fun if high.status == 0 else float("inf")) - low)
    return narrowest


def test_no_figure_from_1_to_9_is_published_and_none_hidden_can_be_narrowed() -> None:
    frame = _planted()
    groups = theme_counts_by_group(frame, merge_below=10)
    themes, protected = protect_theme_tables(_themes_of(frame), groups, threshold=10)
    assert protected is not None
    published = pd.concat(
        [
            protected.loc[~protected["count_hidden"], "count"],
            protected.loc[~protected["base_hidden"], "base"],
            themes.loc[~themes["suppressed"], "count"],
        ]
    )
    assert not published.between(1, 9).any()
    assert themes.loc[themes["theme_id"] == "rare", "suppressed"].all()
    assert (protected["suppression"] == "secondary").any() or not protected["count"].between(1, 9).any()
    for breakdown in ("role", "region"):
        assert _narrowest_range(themes, protected, breakdown) >= 5 - 1e-6


def test_a_small_cell_in_a_group_is_hidden_with_company() -> None:
    rows = [(f"r{i}", "funding" if i % 2 else "staff", "Leader", "Wales", "q9") for i in range(40)]
    rows += [(f"s{i}", "funding", "Officer", "London", "q9") for i in range(27)]
    rows += [(f"u{i}", "staff", "Officer", "London", "q9") for i in range(3)]
    frame = _assignments(rows)
    groups = theme_counts_by_group(frame, breakdowns=("role",), merge_below=10)
    themes, protected = protect_theme_tables(_themes_of(frame), groups, threshold=10)
    assert protected is not None
    officers = protected[protected["segment"] == "Officer"].set_index("theme_id")
    assert officers.loc["staff", "suppression"] == "primary"
    assert officers["count_hidden"].all()  # its partner in the row is hidden too
    assert _narrowest_range(themes, protected, "role") >= 5 - 1e-6
