"""Fixtures for the themes tests: a small synthetic Taking Stock export, made at test time."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tests.analysis import builders
from tests.analysis.builders import response

# shared/ sits beside the checkout (or beside the folder of worktrees holding it).
NHS_DATA = next(
    (
        folder / "shared" / "datasets" / "nhs-patient-feedback" / "text_data.csv"
        for folder in Path(__file__).resolve().parents[2:]
        if (folder / "shared" / "datasets").is_dir()
    ),
    Path(__file__).resolve().parents[3] / "shared" / "datasets" / "nhs-patient-feedback" / "text_data.csv",
)

TOPICS = {
    "peer": [
        "Peer challenge is the most valuable part of sector led improvement",
        "The corporate peer challenge gave us honest feedback from peers",
        "Peer reviews by experienced councillors and officers help us improve",
        "More peer challenge for small district councils please",
        "Peer challenge should be repeated every few years to track progress",
    ],
    "funding": [
        "Funding cuts make it hard to maintain services and improvement capacity",
        "Government funding has fallen and councils need more financial support",
        "Budget reductions mean less money for improvement work",
        "Support councils to make savings as funding falls",
        "Financial pressure and funding reductions are the biggest challenge",
    ],
    "data": [
        "LG Inform data lets us compare performance with similar councils",
        "Benchmarking data and performance comparisons are useful",
        "Better data on performance would help councils compare themselves",
        "Comparative data through LG Inform should be kept up to date",
        "Performance data and benchmarking help members hold officers to account",
    ],
    "training": [
        "Leadership training for new councillors is excellent",
        "Member development and leadership academy courses are valuable",
        "Training for councillors on scrutiny and leadership should continue",
        "The leadership academy helped our new members",
        "More leadership training for cabinet members",
    ],
}
NOTHING = ["Nothing", "None", "No changes needed", "nothing to improve"]
NON_ANSWERS = ["", "n/a", "N/A", "No comment", "-", "no comment."]
PII = [
    "Please contact me at jane.doe@examplecouncil.gov.uk about peer challenge",
    "Ring our improvement lead on 07700 900123 to discuss funding cuts",
    "Our office at SW1A 1AA runs leadership training for councillors",
    "See www.example.org/improvement for our benchmarking data, or call 0161 496 0000",
]
SECRETS = ["jane.doe@examplecouncil.gov.uk", "07700 900123", "SW1A 1AA", "www.example.org", "0161 496 0000"]
CAMPAIGN = (
    "We the undersigned strongly oppose any reduction in the peer challenge programme and call on "
    "the LGA to protect it"
)


def _answers(rng: random.Random, n: int) -> list[str]:
    out = []
    for i in range(n):
        r = rng.random()
        if r < 0.08:
            out.append(rng.choice(NON_ANSWERS))
        elif r < 0.16:
            out.append(rng.choice(NOTHING))
        else:
            topic = rng.choice(sorted(TOPICS))
            text = rng.choice(TOPICS[topic])
            if rng.random() < 0.3:
                text += ". " + rng.choice(TOPICS[rng.choice(sorted(TOPICS))])
            out.append(text if i % 7 else text.lower())
    return out


def fixture_rows(n: int = 160, seed: int = 1) -> list[dict[str, str]]:
    """Export-shaped rows with answers to q3 and q21: drafts, PII, a campaign, formula-like text."""
    rng = random.Random(seed)
    q3, q21 = _answers(rng, n), _answers(rng, n)
    for i, text in enumerate(PII):
        q3[10 + i] = text
    for i in range(6):
        q21[20 + i] = CAMPAIGN if i % 2 else CAMPAIGN.upper() + "!"
    q3[30] = "=SUM(A1:A2) funding cuts are a formula for trouble"
    q3[31] = "-5% funding every year hurts improvement"
    return [
        response(
            i, response_id=f"R{i:04d}", status="draft" if i % 10 == 9 else "submitted", q3=q3[i], q21=q21[i]
        )
        for i in range(n)
    ]


def write_export(path: Path, n: int = 160, seed: int = 1) -> Path:
    """The rows of `fixture_rows` as an export CSV, formula-like cells prefixed as the exporter does."""
    rows = fixture_rows(n, seed)
    for row in rows:
        for qid in ("q3", "q21"):
            if row[qid].startswith(("=", "+", "-", "@", "\t", "\r")):
                row[qid] = "'" + row[qid]
    return builders.write_export(path, rows)


@pytest.fixture
def export_csv(tmp_path: Path) -> Path:
    return write_export(tmp_path / "export.csv")


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return builders.write_database(tmp_path / "consult.db", fixture_rows())


@pytest.fixture
def loaded(export_csv: Path) -> object:
    """The synthetic export read as the themes command reads it."""
    from analysis.themes.sources import load_free_text

    return load_free_text(export_csv)
