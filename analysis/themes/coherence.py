"""Themes that say what their answers say: one theme per idea, named by the words its answers use.

After grouping, each theme is given its **label words**: up to three words, picked one at a
time for the share of the theme's answers not yet covered that use them, weighed by how
much more the theme uses them than the other answers do (share × log(lift)). Stop words,
"not"/"all", placeholders, one-letter words, names (words the answers write with a
capital letter inside a sentence: places, people) and masks such as "XXXX" are never label
words, nor are words used by only one answer.

Then the themes are made to agree with their words:
- in a theme whose label words are in fewer than `COVERED` of its answers, an answer that
  uses none of them moves to the theme it is nearest of those whose label words it does use
  (if that one is nearly as near); a theme whose words most of its answers use keeps the
  answers its grouping gave it. A secondary theme is kept only where the answer uses one of
  its words;
- a theme whose label words are still in fewer than `COVERED` of its answers lets go of its
  least typical answers without them, to "other" (they fit no theme), so no theme is named
  from noise;
- themes that share most of their answers (more than half of the smaller one's) or their
  first label word are one idea: they are merged, the merged theme keeping the higher
  similarity of the two for each answer.
This runs a few rounds, label words picked afresh each time, until nothing changes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from analysis.themes.clustering import OTHER, Clusters
from analysis.themes.text import STOP_WORDS

__all__ = ["COVERED", "Coherent", "coherent_themes", "label_word_ok"]

# Every theme's label words are in at least this share of its answers: "words most of its answers
# use". At 0.4, themes named by words in 43-49 % of their answers were left (one in eight on
# two of the coded sets); answers let go go to a theme whose words they use, or to "other".
COVERED = 0.5
_MAX_WORDS = 3
_ENOUGH = 0.8  # stop adding label words once this share of the theme is covered
_LEAST_GAIN = 0.04  # a further label word must cover at least this share more
_MIN_LIFT = 1.3
_LIFT_CAP = math.log(3.0)
_MOVE_RATIO = 0.85  # an answer moves to a theme whose words it uses if at least this near
_ROUNDS = 4
_TOP_WORDS = 6  # a theme's telling words; themes sharing more than half of them are one idea
_TELLING_SHARE = 0.05  # a telling word is used by at least this share of the theme's answers
# Words that say nothing of a theme's subject. "No" is not among them: it is what a bare "No"
# answers ("anything to improve?" - "No"), and a theme of "No" and "No complaints" is rightly
# named "No complaints"; like any word it must be used far more in the theme than elsewhere.
# An answer made only of these words ("Nothing", "None.", "No", "Nope") says there is nothing
# to add or change; themes made mostly of such answers are one idea whatever word they use.
_DENIALS = frozenset({"nothing", "none", "no", "nope", "nil"})
_GENERIC = frozenset({"not", "all", "never", "cannot", "nobody", "email", "phone", "postcode", "url"})


def label_word_ok(word: str, casing: dict[str, str]) -> bool:
    """Whether `word` (lower case) may name a theme: a content word that is not a name or a mask.

    A name is a word the answers mostly write with a capital letter inside a sentence
    ("Auckland", "Rampton", "Smith"), as `describe.word_casing` found; acronyms in capitals
    ("NHS", "GP", "A&E") are words. A mask is one letter repeated ("XXXX").
    """
    if len(word) < 2 or word in STOP_WORDS or word in _GENERIC or len(set(word)) == 1:
        return False
    written = casing.get(word, word)
    return not (written[:1].isupper() and written[1:] == written[1:].lower() and written != word.upper())


@dataclass(frozen=True)
class Coherent:
    """`clusters` made coherent, and each theme's label words (most-used first)."""

    clusters: Clusters
    words: list[list[str]]


def _word_matrix(doc_words: Sequence[frozenset[str]]) -> tuple[sp.csr_matrix, list[str]]:
    vocabulary = sorted({w for ws in doc_words for w in ws})
    index = {w: i for i, w in enumerate(vocabulary)}
    rows = np.repeat(np.arange(len(doc_words)), [len(ws) for ws in doc_words])
    cols = np.fromiter((index[w] for ws in doc_words for w in sorted(ws)), dtype=np.int64, count=rows.size)
    matrix = sp.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(len(doc_words), len(vocabulary)))
    return matrix, vocabulary


def _pick_words(
    x: sp.csr_matrix,
    docs: np.ndarray,
    weights: np.ndarray,
    share_all: np.ndarray,
    stems: np.ndarray,
    copies: np.ndarray,
) -> list[int]:
    """Up to _MAX_WORDS column numbers covering the theme's answers `docs` (see module docstring)."""
    if docs.size == 0:
        return []
    w = weights[docs]
    total = float(w.sum())
    sub = x[docs]
    share_in = np.asarray(sub.T @ w).ravel() / total
    used_by = np.asarray(sub.T @ copies[docs]).ravel()  # answers, each copy counted
    lift = np.divide(share_in, share_all, out=np.zeros_like(share_in), where=share_all > 0)
    # A theme of most answers cannot use any word much more than the rest do: it asks less.
    theme_share = total / float(weights.sum())
    allowed = (lift >= min(_MIN_LIFT, (1.0 + 1.0 / theme_share) / 2)) & (used_by >= 1.5)
    chosen: list[int] = []
    uncovered = np.ones(docs.size, bool)
    covered_share = 0.0
    while len(chosen) < _MAX_WORDS and covered_share < _ENOUGH:
        gain = np.asarray(sub[uncovered].T @ w[uncovered]).ravel() / total
        # Distinctive enough (lift 3 and more counts alike), then as widely used as can be.
        score = np.where(allowed, gain * (np.minimum(np.log(np.maximum(lift, 1.0)), _LIFT_CAP) + 0.01), -1.0)
        for j in chosen:
            score[stems == stems[j]] = -1.0
        best = int(np.argmax(score))
        if score[best] <= 0 or (chosen and gain[best] < _LEAST_GAIN):
            break
        chosen.append(best)
        uncovered &= ~np.asarray(sub[:, best].toarray()).ravel().astype(bool)
        covered_share = 1.0 - float(w[uncovered].sum()) / total
    return chosen


def coherent_themes(
    clusters: Clusters,
    doc_words: Sequence[frozenset[str]],
    weights: np.ndarray,
    stem_of: dict[str, str],
    copies: np.ndarray | None = None,
) -> Coherent:
    """Themes whose label words most of their answers use, one theme per idea (module docstring).

    `doc_words`: each distinct answer's words that may name a theme (`label_word_ok`);
    `weights`: answers per distinct answer, as counted (a campaign counted once weighs 1 in
    all); `copies`: answers per distinct answer, every copy counted (default `weights`);
    `stem_of`: each word's stem (two words of one stem are not both label words). Themes
    left empty are dropped; OTHER stays OTHER.
    """
    n, k = clusters.similarity.shape
    if k == 0 or n == 0:
        return Coherent(clusters, [[] for _ in range(k)])
    x, vocabulary = _word_matrix(doc_words)
    stem_ids = {st: i for i, st in enumerate(sorted({stem_of.get(w, w) for w in vocabulary}))}
    stems = np.array([stem_ids[stem_of.get(w, w)] for w in vocabulary], dtype=np.int64)
    total = float(weights.sum())
    share_all = np.asarray(x.T @ weights).ravel() / total if total else np.zeros(len(vocabulary))
    copies = weights if copies is None else copies
    primary = clusters.primary.copy()
    similarity = clusters.similarity.copy()
    members = clusters.members.copy()
    denial = np.fromiter((bool(ws) and ws <= _DENIALS for ws in doc_words), dtype=bool, count=n)

    def described() -> tuple[list[list[int]], np.ndarray]:
        """Each theme's label words, and which answers use them."""
        k = similarity.shape[1]
        chosen = [
            _pick_words(x, np.flatnonzero(primary == j), weights, share_all, stems, copies) for j in range(k)
        ]
        return chosen, _using(x, chosen, n)

    for _ in range(_ROUNDS):
        words, uses = described()
        before = primary.copy()
        primary = _move_to_words(primary, similarity, uses, weights)
        primary = _let_go(primary, similarity, uses, weights)
        merged = _same_ideas(
            primary,
            members & uses,
            weights,
            _top_words(x, primary, weights, share_all, len(words)),
            _mostly(primary, denial, weights, len(words)),
        )
        if merged:
            primary, similarity, members = _merge(primary, similarity, members, merged)
        if not merged and np.array_equal(primary, before):
            break
    words, uses = described()
    primary = _let_go(primary, similarity, uses, weights)
    k = similarity.shape[1]
    keep = np.flatnonzero(np.bincount(primary[primary >= 0], minlength=k) > 0)
    remap = np.full(k, OTHER)
    remap[keep] = np.arange(keep.size)
    primary = np.where(primary >= 0, remap[np.maximum(primary, 0)], OTHER)
    similarity, uses = similarity[:, keep], uses[:, keep]
    members = (members[:, keep] & uses) & (primary >= 0)[:, None]
    members[np.flatnonzero(primary >= 0), primary[primary >= 0]] = True
    return Coherent(Clusters(primary, similarity, members), [[vocabulary[i] for i in words[j]] for j in keep])


def _using(x: sp.csr_matrix, columns: list[list[int]], n: int) -> np.ndarray:
    """(n, themes) whether each answer uses one of each theme's words (column numbers)."""
    out = np.zeros((n, len(columns)), bool)
    for j, chosen in enumerate(columns):
        if chosen:
            out[:, j] = np.asarray(x[:, chosen].sum(axis=1)).ravel() > 0
    return out


def _move_to_words(
    primary: np.ndarray, similarity: np.ndarray, uses: np.ndarray, weights: np.ndarray
) -> np.ndarray:
    """In themes whose label words fewer than COVERED of their answers use, answers not using
    them go to the nearest theme whose words they use, when it is nearly as near.

    A theme most of whose answers use its words already says what it holds: its other
    answers were put there by what they mean, and moving them out to whichever theme's
    word they happen to use (often a broad one, "staff" or "care") scatters the idea.
    """
    moved = primary.copy()
    themed = primary >= 0
    own_theme = np.maximum(primary, 0)
    own_uses = uses[np.arange(len(primary)), own_theme]
    k = similarity.shape[1]
    size = np.bincount(own_theme[themed], weights=weights[themed], minlength=k)
    covered = np.bincount(own_theme[themed & own_uses], weights=weights[themed & own_uses], minlength=k)
    short = covered < COVERED * size
    rows = np.flatnonzero(themed & ~own_uses & short[own_theme])
    if rows.size == 0:
        return moved
    candidate = np.where(uses[rows], similarity[rows], -np.inf)
    best = candidate.argmax(axis=1)
    best_similarity = candidate[np.arange(rows.size), best]
    own = similarity[rows, primary[rows]]
    go = np.isfinite(best_similarity) & (best_similarity >= _MOVE_RATIO * own)
    moved[rows[go]] = best[go]
    return moved


def _let_go(primary: np.ndarray, similarity: np.ndarray, uses: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """While fewer than COVERED of a theme's answers use its label words, the least typical of
    those without them leave it, each to the nearest theme whose label words it uses, or to
    OTHER: it fits no theme."""
    out = primary.copy()
    for j in range(similarity.shape[1]):
        docs = np.flatnonzero(out == j)
        if docs.size == 0:
            continue
        with_words = uses[docs, j]
        covered = float(weights[docs][with_words].sum())
        if covered >= COVERED * float(weights[docs].sum()):
            continue
        allowed = covered / COVERED - covered  # weight of answers without words that may stay
        without = docs[~with_words]
        order = without[np.argsort(-similarity[without, j], kind="stable")]
        leaving = order[np.cumsum(weights[order]) > allowed + 1e-9]
        candidate = np.where(uses[leaving], similarity[leaving], -np.inf)
        candidate[:, j] = -np.inf
        best = candidate.argmax(axis=1)
        found = np.isfinite(candidate[np.arange(leaving.size), best])
        out[leaving] = np.where(found, best, OTHER)
    return out


def _top_words(
    x: sp.csr_matrix, primary: np.ndarray, weights: np.ndarray, share_all: np.ndarray, k: int
) -> list[set[int]]:
    """Each theme's _TOP_WORDS most telling words (share × capped log lift), as column numbers."""
    out = []
    for j in range(k):
        docs = np.flatnonzero(primary == j)
        if docs.size == 0:
            out.append(set())
            continue
        w = weights[docs]
        share_in = np.asarray(x[docs].T @ w).ravel() / float(w.sum())
        lift = np.divide(share_in, share_all, out=np.zeros_like(share_in), where=share_all > 0)
        telling = (lift >= _MIN_LIFT) & (share_in >= _TELLING_SHARE)
        score = np.where(telling, share_in * np.minimum(np.log(np.maximum(lift, 1.0)), _LIFT_CAP), 0)
        best = np.argsort(-score, kind="stable")[:_TOP_WORDS]
        out.append({int(i) for i in best if score[i] > 0})
    return out


def _mostly(primary: np.ndarray, flag: np.ndarray, weights: np.ndarray, k: int) -> np.ndarray:
    """(k,) whether more than half of each theme's answers (weighted) are `flag`ged."""
    themed = primary >= 0
    size = np.bincount(primary[themed], weights=weights[themed], minlength=k)
    flagged = np.bincount(primary[themed & flag], weights=weights[themed & flag], minlength=k)
    return flagged > 0.5 * size


def _same_ideas(
    primary: np.ndarray,
    members: np.ndarray,
    weights: np.ndarray,
    top: list[set[int]],
    denials: np.ndarray | None = None,
) -> list[tuple[int, int]]:
    """Pairs of themes that are one idea: more than half of the smaller one's answers in common,
    most of their telling words, or both mostly answers saying only "nothing" (`denials`: per
    theme). Each theme in at most one pair per round."""
    k = members.shape[1]
    membership = members | (primary[:, None] == np.arange(k)[None, :])
    sizes = membership.T.astype(float) @ weights
    shared = (membership.T.astype(float) * weights) @ membership.astype(float)
    pairs = []
    for a in range(k):
        for b in range(a + 1, k):
            small = min(sizes[a], sizes[b])
            if small <= 0:
                continue
            words_shared = len(top[a] & top[b])
            same_words = words_shared > _TOP_WORDS // 2
            if denials is not None and denials[a] and denials[b]:
                pairs.append((3.0, a, b))  # before any other pair: the scores below are at most 2
            elif shared[a, b] > 0.5 * small or same_words:
                pairs.append((shared[a, b] / small + words_shared / _TOP_WORDS, a, b))
    taken: set[int] = set()
    out = []
    for _, a, b in sorted(pairs, reverse=True):
        if a in taken or b in taken:
            continue
        big, small = (a, b) if sizes[a] >= sizes[b] else (b, a)
        out.append((big, small))
        taken |= {a, b}
    return out


def _merge(
    primary: np.ndarray, similarity: np.ndarray, members: np.ndarray, pairs: list[tuple[int, int]]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merge each (kept, gone) pair: the kept theme takes the gone one's answers and, for each
    answer, the higher similarity of the two; the gone column is removed."""
    similarity = similarity.copy()
    members = members.copy()
    primary = primary.copy()
    for kept, gone in pairs:
        similarity[:, kept] = np.maximum(similarity[:, kept], similarity[:, gone])
        members[:, kept] |= members[:, gone]
        primary[primary == gone] = kept
    gone_ids = sorted(g for _, g in pairs)
    keep = np.setdiff1d(np.arange(similarity.shape[1]), gone_ids)
    remap = np.full(similarity.shape[1], OTHER)
    remap[keep] = np.arange(keep.size)
    primary = np.where(primary >= 0, remap[np.maximum(primary, 0)], OTHER)
    return primary, similarity[:, keep], members[:, keep]
