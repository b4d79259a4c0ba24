"""Campaign and near-duplicate answers: organised campaigns and copy-paste between colleagues."""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.preprocessing import normalize

__all__ = ["find_campaigns"]

_CHUNK = 2000


def _shingles(key: str) -> list[str]:
    words = key.split()
    return [" ".join(words[i : i + 3]) for i in range(max(1, len(words) - 2))]


def find_campaigns(
    answers: pd.DataFrame, *, min_words: int = 6, min_size: int = 2, similarity: float = 0.7
) -> pd.DataFrame:
    """Group identical and near-identical answers.

    `answers` needs the columns `question_id` and `key` (normalised text, see
    `text.normalised_key`), one row per answer. Answers of at least `min_words` words whose
    three-word shingles overlap with cosine similarity ≥ `similarity` are linked, and linked
    answers form a group; groups of at least `min_size` answers are campaigns. Short answers
    ("Nothing", "More funding") are never campaigns: many people say them independently.

    Returns a Series-like DataFrame with the index of `answers` and one column,
    `campaign_id` (e.g. "q3-c01", numbered by size then first appearance; None outside
    campaigns).
    """
    result = pd.Series([None] * len(answers), index=answers.index, dtype=object)
    for question_id, group in answers.groupby("question_id", sort=True):
        long_enough = group[group["key"].str.count(" ") + 1 >= min_words]
        if len(long_enough) < min_size:
            continue
        keys = pd.unique(long_enough["key"].to_numpy())
        component = _near_duplicate_components(list(keys), similarity)
        key_component = dict(zip(keys, component, strict=True))
        members = long_enough["key"].map(key_component)
        sizes = members.value_counts()
        large = sizes[sizes >= min_size]
        if large.empty:
            continue
        first_seen = {c: i for i, c in enumerate(pd.unique(members.to_numpy()))}
        ordered = sorted(large.index, key=lambda c: (-int(large[c]), first_seen[c]))
        names = {c: f"{question_id}-c{n:02d}" for n, c in enumerate(ordered, start=1)}
        in_campaign = members[members.isin(names)]
        result.loc[in_campaign.index] = in_campaign.map(names).to_numpy()
    return pd.DataFrame({"campaign_id": result})


def _near_duplicate_components(keys: list[str], similarity: float) -> np.ndarray:
    """Connected-component number of each distinct key under near-duplicate links."""
    if len(keys) < 2:
        return np.arange(len(keys))
    shingles = CountVectorizer(analyzer=_shingles, binary=True, dtype=np.float64).fit_transform(keys)
    unit = normalize(shingles)
    shared = np.asarray(shingles.sum(axis=0) >= 2).ravel()
    unit = unit[:, np.flatnonzero(shared)].tocsr()  # a shingle in one answer links nothing
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    for start in range(0, unit.shape[0], _CHUNK):
        block = (unit[start : start + _CHUNK] @ unit.T).tocoo()
        keep = block.data >= similarity
        rows.append(block.row[keep] + start)
        cols.append(block.col[keep])
    links = sp.coo_matrix(
        (np.ones(sum(r.size for r in rows)), (np.concatenate(rows), np.concatenate(cols))),
        shape=(len(keys), len(keys)),
    )
    return connected_components(links, directed=False)[1]
