"""Agreement of themes with human coders: NMI, ARI and Hungarian-matched theme F1."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

__all__ = ["agreement", "coverage_summary", "label_coverage", "label_words", "primary_themes"]


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


def label_words(label: str) -> set[str]:
    """The content words of a theme label (stop words and one-letter words left out)."""
    from analysis.themes.text import STOP_WORDS, words

    return {w for w in words(label) if len(w) > 1 and w not in STOP_WORDS}


def label_coverage(
    report_themes: pd.DataFrame, assignments: pd.DataFrame, answers: pd.DataFrame
) -> pd.DataFrame:
    """How well each theme's label describes its answers: the share that use a word of it.

    `report_themes` and `assignments` are a `ThemeReport`'s tables; `answers` has the
    columns `response_id, question_id, text` the report was made from. Every answer in a
    theme counts (primary or not); the "other" rows are left out (they have no label to
    test). A word matches as written, in any case (a label "Waiting times" is found in
    "the waiting was long", not in "we waited").

    Returns question_id, theme_id, label, answers, with_label_word, share (4 places).
    """
    from analysis.themes.text import words

    text_of = {
        (str(q), str(r)): str(t)
        for q, r, t in zip(answers["question_id"], answers["response_id"], answers["text"], strict=True)
    }
    rows = []
    for theme in report_themes.itertuples(index=False):
        if str(theme.theme_id).endswith("-other"):
            continue
        wanted = label_words(str(theme.label))
        members = assignments.loc[assignments["theme_id"] == theme.theme_id, ["question_id", "response_id"]]
        texts = [text_of.get((str(q), str(r)), "") for q, r in members.itertuples(index=False)]
        hits = sum(1 for t in texts if wanted & set(words(t)))
        rows.append(
            {
                "question_id": theme.question_id,
                "theme_id": theme.theme_id,
                "label": theme.label,
                "answers": len(texts),
                "with_label_word": hits,
                "share": round(hits / len(texts), 4) if texts else 0.0,
            }
        )
    return pd.DataFrame(
        rows, columns=["question_id", "theme_id", "label", "answers", "with_label_word", "share"]
    )


def coverage_summary(coverage: pd.DataFrame, min_answers: int = 10) -> dict[str, float]:
    """Themes of at least `min_answers` answers: how many, how many have label words in half or
    more of their answers, how many in under a quarter, and the lowest share."""
    big = coverage[coverage["answers"] >= min_answers]
    return {
        "themes": len(big),
        "half_or_more": int((big["share"] >= 0.5).sum()),
        "under_quarter": int((big["share"] < 0.25).sum()),
        "lowest": float(big["share"].min()) if len(big) else 1.0,
    }
