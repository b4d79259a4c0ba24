"""A campaign-heavy set of answers, made at test time: organised campaigns with the small
variations real ones have, among organic answers on the same and other topics.

Campaign copies differ as people's do when they paste a template: "Please." added or
dropped, case and punctuation changed, a word swapped, a short sentence of their own
before or after. Organic answers are written independently, several on a campaign's topic.
"""

from __future__ import annotations

import random

import pandas as pd

CAMPAIGNS = {
    "cuts": (
        "Funding cuts make support for vulnerable residents impossible and the government must "
        "restore council funding now"
    ),
    "library": (
        "Keep our local library open because it is the only warm safe place for older people "
        "and children in the village"
    ),
    "buses": (
        "Rural bus services have been cut so badly that young people cannot get to college or work "
        "without a car"
    ),
}
SIZES = {"cuts": 369, "library": 120, "buses": 60}

# Organic answers: a subject, what the respondent says of it and, often, why; written
# independently, so two rarely share more than a few words in a row.
ORGANIC = {
    "funding": (
        [
            "council budgets",
            "government funding",
            "money for social care",
            "the funding settlement",
            "grants to councils",
            "our budget",
        ],
        [
            "has been cut year after year",
            "is far too low",
            "should be fairer",
            "needs to cover several years",
            "never keeps up with demand",
            "was reduced again",
        ],
    ),
    "housing": (
        [
            "affordable housing",
            "social housing",
            "rents in town",
            "new homes",
            "temporary accommodation",
            "housing for young families",
        ],
        [
            "is badly needed",
            "costs far too much",
            "should be built on brownfield land",
            "is out of reach",
            "takes years to get",
            "must be a priority",
        ],
    ),
    "roads": (
        [
            "the potholes",
            "road repairs",
            "the roads near school",
            "pavements",
            "road maintenance",
            "the main road",
        ],
        [
            "are dangerous for cyclists",
            "take ages to be fixed",
            "are in a terrible state",
            "have been neglected",
            "need proper resurfacing",
            "cause damage to cars",
        ],
    ),
    "parks": (
        [
            "the parks",
            "green spaces",
            "the playground",
            "our nature reserve",
            "the park cafe",
            "the gardens by the river",
        ],
        [
            "are well kept and loved",
            "need more bins and lighting",
            "help my mental health",
            "should stay free for everyone",
            "are excellent for children",
            "deserve more staff",
        ],
    ),
}
_OPENINGS = ["", "", "I think ", "In my view ", "Honestly, ", "As a resident, ", "For me ", "Above all, "]
_CLOSINGS = [
    "",
    "",
    "",
    " and it gets worse every year",
    " which affects everyone I know",
    " especially in the winter",
    " and nobody seems to listen",
    " as my neighbours keep saying",
    " for people on low incomes",
    " in the north of the county",
    " here in Bishop Auckland",
    " in Bishop Auckland and beyond",
]
_OWN_WORDS = [
    "This matters to my family.",
    "I have lived here for thirty years.",
    "Thank you.",
    "Please listen to us.",
    "Enough is enough.",
]
_SWAPS = {"must": "should", "impossible": "very hard", "only": "last", "badly": "much", "now": "urgently"}


def campaign_copy(template: str, rng: random.Random) -> str:
    """One person's copy of a campaign text, with the small changes pasted templates get."""
    text = template
    r = rng.random()
    if r < 0.25:
        text += ". Please."
    elif r < 0.35:
        word = rng.choice(sorted(w for w in _SWAPS if f" {w} " in f" {text} "))
        text = f" {text} ".replace(f" {word} ", f" {_SWAPS[word]} ", 1).strip()
    elif r < 0.5:
        text = f"{rng.choice(_OWN_WORDS)} {text}."
    elif r < 0.6:
        text = f"{text}. {rng.choice(_OWN_WORDS)}"
    if rng.random() < 0.15:
        text = text.upper()
    elif rng.random() < 0.2:
        text = text.lower()
    return text if rng.random() < 0.5 else text.rstrip(".") + "!"


def campaign_heavy_answers(organic: int = 400, seed: int = 7) -> tuple[pd.DataFrame, dict[str, str]]:
    """Answers to q3 (response_id, question_id, text) and the campaign of each campaign answer
    (response id -> campaign name); organic answers are mixed in, some on a campaign's topic."""
    rng = random.Random(seed)
    rows: list[tuple[str, str]] = []
    for name in sorted(CAMPAIGNS):
        rows += [(campaign_copy(CAMPAIGNS[name], rng), name) for _ in range(SIZES[name])]
    for _ in range(organic):
        topic = rng.choice(sorted(ORGANIC))
        subjects, sayings = ORGANIC[topic]
        sentence = f"{rng.choice(subjects)} {rng.choice(sayings)}{rng.choice(_CLOSINGS)}"
        opening = rng.choice(_OPENINGS)
        text = opening + (sentence if opening else sentence[0].upper() + sentence[1:])
        if rng.random() < 0.3:
            other_subjects, other_sayings = ORGANIC[rng.choice(sorted(ORGANIC))]
            text += f". Also {rng.choice(other_subjects)} {rng.choice(other_sayings)}"
        rows.append((text, ""))
    rows += [(t, "") for t in ["N/A", "Did not answer", "no comment", "Nothing to add", "-", "n/a."]]
    rng.shuffle(rows)
    ids = [f"r{i:04d}" for i in range(len(rows))]
    answers = pd.DataFrame({"response_id": ids, "question_id": "q3", "text": [t for t, _ in rows]})
    return answers, {i: c for i, (_, c) in zip(ids, rows, strict=True) if c}
