"""The core engine: answer vectors from NLTK tokens and scikit-learn matrix methods.

Each distinct answer becomes the concatenation of two unit vectors:
- latent semantic analysis (LSA): TF-IDF of stems and stem pairs, reduced by truncated SVD;
- a word-vector average: word vectors learnt from this question's own answers (positive
  pointwise mutual information of words used in the same answer, reduced by SVD), averaged
  with TF-IDF weights. These let "kind", "caring" and "lovely" sit together even in short
  answers that share no word.
Both are computed from the answers alone: no model, corpus or download.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize
from sklearn.utils.extmath import randomized_svd

from analysis.themes.grouping import ENGINE_GROUPING

__all__ = ["CoreEngine", "identity"]

SEED = 0


def identity(tokens: list[str]) -> list[str]:
    """Analyzer for pre-tokenised documents."""
    return tokens


def _with_pairs(tokens: list[str]) -> list[str]:
    return tokens + [f"{a} {b}" for a, b in pairwise(tokens)]


def _svd_dims(matrix: sp.spmatrix, wanted: int) -> int:
    return max(0, min(wanted, matrix.shape[0] - 1, matrix.shape[1] - 1))


class CoreEngine:
    """NLTK tokens + scikit-learn: LSA and corpus word vectors (see module docstring)."""

    name = "core"
    grouping = ENGINE_GROUPING["core"]  # how these vectors are best grouped

    def __init__(
        self, lsa_dims: int = 100, word_dims: int = 100, lsa_weight: float = 0.5, max_vocabulary: int = 20_000
    ) -> None:
        self.lsa_dims = lsa_dims
        self.word_dims = word_dims
        self.lsa_weight = lsa_weight
        self.max_vocabulary = max_vocabulary

    def vectors(self, texts: Sequence[str], tokens: Sequence[list[str]]) -> np.ndarray:
        """Unit-length vectors for distinct answers (rows of zeros where no word is known)."""
        del texts  # the core engine reads only the tokens
        min_df = 2 if len(tokens) >= 50 else 1
        try:
            tfidf = TfidfVectorizer(analyzer=_with_pairs, min_df=min_df, sublinear_tf=True, dtype=np.float32)
            matrix = tfidf.fit_transform(tokens)
        except ValueError:  # no token at all
            return np.zeros((len(tokens), 1), dtype=np.float64)
        parts = [self._lsa(matrix) * self.lsa_weight, self._word_average(tokens, min_df)]
        return normalize(np.hstack([p for p in parts if p.shape[1]]))

    def _lsa(self, matrix: sp.csr_matrix) -> np.ndarray:
        dims = _svd_dims(matrix, self.lsa_dims)
        if dims < 1:
            return normalize(matrix.toarray())
        svd = TruncatedSVD(dims, algorithm="randomized", n_iter=5, random_state=SEED)
        return normalize(svd.fit_transform(matrix))

    def _word_average(self, tokens: Sequence[list[str]], min_df: int) -> np.ndarray:
        tfidf = TfidfVectorizer(
            analyzer=identity,
            min_df=min_df,
            sublinear_tf=True,
            max_features=self.max_vocabulary,
            dtype=np.float64,
        )
        weights = tfidf.fit_transform(tokens)
        presence = weights.copy()
        presence.data[:] = 1.0
        cooccurrence = (presence.T @ presence).tocoo()
        keep = cooccurrence.row != cooccurrence.col
        rows, cols, counts = cooccurrence.row[keep], cooccurrence.col[keep], cooccurrence.data[keep]
        if counts.size == 0:
            return np.zeros((len(tokens), 0))
        totals = np.bincount(rows, weights=counts, minlength=presence.shape[1])
        pmi = np.log(counts * counts.sum() / (totals[rows] * totals[cols]))
        positive = pmi > 0
        vocabulary = presence.shape[1]
        ppmi = sp.csr_matrix(
            (pmi[positive], (rows[positive], cols[positive])), shape=(vocabulary, vocabulary)
        )
        dims = _svd_dims(ppmi, self.word_dims)
        if dims < 1:
            return np.zeros((len(tokens), 0))
        left, singular, _ = randomized_svd(ppmi, dims, n_iter=5, random_state=SEED)
        word_vectors = normalize(left * np.sqrt(singular))
        return normalize(weights @ word_vectors)
