"""Sentiment of answers with VADER (through NLTK), mended for feedback text.

The lexicon is the `vader_lexicon.txt` shipped inside the `vaderSentiment` package (a core
dependency), so nothing is downloaded. VADER reads "nothing to improve" or "no problems" as
negative (it sees "nothing", "problems"); such phrases are rewritten before scoring so that
praise by denial of fault is not reported as a complaint.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["NEGATIVE", "NEUTRAL", "POSITIVE", "polarity", "sentiment", "sentiment_shares"]

POSITIVE, NEUTRAL, NEGATIVE = "positive", "neutral", "negative"
_PUNCT_CHARS = frozenset(".!?,;:-'\"")
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
        (r"^\W*(?:nothing|none|no|nope|nothing at all|nothing really|not really)\W*$", ""),
    )
)


@cache
def _analyser() -> Any:
    import vaderSentiment
    from nltk.sentiment.vader import SentimentIntensityAnalyzer, SentiText, VaderConstants

    class _QuickSentiText(SentiText):
        """NLTK's SentiText with the same words, found without building a dictionary of
        every word × punctuation mark for each text (most of NLTK's time on short answers)."""

        def _words_and_emoticons(self) -> list[str]:
            words_only = {w for w in self.REGEX_REMOVE_PUNCTUATION.sub("", self.text).split() if len(w) > 1}
            out = []
            for we in self.text.split():
                if len(we) <= 1:
                    continue
                if we not in words_only and (we[0] in _PUNCT_CHARS or we[-1] in _PUNCT_CHARS):
                    for p in self.PUNC_LIST:
                        if we.endswith(p) and we[: -len(p)] in words_only:
                            we = we[: -len(p)]
                            break
                        if we.startswith(p) and we[len(p) :] in words_only:
                            we = we[len(p) :]
                            break
                out.append(we)
            return out

    class _ShippedLexiconAnalyzer(SentimentIntensityAnalyzer):
        """NLTK's analyser reading the lexicon file directly (NLTK's loader refuses paths
        outside its data folders, and its data cannot be downloaded here)."""

        def __init__(self, lexicon: Path) -> None:
            self.lexicon_file = lexicon.read_text(encoding="utf-8").strip()
            self.lexicon = self.make_lex_dict()
            self.constants = VaderConstants()

        def polarity_scores(self, text: str) -> dict[str, float]:
            """NLTK's `polarity_scores`, with `_QuickSentiText`."""
            sentitext = _QuickSentiText(
                text, self.constants.PUNC_LIST, self.constants.REGEX_REMOVE_PUNCTUATION
            )
            words = sentitext.words_and_emoticons
            first_index: dict[str, int] = {}
            for index, token in enumerate(words):
                first_index.setdefault(token, index)
            sentiments: list[float] = []
            for item in words:
                i = first_index[item]
                lower = item.lower()
                if (i < len(words) - 1 and lower == "kind" and words[i + 1].lower() == "of") or (
                    lower in self.constants.BOOSTER_DICT
                ):
                    sentiments.append(0)
                    continue
                sentiments = self.sentiment_valence(0, sentitext, item, i, sentiments)
            sentiments = self._but_check(words, sentiments)
            return self.score_valence(sentiments, text)

    return _ShippedLexiconAnalyzer(Path(vaderSentiment.__file__).resolve().parent / "vader_lexicon.txt")


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
