"""A generated, realistic export: skewed segments, an empty region, a region of 3, blanks,
follow-up questions, an option nobody chose, and free text that names councils and people."""

from __future__ import annotations

import numpy as np

from tests.analysis.builders import COLUMNS, QUESTIONNAIRE

ROLES = {
    "Leader": 0.16,
    "Chief executive": 0.13,
    "Other councillor": 0.36,
    "Other council officer": 0.22,
    "Representative of a professional body": 0.04,
    "National stakeholder": 0.03,
    "Local partner": 0.04,
    "Other": 0.02,
}
ORGANISATIONS = {
    "District": 0.3,
    "County": 0.12,
    "Metropolitan": 0.14,
    "London": 0.1,
    "Unitary": 0.18,
    "Welsh": 0.05,
    "Fire": 0.03,
    "Parks": 0.004,
    "Professional body": 0.03,
    "Government department": 0.01,
    "Inspectorate": 0.006,
    "Other national organisation": 0.01,
    "Local partner organisation": 0.02,
    "Other organisation": 0.01,
}
REGIONS = {
    "East of England": 0.11,
    "East Midlands": 0.08,
    "Greater London": 0.12,
    "North East": 0.05,
    "North West": 0.14,
    "South West": 0.1,
    "South East": 0.18,
    "West Midlands": 0.1,
    "Yorkshire & Humber": 0.09,
    "National / not applicable": 0.03,
    # "Wales": nobody (empty); 3 respondents are added by hand.
}
COMMENTS = [
    "More peer support, please.",
    "As Leader of Hartlepool Borough Council I resigned over the lack of support.",
    "Cllr Jane Smith at Kent County Council said the peer review was excellent.",
    "Publish everything; transparency builds trust.",
    "Our experience with Cornwall Council and Mr Patel was very positive.",
    "Scrutiny needs resourcing and training.",
    "",
]


def _pick(rng: np.random.Generator, weights: dict[str, float], n: int) -> np.ndarray:
    names = np.array(list(weights), dtype=object)
    p = np.array(list(weights.values()), dtype=float)
    return rng.choice(names, n, p=p / p.sum())


def realistic_rows(n: int = 2400, seed: int = 14) -> list[dict[str, str]]:
    """`n` submitted responses (3 of them from Wales) as export rows."""
    rng = np.random.default_rng(seed)
    role = _pick(rng, ROLES, n)
    organisation = _pick(rng, ORGANISATIONS, n)
    region = _pick(rng, REGIONS, n)
    region[:3] = "Wales"
    organisation[:3] = "Welsh"
    channel = rng.choice(
        np.array(["web", "email", "paper", "other"], dtype=object), n, p=[0.9, 0.06, 0.035, 0.005]
    )
    rows = []
    data: dict[str, np.ndarray] = {}
    for q in QUESTIONNAIRE.questions:
        if q.is_single_choice:
            weights = rng.dirichlet(np.ones(len(q.options)) * 2.0)
            if q.id == "q18":
                weights[2] = 0.0  # "A new inspectorate": nobody chose it
                weights /= weights.sum()
            options = np.array([*q.options, ""], dtype=object)
            # Roles lean differently: the answer depends a little on the role.
            answers = rng.choice(options, n, p=np.r_[weights * 0.9, 0.1])
        else:
            answers = np.where(rng.random(n) < 0.3, rng.choice(np.array(COMMENTS, dtype=object), n), "")
        if q.shown_if is not None:
            shown = np.isin(data[q.shown_if.question], q.shown_if.any_of)
            answers = np.where(shown, answers, "")
        data[q.id] = answers
    for i in range(n):
        row = {c: "" for c in COLUMNS}
        row.update(
            response_id=f"r{i:05d}",
            status="submitted",
            channel=str(channel[i]),
            role=str(role[i]),
            organisation_type=str(organisation[i]),
            region=str(region[i]),
            updated_on="2015-02-01",
        )
        for q in QUESTIONNAIRE.questions:
            row[q.id] = str(data[q.id][i])
        rows.append(row)
    return rows


SMALL_ROLES = {
    "Leader": 0.30,
    "Chief executive": 0.24,
    "Other councillor": 0.18,
    "Other council officer": 0.13,
    "Representative of a professional body": 0.06,
    "National stakeholder": 0.05,
    "Local partner": 0.03,
    "Other": 0.01,
}
SMALL_REGIONS = {
    "South East": 0.22,
    "Greater London": 0.18,
    "North West": 0.14,
    "East of England": 0.11,
    "West Midlands": 0.1,
    "Yorkshire & Humber": 0.09,
    "South West": 0.08,
    "East Midlands": 0.05,
    "National / not applicable": 0.03,
    # Wales: 1 respondent, North East: 2, both added by hand; no region is left empty but by
    # the questionnaire's own list (none here is).
}


def small_skewed_rows(n: int = 900, seed: int = 21) -> list[dict[str, str]]:
    """`n` submitted responses like a small consultation's export: skewed roles and regions, a
    region of 1 (Wales), one of 2 (North East), an empty one (none left: every listed region but
    these has people, and "Wales"/"North East" are tiny), an organisation type of 4 (Parks),
    conditions, 10% blank answers and a few blank roles and regions."""
    rows = realistic_rows(n, seed=seed)
    rng = np.random.default_rng(seed)
    roles = _pick(rng, SMALL_ROLES, n)
    regions = _pick(rng, SMALL_REGIONS, n)
    regions[0] = "Wales"
    regions[1:3] = "North East"
    # An empty region: nobody in East Midlands.
    regions[regions == "East Midlands"] = "South East"
    organisations = np.array([r["organisation_type"] for r in rows], dtype=object)
    organisations[organisations == "Parks"] = "District"
    organisations[3:7] = "Parks"
    blank = rng.random(n) < 0.01
    for i, row in enumerate(rows):
        row["role"] = "" if blank[i] else str(roles[i])
        row["region"] = "" if blank[(i + 7) % n] else str(regions[i])
        row["organisation_type"] = str(organisations[i])
    return rows
