"""Agreement of themes with human coders: NMI, ARI and Hungarian-matched theme F1."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

__all__ = ["agreement", "primary_themes"]


def primary_themes(
    answers: pd.DataFrame, assignments: pd.DataFrame, excluded_label: str = "(no answer)"
) -> pd.Series:
    """Each answer's primary theme id, indexed like `answers` (by its `response_id` column).

    Answers the report excluded (blank, "n/a") get `excluded_label`: for scoring they are
    one more group, so nothing is left out of the comparison.
    """
    primary = (
        assignments[assignments["primary"]]
        .drop_duplicates("response_id")
        .set_index("response_id")["theme_id"]
    )
    return answers["response_id"].astype(str).map(primary).fillna(excluded_label)


def agreement(predicted: pd.Series, labels: pd.Series) -> dict[str, float]:
    """NMI, ARI and matched F1 of a one-theme-per-answer `predicted` against human `labels`.

    Matched F1: themes are paired one-to-one with labels by the Hungarian method to
    maximise the summed F1 of the pairs; `f1_macro` averages the pairs' F1 over labels
    (an unmatched label scores 0), `f1_weighted` weights by label size.
    """
    pred = predicted.astype(str).to_numpy()
    true = labels.astype(str).to_numpy()
    table = pd.crosstab(true, pred)
    counts = table.to_numpy(dtype=float)
    label_sizes = counts.sum(axis=1, keepdims=True)
    theme_sizes = counts.sum(axis=0, keepdims=True)
    f1 = np.divide(2 * counts, label_sizes + theme_sizes, out=np.zeros_like(counts), where=counts > 0)
    rows, cols = linear_sum_assignment(-f1)
    matched = np.zeros(counts.shape[0])
    matched[rows] = f1[rows, cols]
    weights = label_sizes.ravel() / label_sizes.sum()
    return {
        "nmi": round(float(normalized_mutual_info_score(true, pred)), 4),
        "ari": round(float(adjusted_rand_score(true, pred)), 4),
        "f1_macro": round(float(matched.mean()), 4),
        "f1_weighted": round(float((matched * weights).sum()), 4),
        "themes": int(counts.shape[1]),
        "labels": int(counts.shape[0]),
    }
