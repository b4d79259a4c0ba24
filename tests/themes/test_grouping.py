"""The semantic engine's grouping: neighbour averaging and spherical k-means."""

from __future__ import annotations

import numpy as np
from sklearn.preprocessing import normalize

from analysis.themes.clustering import _spherical_kmeans, cluster, neighbour_average
from analysis.themes.grouping import ENGINE_GROUPING


def _unit(rows: int, dims: int, seed: int = 1) -> np.ndarray:
    return normalize(np.random.RandomState(seed).standard_normal((rows, dims)))


def test_neighbour_average_is_each_row_plus_the_mean_of_its_nearest_others() -> None:
    x = _unit(120, 16)
    k = 5
    similarity = x @ x.T
    np.fill_diagonal(similarity, -np.inf)
    nearest = np.argsort(-similarity, axis=1)[:, :k]  # brute force over the full matrix
    expected = normalize(x + x[nearest].mean(axis=1))
    # Blocks of 7 rows (many blocks, a short last one) and one block give the same answer.
    for block in (7, 1024):
        assert np.allclose(neighbour_average(x, k, block=block), expected, atol=1e-6)
    assert np.array_equal(neighbour_average(x, k, block=7), neighbour_average(x, k, block=7))
    assert np.array_equal(neighbour_average(x[:1], k), x[:1])  # a lone answer has no neighbours


def test_spherical_kmeans_finds_separated_directions_and_is_repeatable() -> None:
    centres = np.eye(6)[:3] * 4
    rng = np.random.RandomState(2)
    x = normalize(np.repeat(centres, 40, axis=0) + rng.standard_normal((120, 6)) * 0.3)
    truth = np.repeat(np.arange(3), 40)
    labels, found = _spherical_kmeans(x, np.ones(120), 3, init=None)
    # Each true group lands in one theme of its own.
    per_group = [set(labels[truth == t]) for t in range(3)]
    assert all(len(themes) == 1 for themes in per_group)
    assert len(set.union(*per_group)) == 3
    assert np.allclose(np.linalg.norm(found, axis=1), 1)
    again, _ = _spherical_kmeans(x, np.ones(120), 3, init=None)
    assert np.array_equal(labels, again)


def test_semantic_grouping_through_cluster() -> None:
    grouping = ENGINE_GROUPING["semantic"]
    x = _unit(600, 12, seed=3)
    result = cluster(
        x,
        np.ones(600),
        min_themes=2,
        max_themes=grouping.max_themes,
        min_share=grouping.min_share,
        per_theme=grouping.per_theme,
        neighbours=grouping.neighbours,
        spherical=grouping.spherical,
    )
    themes = result.similarity.shape[1]
    assert 2 <= themes <= grouping.typical(600) == 14
    assert set(result.primary) <= set(range(-1, themes))
    assert grouping.typical(10_000) == 58 and ENGINE_GROUPING["core"].typical(10_000) == 29
