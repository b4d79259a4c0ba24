"""Grouping answer vectors into themes: how many, which answers, "other", several per answer."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.cluster import KMeans, kmeans_plusplus
from sklearn.preprocessing import normalize

__all__ = ["Clusters", "cluster", "neighbour_average", "theme_count"]

SEED = 0
OTHER = -1
N_INIT = 5
_KNN_BLOCK = 1024  # rows per block of the neighbour search: 1,024 × n float32 similarities
_MAX_ITER = 100
_NEIGHBOURHOOD_SHARE = 5  # at most one answer in five is a neighbour of each


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


def neighbour_average(x: np.ndarray, neighbours: int, block: int = _KNN_BLOCK) -> np.ndarray:
    """Unit vectors of x_i + mean of its `neighbours` nearest rows by cosine (x_i excluded).

    Rows of `x` are unit vectors. Short answers sit noisily in embedding space; pulling each
    towards its neighbourhood lets k-means see denser, better-separated topics. The search
    is blocked: `block` rows at a time against all rows in float32, the nearest found with
    `argpartition`, so memory is block × n, never n × n (57,000 answers: ~0.5 min on 2
    cores). Ties and sums are resolved the same way every run, so the result is
    deterministic.
    """
    n = x.shape[0]
    # A neighbourhood is a small part of the answers: among a few dozen, averaging with the
    # nearest would blur every answer into the rest.
    k = min(neighbours, (n - 1) // _NEIGHBOURHOOD_SHARE)
    if k < 1:
        return x
    single = x.astype(np.float32)
    nearest = np.empty((n, k), dtype=np.int64)
    for start in range(0, n, block):
        sims = single[start : start + block] @ single.T
        rows = np.arange(sims.shape[0])
        sims[rows, start + rows] = -np.inf  # not its own neighbour
        nearest[start : start + block] = np.argpartition(-sims, k - 1, axis=1)[:, :k]
    # Sorting each row's neighbours fixes the order of the float sums below; summing one
    # neighbour column at a time keeps memory at n × dims (x[nearest] would be k times that).
    nearest.sort(axis=1)
    total = np.zeros_like(x)
    for column in nearest.T:
        total += x[column]
    return normalize(x + total / k)


def cluster(
    vectors: np.ndarray,
    weights: np.ndarray,
    *,
    min_themes: int,
    max_themes: int,
    min_share: float = 0.01,
    per_theme: float = 16.0,
    neighbours: int = 0,
    spherical: bool = False,
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
    up to `max_per_answer` themes. With `neighbours`, the vectors are first averaged with
    their nearest neighbours (`neighbour_average`) and everything, similarities included,
    is done on those; with `spherical`, spherical k-means is used (see `grouping.Grouping`).
    """
    n = vectors.shape[0]
    known = np.linalg.norm(vectors, axis=1) > 0
    usable = int(known.sum())
    total = float(weights[known].sum())
    k = min(theme_count(total, min_themes, max_themes, per_theme), usable)
    if k < 1:
        empty = np.zeros((n, 0))
        return Clusters(np.full(n, OTHER), empty, empty.astype(bool))
    x, w = vectors[known], weights[known]
    if neighbours:
        x = neighbour_average(x, neighbours)
    fit = _spherical_kmeans if spherical else _kmeans
    labels, centres = fit(x, w, k, init=None)
    while k > max(min_themes, 1):
        share = np.bincount(labels, weights=w, minlength=k) / total
        smallest = int(np.argmin(share))
        if share[smallest] >= min_share:
            break
        keep = np.delete(np.arange(k), smallest)
        k -= 1
        labels, centres = fit(x, w, k, init=centres[keep])
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


def _spherical_kmeans(
    x: np.ndarray, w: np.ndarray, k: int, init: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted spherical k-means: answers go to the unit centre of highest cosine.

    Starts from `init`, or from the best (highest summed weighted cosine) of N_INIT
    k-means++ starts (2 above 20,000 answers) drawn from a generator seeded with SEED.
    """
    if init is not None:
        labels, centres, _ = _lloyd(x, w, normalize(init))
        return labels, centres
    draws = np.random.RandomState(SEED)
    best: tuple[np.ndarray, np.ndarray, float] | None = None
    for _ in range(N_INIT if x.shape[0] <= 20_000 else 2):
        start, _ = kmeans_plusplus(x, k, sample_weight=w, random_state=draws.randint(1 << 30))
        found = _lloyd(x, w, normalize(start))
        if best is None or found[2] > best[2]:
            best = found
    assert best is not None
    return best[0], best[1]


def _lloyd(x: np.ndarray, w: np.ndarray, centres: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Alternate assignment and unit weighted-mean centres until the centres stop moving."""
    n = x.shape[0]
    weighted = x * w[:, None]
    for _ in range(_MAX_ITER):
        labels = (x @ centres.T).argmax(axis=1)
        sums = np.asarray(
            sparse.csr_matrix((np.ones(n), (labels, np.arange(n))), shape=(len(centres), n)) @ weighted
        )
        empty = ~sums.any(axis=1)
        sums[empty] = centres[empty]  # an emptied theme keeps its centre
        moved = normalize(sums)
        done = np.allclose(moved, centres)
        centres = moved
        if done:
            break
    similarity = x @ centres.T
    return similarity.argmax(axis=1), centres, float((similarity.max(axis=1) * w).sum())
