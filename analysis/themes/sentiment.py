"""Sentiment of answers with VADER, as the `vaderSentiment` package ships it, mended for feedback text.

VADER's lexicon comes inside the package (a core dependency), so nothing is downloaded.
VADER reads "nothing to improve" or "no problems" as negative (it sees "nothing",
"problems"); such phrases are rewritten before scoring so that praise by denial of fault is
not reported as a complaint.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

__all__ = ["NEGATIVE", "NEUTRAL", "POSITIVE", "polarity", "sentiment", "sentiment_shares"]

POSITIVE, NEUTRAL, NEGATIVE = "positive", "neutral", "negative"
_THRESHOLD = 0.05  # VADER's own recommended cut-off on the compound score.

_PROBLEM = r"(?:problems?|issues?|complaints?|concerns?|faults?|worries|worry|criticisms?|negatives?|qualms)"
_IMPROVE = (
    r"(?:improved?|improvements?|change|changed|changes|better|fault|criticise|complain(?: about)?|fix)"
)
# (pattern, replacement): denials of fault become plain praise or plain neutrality.
_MENDS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.I), replacement)
    for pattern, replacement in (
        (
            rf"\b(?:nothing|none|not? (?:a )?thing|not much|very little|little)"
            rf"(?: (?:at all|really|much|else|whatsoever|i can think of))? (?:that )?"
            rf"(?:(?:need|needs|needed|could|can|would|should) )?(?:to )?(?:be )?"
            rf"{_IMPROVE}\b",
            "fine",
        ),
        (
            rf"\b(?:no|not any|without any|never (?:had|have) any|never any)(?: (?:real|major|big|serious|"
            rf"particular))? {_PROBLEM}\b",
            "fine",
        ),
        (
            r"\b(?:can ?not|can't|couldn't|could not|cannot)(?: (?:really|honestly))? "
            r"(?:fault|criticise|complain)\b",
            "excellent",
        ),
        (
            r"\b(?:couldn't|could not|can't|cannot|can not)(?: have)? (?:been |be )?(?:any )?better\b",
            "excellent",
        ),
        (r"\b(?:no|nothing)(?: (?:at all|really))? (?:to )?(?:complain|worry) about\b", "fine"),
        (r"\bno (?:need|reason) (?:to|for) (?:change|improve|improvement)s?\b", "fine"),
        (r"\bno (?:improvements?|changes?)(?: (?:are |is )?(?:needed|required|necessary))\b", "fine"),
        (r"^\W*(?:nothing|none|no|nope|nothing at all|nothing really|not really)\W*$", ""),
    )
)


@cache
def _analyser() -> SentimentIntensityAnalyzer:
    """VADER's analyser, built once (it reads its lexicon files)."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def mend(text: str) -> str:
    """`text` with denials of fault ("no problems", "nothing to improve") rewritten for VADER."""
    for pattern, replacement in _MENDS:
        text = pattern.sub(replacement, text)
    return text


def polarity(text: str) -> str:
    """ "positive", "neutral" or "negative" for one answer."""
    mended = mend(text)
    if not mended.strip():
        return NEUTRAL
    compound = _analyser().polarity_scores(mended)["compound"]
    if compound >= _THRESHOLD:
        return POSITIVE
    if compound <= -_THRESHOLD:
        return NEGATIVE
    return NEUTRAL


def sentiment(texts: pd.Series) -> pd.Series:
    """Polarity of each text in `texts` (same index); identical texts are scored once."""
    unique = pd.unique(texts.to_numpy())
    scores = {text: polarity(text) for text in unique}
    return texts.map(scores).astype(object)


def sentiment_shares(polarities: pd.Series) -> dict[str, float]:
    """Positive / neutral / negative shares (0–1, rounded to 4 places) of a polarity series."""
    total = len(polarities)
    counts = polarities.value_counts()
    return {
        p: round(float(counts.get(p, 0)) / total, 4) if total else 0.0 for p in (POSITIVE, NEUTRAL, NEGATIVE)
    }
