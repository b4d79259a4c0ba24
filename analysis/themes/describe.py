"""Describing a theme: a phrase label from the answers, key terms and representative quotes."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
from nltk.collocations import BigramCollocationFinder, TrigramCollocationFinder
from nltk.metrics import BigramAssocMeasures, TrigramAssocMeasures

from analysis.themes.text import KEPT_WORDS, STOP_WORDS, stem

__all__ = ["key_terms", "phrase_labels", "pick_quotes", "surface_forms", "word_casing"]

_PLACEHOLDERS = frozenset({"email", "phone", "postcode", "url"})
_START_OK = frozenset({"no", "nothing", "none", "more", "less", "everything", "all"})
_END_OK = frozenset({"nothing", "none", "everything"})
_CANDIDATES = 40
_CONTRACTIONS = {
    "can not": "cannot",
    "do not": "don't",
    "does not": "doesn't",
    "did not": "didn't",
    "is not": "isn't",
    "are not": "aren't",
    "was not": "wasn't",
    "were not": "weren't",
    "could not": "couldn't",
    "would not": "wouldn't",
    "should not": "shouldn't",
    "will not": "won't",
    "have not": "haven't",
    "has not": "hasn't",
    "had not": "hadn't",
}
_CONTRACTION = re.compile(r"\b(?:" + "|".join(_CONTRACTIONS) + r")\b")
_NOT_TERMS = frozenset({"all", "more", "less", "not", "email", "phone", "postcode", "url"})
# Tokens as `text.words` finds them, but in the answer's own case.
_CASED_TOKEN = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)*")
# What ends a sentence or starts a list item: a capital after it may be only that.
_SENTENCE_END = re.compile(r"[.!?\n:;•*)]")
_CAPITAL = re.compile(r"[A-Z]")
# Answers written mostly in capitals are shouting, not spelling: above this share of
# capital letters (and this many letters) they say nothing about how a word is written.
_SHOUTING_SHARE = 0.6
_SHOUTING_LETTERS = 20


def word_casing(texts: Iterable[str]) -> dict[str, str]:
    """How the answers write each word that they write other than in lower case.

    Maps a lower-case word (as `text.words` gives it) to its commonest written form, for
    showing labels and key terms as respondents wrote them ("LGA", "NHS", "LG Inform").
    Ties go to lower case, then alphabetically, so the result never depends on order.

    Only answers that show how words are written count: not those with no capital letter
    at all (typed in lower case throughout) nor those mostly in capitals (shouting), and
    a word capitalised only because it starts a sentence ("Funding is…") is not counted.
    Possessive "'s" is dropped as `words` drops it; "n't" words are left in lower case.
    """
    counts: Counter[str] = Counter(texts)
    written: Counter[str] = Counter()
    for text, n in counts.items():
        upper = len(_CAPITAL.findall(text))
        if not upper:
            continue
        sentences = [_CASED_TOKEN.findall(sentence) for sentence in _SENTENCE_END.split(text)]
        letters = sum(len(token) for tokens in sentences for token in tokens)
        if letters >= _SHOUTING_LETTERS and upper > _SHOUTING_SHARE * letters:
            continue
        for tokens in sentences:
            if tokens and tokens[0] == tokens[0].capitalize():
                tokens = tokens[1:]
            if n == 1:
                written.update(tokens)
            else:
                for token in tokens:
                    written[token] += n
    forms: Counter[tuple[str, str]] = Counter()
    for token, c in written.items():
        lower = token.lower()
        if lower.endswith("n't"):
            continue
        if lower.endswith("'s"):
            token, lower = token[:-2], lower[:-2]
        forms[(lower, token)] += c
    best: dict[str, tuple[int, bool, str]] = {}
    for (lower, token), c in forms.items():
        key = (-c, token != lower, token)
        if lower not in best or key < best[lower]:
            best[lower] = key
    return {lower: token for lower, (_, _, token) in best.items() if token != lower}


def _cased(phrase: str, casing: dict[str, str]) -> str:
    return " ".join(casing.get(w, w) for w in phrase.split(" "))


def _first_upper(label: str) -> str:
    """The label with a capital first letter (house style), leaving "iPad"-like words alone."""
    first = label.split(" ", 1)[0]
    return label if first != first.lower() else label[:1].upper() + label[1:]


def surface_forms(word_lists: Sequence[list[str]]) -> dict[str, str]:
    """The most frequent word for each stem (ties: alphabetical), for showing key terms."""
    counts: Counter[tuple[str, str]] = Counter(
        (stem(w), w) for words in word_lists for w in words if w not in STOP_WORDS and len(w) > 1
    )
    best: dict[str, tuple[int, str]] = {}
    for (s, w), c in counts.items():
        if s not in best or (-c, w) < (-best[s][0], best[s][1]):
            best[s] = (c, w)
    return {s: w for s, (_, w) in best.items()}


def key_terms(
    stems_in: Counter[str],
    stems_all: Counter[str],
    n_in: int,
    n_all: int,
    surface: dict[str, str],
    limit: int = 8,
    casing: dict[str, str] | None = None,
) -> list[str]:
    """Terms used by many of a theme's answers and more often than elsewhere.

    `stems_in` / `stems_all` count the answers (not occurrences) using each stem in the
    theme and overall. Score: share in theme × log(lift); ties broken alphabetically.
    Each term is shown as `casing` (from `word_casing`) says the answers write it.
    """
    scored = []
    for s, c in stems_in.items():
        share_in = c / n_in
        lift = share_in / (stems_all[s] / n_all)
        if c >= 2 and lift > 1.0 and surface.get(s, s) not in _NOT_TERMS:
            scored.append((-share_in * math.log(lift), s))
    shown = [surface.get(s, s) for _, s in sorted(scored)[:limit]]
    return [casing.get(w, w) for w in shown] if casing else shown


def _edge_ok(word: str, allowed: frozenset[str]) -> bool:
    return (
        ((word not in STOP_WORDS and word not in KEPT_WORDS) or word in allowed)
        and word not in _PLACEHOLDERS
        and len(word) > 1
    )


def phrase_labels(
    theme_answers: Sequence[list[list[str]]],
    phrase_share_all: dict[str, float],
    fallback: Sequence[str],
    limit: int = 5,
    casing: dict[str, str] | None = None,
) -> list[str]:
    """Short phrases from the theme's answers, best first: the collocations marking the theme.

    Each answer in `theme_answers` is a list of word lists, one per clause.

    NLTK's collocation finders propose bigrams and trigrams (likelihood ratio, seen in at
    least 3 answers, not starting or ending with a stop word); each is scored by the share
    of the theme's answers using it, squared, × log(lift over all answers), `phrase_share_all` giving
    the share of all answers using each phrase, doubled for phrases holding one of the
    theme's top three key terms (`fallback`). "can not" and the like are shown as "cannot",
    "don't". The last entry is always the first two key terms, as a fallback.

    Words are shown as `casing` (from `word_casing`) says the answers write them ("LG
    Inform", "NHS"), and each label starts with a capital letter.
    """
    casing = casing or {}
    theme_words = [segment for answer in theme_answers for segment in answer]
    min_freq = 3 if len(theme_answers) >= 30 else 2
    candidates: set[tuple[str, ...]] = set()
    for finder_cls, measure in (
        (BigramCollocationFinder, BigramAssocMeasures.likelihood_ratio),
        (TrigramCollocationFinder, TrigramAssocMeasures.likelihood_ratio),
    ):
        finder = finder_cls.from_documents(theme_words)
        finder.apply_freq_filter(min_freq)
        finder.apply_ngram_filter(
            lambda *ws: not ((_edge_ok(ws[0], _START_OK) or ws[1] == "not") and _edge_ok(ws[-1], _END_OK))
        )
        candidates.update(ng for ng, _ in finder.score_ngrams(measure)[:_CANDIDATES])
    scored: list[tuple[float, str]] = []
    if candidates:
        n = len(theme_answers)
        # Key terms may come cased ("NHS"); the phrases here are lower case.
        top_terms = {term.lower() for term in fallback[:3]}
        counts = Counter(ng for answer in theme_answers for ng in _ngrams_of(answer, candidates))
        for ng, c in counts.items():
            phrase = " ".join(ng)
            share_in = c / n
            lift = share_in / max(phrase_share_all.get(phrase, 0.0), 1e-9)
            score = share_in**2 * math.log(max(lift, 1.0001)) * (1.15 if len(ng) == 3 else 1.0)
            if set(ng) & top_terms:
                score *= 2.0
            if c >= min_freq:
                scored.append((-score, phrase))
    labels: list[str] = []
    for _, phrase in sorted(scored):
        shown = _first_upper(_cased(_CONTRACTION.sub(lambda m: _CONTRACTIONS[m.group(0)], phrase), casing))
        if shown not in labels:
            labels.append(shown)
        if len(labels) >= limit - 1:
            break
    words = [w for w in fallback[:2] if w]
    labels.append(_first_upper(", ".join(words) or "Mixed answers"))
    return labels


def _ngrams_of(answer: list[list[str]], wanted: set[tuple[str, ...]]) -> set[tuple[str, ...]]:
    found = {tuple(ws[i : i + n]) for ws in answer for n in (2, 3) for i in range(len(ws) - n + 1)}
    return found & wanted


def pick_quotes(
    texts: Sequence[str],
    keys: Sequence[str],
    closeness: np.ndarray,
    quotable: np.ndarray,
    order: Sequence[str],
    limit: int = 5,
) -> list[str]:
    """Up to `limit` quotes: the quotable answers nearest the theme's centre, distinct texts.

    Prefers answers of 20–400 characters; shorter or longer ones only to reach three.
    `order` (e.g. response ids) breaks ties so that the choice is the same every time.
    """
    ranked = sorted(
        (i for i in range(len(texts)) if quotable[i]),
        key=lambda i: (-round(float(closeness[i]), 6), order[i]),
    )
    chosen: list[int] = []
    seen: set[str] = set()
    for prefer in (True, False):
        for i in ranked:
            if len(chosen) >= (limit if prefer else 3):
                break
            if keys[i] in seen or (prefer and not 20 <= len(texts[i]) <= 400):
                continue
            chosen.append(i)
            seen.add(keys[i])
    return [texts[i] for i in chosen]
