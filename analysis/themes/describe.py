"""Describing a theme: a label in the answers' own words, key terms and representative quotes."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from analysis.themes.text import STOP_WORDS, stem

__all__ = ["key_terms", "label_phrase", "pick_quotes", "surface_forms", "word_casing"]

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
# A label phrase never ends on a stop word or a bare negation: "No, not really" answers make a
# theme labelled "No", not "No not".
_DANGLING = STOP_WORDS | {"not", "no"}
# Tokens as `text.words` finds them, but in the answer's own case.
_CASED_TOKEN = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)*")
# What ends a sentence or starts a list item: a capital after it may be only that.
_SENTENCE_END = re.compile(r"[.!?\n:;•*)]")
_CAPITAL = re.compile(r"[A-Z]")
# A word with a capital between lower-case letters ("vIsIt"; brand names like "iPad" or
# "LinkedIn" have one, but an answer seldom has two of them).
_LOWER_THEN_CAPITAL = re.compile(r"[a-z][A-Z]")
_ODDLY_CASED = re.compile(r"\b[A-Za-z]*[a-z][A-Z][a-z][A-Za-z]*")
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
    a word capitalised only because it starts a sentence ("Funding is…") is not counted, nor
    are answers with capitals inside two or more words ("AppoIntment tImes").
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
        if len(_ODDLY_CASED.findall(text)) >= 2:
            # Capitals inside several words ("vIsIt", "waItIng") are a keyboard's or a
            # scanner's, not the writer's spelling: such an answer says nothing about casing.
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
        if len(_LOWER_THEN_CAPITAL.findall(token)) >= 2:
            continue  # "vIsIt", "waItIng": not how anyone spells a word
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
    min_share: float = 0.0,
    eligible: Callable[[str], bool] | None = None,
) -> list[str]:
    """Terms used by many of a theme's answers and more often than elsewhere.

    `stems_in` / `stems_all` count the answers (not occurrences) using each stem in the
    theme and overall. Score: share in theme × log(lift); ties broken alphabetically. A
    term is used by at least two answers and `min_share` of the theme's, and its shown
    word passes `eligible` (e.g. not a name). Each term is shown as `casing` (from
    `word_casing`) says the answers write it.
    """
    scored = []
    for s, c in stems_in.items():
        share_in = c / n_in
        lift = share_in / (stems_all[s] / n_all)
        word = surface.get(s, s)
        if (
            c >= 2
            and share_in >= min_share
            and lift > 1.0
            and word not in _NOT_TERMS
            and (eligible is None or eligible(word))
        ):
            scored.append((-share_in * math.log(lift), s))
    shown = [surface.get(s, s) for _, s in sorted(scored)[:limit]]
    return [casing.get(w, w) for w in shown] if casing else shown


def label_phrase(
    words: list[str], segments: Sequence[Sequence[Sequence[str]]], casing: dict[str, str]
) -> str:
    """A readable label holding the label `words`: the commonest short phrase of the theme's
    answers joining the first two of them, if one is common enough, then the rest after a
    comma ("Friendly staff", "Waiting list, appointment"); else the words with commas.

    `segments` are the theme's answers as clauses of words (most typical first).
    """
    if not words:
        return ""
    shown = [casing.get(w, w) for w in words]
    counts: dict[tuple[str, ...], int] = {}
    first, second = words[0], words[1] if len(words) > 1 else None
    for answer in segments:
        seen: set[tuple[str, ...]] = set()
        for clause in answer:
            for size in (2, 3):
                for i in range(len(clause) - size + 1):
                    gram = tuple(clause[i : i + size])
                    if gram[0] in STOP_WORDS or gram[-1] in _DANGLING or first not in gram:
                        continue
                    if second is not None and second not in gram and size == 3:
                        continue
                    seen.add(gram)
        for gram in seen:
            counts[gram] = counts.get(gram, 0) + 1
    phrase: tuple[str, ...] = ()
    if counts:
        enough = max(3, math.ceil(0.1 * len(segments)))
        ranked = sorted(
            counts.items(), key=lambda item: (-(second in item[0]) if second else 0, -item[1], item[0])
        )
        for gram, c in ranked:
            if c >= enough:
                phrase = gram
                break
    if phrase:
        text = _CONTRACTION.sub(lambda m: _CONTRACTIONS[m.group(0)], " ".join(phrase))
        label = ", ".join([_cased(text, casing), *(casing.get(w, w) for w in words if w not in phrase)])
    else:
        label = ", ".join(shown)
    return _first_upper(label)


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
