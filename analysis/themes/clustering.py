"""Grouping answer vectors into themes: how many, which answers, "other", several per answer."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans
from sklearn.preprocessing import normalize

__all__ = ["Clusters", "cluster", "theme_count"]

SEED = 0
OTHER = -1
N_INIT = 5


@dataclass(frozen=True)
class Clusters:
    """Result of `cluster` for n distinct answers and k themes.

    primary: (n,) theme number of each answer, OTHER (-1) where it fits no theme.
    similarity: (n, k) cosine similarity of each answer to each theme's centre.
    members: (n, k) boolean, whether each answer raises each theme (primary included).
    """

    primary: np.ndarray
    similarity: np.ndarray
    members: np.ndarray

    @property
    def k(self) -> int:
        return self.similarity.shape[1]


def theme_count(answers: float, min_themes: int, max_themes: int, per_theme: float = 16.0) -> int:
    """Starting number of themes: √(answers / per_theme), within the analyst's bounds.

    About 25 themes for 10,000 answers, 8 for 1,000, 5 for 400; the bounds win.
    """
    return max(min_themes, min(max_themes, round(math.sqrt(max(answers, 0.0) / per_theme))))


def cluster(
    vectors: np.ndarray,
    weights: np.ndarray,
    *,
    min_themes: int,
    max_themes: int,
    min_share: float = 0.01,
    other_below: float = 0.2,
    secondary_ratio: float = 0.9,
    secondary_above: float = 0.45,
    max_per_answer: int = 3,
) -> Clusters:
    """Spherical k-means on unit `vectors` of distinct answers, `weights` answers each.

    The number of themes starts from `theme_count`; themes raised by fewer than `min_share`
    of the (weighted) answers are folded into their nearest theme and the rest refitted,
    never going below `min_themes`. Answers whose similarity to their nearest theme is
    below `other_below` (or with no known word) are OTHER. An answer also raises any further
    theme it is nearly as close to (≥ `secondary_ratio` × its best and ≥ `secondary_above`),
    up to `max_per_answer` themes.
    """
    n = vectors.shape[0]
    known = np.linalg.norm(vectors, axis=1) > 0
    usable = int(known.sum())
    total = float(weights[known].sum())
    k = min(theme_count(total, min_themes, max_themes), usable)
    if k < 1:
        empty = np.zeros((n, 0))
        return Clusters(np.full(n, OTHER), empty, empty.astype(bool))
    x, w = vectors[known], weights[known]
    labels, centres = _kmeans(x, w, k, init=None)
    while k > max(min_themes, 1):
        share = np.bincount(labels, weights=w, minlength=k) / total
        smallest = int(np.argmin(share))
        if share[smallest] >= min_share:
            break
        keep = np.delete(np.arange(k), smallest)
        k -= 1
        labels, centres = _kmeans(x, w, k, init=centres[keep])
    similarity = np.zeros((n, k))
    similarity[known] = x @ normalize(centres).T
    best = similarity.max(axis=1)
    primary = np.where(known & (best >= other_below), similarity.argmax(axis=1), OTHER)
    members = (similarity >= np.maximum(secondary_ratio * best, secondary_above)[:, None]) & (primary >= 0)[
        :, None
    ]
    if max_per_answer < k:
        rank = np.argsort(np.argsort(-similarity, axis=1, kind="stable"), axis=1, kind="stable")
        members &= rank < max_per_answer
    members[np.flatnonzero(primary >= 0), primary[primary >= 0]] = True
    return Clusters(primary, similarity, members)


def _kmeans(x: np.ndarray, w: np.ndarray, k: int, init: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    if init is None:
        model = KMeans(k, n_init=N_INIT if x.shape[0] <= 20_000 else 2, random_state=SEED)
    else:
        model = KMeans(k, init=init, n_init=1, random_state=SEED)
    model.fit(x, sample_weight=w)
    return model.labels_, model.cluster_centers_
