"""An outsider's consultation for the Board paper, and the truth to check the paper against.

911 submitted responses, built with exact counts where it matters:

- three planted differences between a group and everyone else (`PLANTED`), large and
  certain; questions where every group answers alike (`NO_DIFFERENCE`);
- rounding traps: 131 of 270 (48.52 per cent: "48.5%" in a table, "49 per cent" in a
  sentence, where rounding twice, or half to even, gives 48), and 105 of 400 (26.25 per
  cent: "26.3%", where half to even gives 26.2);
- small roles, types of organisation and regions to combine (one of them the answer
  option "Other organisation", to catch a combined group named like an option);
- free text: 80 answers to question 3 (a stored theme set in the database tests), 40 to
  question 21 (no themes), none elsewhere.

`truth` counts straight from the rows, sharing no code with the report.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from tests.analysis.builders import COLUMNS, QUESTIONNAIRE

ROLES = {
    "Leader": 270,
    "Chief executive": 150,
    "Other councillor": 300,
    "Other council officer": 180,
    "National stakeholder": 6,
    "Local partner": 5,
}
ORGANISATIONS = {
    "District": 300,
    "County": 200,
    "Metropolitan": 150,
    "London": 100,
    "Unitary": 150,
    "Parks": 4,
    "Inspectorate": 3,
    "Other organisation": 4,
}
REGIONS = {
    "North West": 200,
    "South East": 250,
    "Greater London": 150,
    "East of England": 150,
    "West Midlands": 150,
    "Wales": 6,
    "Yorkshire & Humber": 5,
}
N = sum(ROLES.values())
assert N == sum(ORGANISATIONS.values()) == sum(REGIONS.values()) == 911

Q9_LOCAL = "No – this should be a matter of local choice"
#: (question, breakdown, group, answer): the group is much more likely to give the answer.
PLANTED = {
    ("q8", "role", "Leader", "Yes"),
    ("q13", "region", "North West", "No"),
    ("q9", "organisation_type", "County", Q9_LOCAL),
}
#: Questions every group answers alike: the paper must report no difference for them.
NO_DIFFERENCE = ("q1", "q10", "q15", "q17", "q18")
Q3_ANSWERS, Q21_ANSWERS = 80, 40


def _sizes(rng: np.random.Generator, sizes: dict[str, int]) -> np.ndarray:
    values = np.array([name for name, size in sizes.items() for _ in range(size)], dtype=object)
    rng.shuffle(values)
    return values


def _exact(rng: np.random.Generator, where: np.ndarray, counts: dict[str, int], out: np.ndarray) -> None:
    """Give the respondents at `where` (indices) exactly `counts` of each answer, in random order."""
    assert len(where) == sum(counts.values()), (len(where), counts)
    answers = np.array([a for a, k in counts.items() for _ in range(k)], dtype=object)
    rng.shuffle(answers)
    out[where] = answers


def _alike(rng: np.random.Generator, n: int, options: tuple[str, ...], p: list[float]) -> np.ndarray:
    """Answers drawn the same way for everyone (p: each option, then blank)."""
    return rng.choice(np.array([*options, ""], dtype=object), n, p=p)


def outsider_rows(seed: int = 20) -> list[dict[str, str]]:
    """The 911 responses as export rows."""
    rng = np.random.default_rng(seed)
    role, organisation, region = _sizes(rng, ROLES), _sizes(rng, ORGANISATIONS), _sizes(rng, REGIONS)
    everyone = np.arange(N)
    answers: dict[str, np.ndarray] = {qid: np.full(N, "", dtype=object) for qid in QUESTIONNAIRE.question_ids}
    q = QUESTIONNAIRE.question
    answers["q1"] = _alike(rng, N, q("q1").options, [0.2, 0.3, 0.25, 0.2, 0.05])
    leaders = everyone[role == "Leader"]
    _exact(rng, leaders, {"Yes": 189, "No": 54, "Don't know": 27}, answers["q8"])
    _exact(rng, everyone[role != "Leader"], {"Yes": 192, "No": 321, "Don't know": 128}, answers["q8"])
    county = everyone[organisation == "County"]
    options9 = q("q9").options
    _exact(rng, county, dict(zip(options9, (20, 30, 110, 40), strict=True)), answers["q9"])
    _exact(
        rng,
        everyone[organisation != "County"],
        dict(zip(options9, (200, 250, 107, 154), strict=True)),
        answers["q9"],
    )
    _exact(rng, rng.permutation(N)[:400], {"Yes": 105, "No": 190, "Don't know": 105}, answers["q10"])
    north_west = everyone[region == "North West"]
    _exact(rng, north_west, {"Yes": 60, "No": 120, "Don't know": 20}, answers["q13"])
    _exact(rng, everyone[region != "North West"], {"Yes": 430, "No": 142, "Don't know": 139}, answers["q13"])
    asked14 = answers["q13"] == "Yes"
    answers["q14"] = np.where(asked14, _alike(rng, N, q("q14").options, [0.4, 0.35, 0.2, 0.05]), "")
    _exact(rng, rng.permutation(N)[:270], {"Yes": 131, "No": 80, "Don't know": 59}, answers["q15"])
    asked16 = answers["q15"] == "Yes"
    answers["q16"] = np.where(asked16, _alike(rng, N, q("q16").options, [0.5, 0.3, 0.15, 0.05]), "")
    answers["q17"] = _alike(rng, N, q("q17").options, [0.5, 0.25, 0.2, 0.05])
    answers["q18"] = _alike(rng, N, q("q18").options, [0.3, 0.25, 0.2, 0.2, 0.05])
    for i in range(Q3_ANSWERS):
        answers["q3"][i] = (
            f"Answer {i} on {'peer challenge and support' if i < 40 else 'funding cuts and savings'}"
        )
    for i in range(Q21_ANSWERS):
        answers["q21"][N - 1 - i] = f"Other comment number {i} on councils and their work"
    rows = []
    for i in range(N):
        row = {c: "" for c in COLUMNS}
        row.update(
            response_id=f"o{i:04d}",
            status="submitted",
            channel="web" if i % 10 else "email",
            role=str(role[i]),
            organisation_type=str(organisation[i]),
            region=str(region[i]),
            updated_on="2027-01-12",
        )
        for qid in QUESTIONNAIRE.question_ids:
            row[qid] = str(answers[qid][i])
        rows.append(row)
    return rows


@dataclass(frozen=True)
class Figures:
    """One question's true figures for a group (or everyone): asked, answered, counts by answer."""

    asked: int
    answered: int
    counts: Counter


def truth(rows: list[dict[str, str]]) -> dict[tuple[str, str, str], Figures]:
    """(question, breakdown, group) → Figures; breakdown "all" with group "all" for everyone."""
    out = {}
    for question in QUESTIONNAIRE.questions:
        if not question.is_single_choice:
            continue
        condition = question.shown_if
        asked = [r for r in rows if condition is None or r[condition.question] in condition.any_of]
        groups: dict[tuple[str, str], list[dict[str, str]]] = {("all", "all"): asked}
        for column in ("role", "organisation_type", "region"):
            for r in asked:
                groups.setdefault((column, r[column]), []).append(r)
        for (column, group), members in groups.items():
            given = Counter(r[question.id] for r in members if r[question.id])
            out[(question.id, column, group)] = Figures(len(members), sum(given.values()), given)
    return out
