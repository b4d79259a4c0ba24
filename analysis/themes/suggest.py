"""The nearest reviewed theme for answers that arrived after a review: a suggestion only.

When themes are found again after more responses come in, the analysts' review is kept
and the new answers are not clustered afresh (that would redraw themes the analysts have
already named and checked). Instead each new answer is compared with the answers analysts
put in each theme, and the most similar theme is offered as a suggestion for an analyst
to accept. Works offline: TF-IDF over the same stemmed tokens as the core engine.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.themes.model import ThemesError
from analysis.themes.text import clean_text, is_non_answer, tokens

__all__ = ["MIN_SIMILARITY", "SUGGESTION_COLUMNS", "nearest_reviewed_theme"]

# Below this cosine similarity to every theme, an answer shares next to no words with any
# reviewed theme: offering one anyway would be a guess an analyst has to undo.
MIN_SIMILARITY = 0.05

SUGGESTION_COLUMNS = ["response_id", "theme_id", "similarity", "reason"]


def _identity(values: list[str]) -> list[str]:
    return values


def nearest_reviewed_theme(
    reviewed: pd.DataFrame, new: pd.DataFrame, *, min_similarity: float = MIN_SIMILARITY
) -> pd.DataFrame:
    """The reviewed theme nearest to each new answer.

    `reviewed`: one row per reviewed answer and theme it is in, columns `response_id`,
        `text`, `theme_id` (an answer in several themes has several rows; answers in no
        theme are left out by the caller or have a missing theme_id and are ignored).
    `new`: one row per new answer, columns `response_id`, `text`.
    Returns one row per new answer, in the order given, with the columns
    `response_id`, `theme_id` (missing where there is no suggestion), `similarity`
    (cosine, 0–1) and `reason` (empty for a suggestion; otherwise why there is none:
    "no answer", "no reviewed themes" or "no similar theme"). Nothing is dropped.
    """
    for name, frame, needed in (
        ("reviewed", reviewed, {"response_id", "text", "theme_id"}),
        ("new", new, {"response_id", "text"}),
    ):
        missing = needed - set(frame.columns)
        if missing:
            raise ThemesError(f"{name} answers lack the column(s) {', '.join(sorted(missing))}")
    result = pd.DataFrame(
        {
            "response_id": new["response_id"].astype(str).to_numpy(),
            "theme_id": pd.Series([None] * len(new), dtype=object).to_numpy(),
            "similarity": np.zeros(len(new)),
            "reason": [""] * len(new),
        },
        columns=SUGGESTION_COLUMNS,
    )
    if new.empty:
        return result
    new_text = [clean_text(v) for v in new["text"]]
    no_answer = np.array([is_non_answer(t) for t in new_text], dtype=bool)
    result.loc[no_answer, "reason"] = "no answer"
    themed = reviewed[reviewed["theme_id"].notna()]
    if themed.empty:
        result.loc[~no_answer, "reason"] = "no reviewed themes"
        return result

    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    reviewed_text = [clean_text(v) for v in themed["text"]]
    vectoriser = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, norm="l2")
    try:
        vectoriser.fit([tokens(t) for t in reviewed_text] + [tokens(t) for t in new_text])
    except ValueError:  # not one content word among all the answers
        result.loc[~no_answer, "reason"] = "no similar theme"
        return result
    answer_vectors = vectoriser.transform([tokens(t) for t in reviewed_text])
    theme_ids = pd.Index(pd.unique(themed["theme_id"]))
    # A theme's centre: the mean of its answers' vectors, so a large theme does not win
    # only by having more words.
    membership = np.zeros((len(theme_ids), len(themed)))
    membership[theme_ids.get_indexer(themed["theme_id"]), np.arange(len(themed))] = 1.0
    membership /= membership.sum(axis=1, keepdims=True)
    centres = normalize(membership @ answer_vectors)
    similarity = np.asarray(vectoriser.transform([tokens(t) for t in new_text]) @ centres.T)
    best = similarity.argmax(axis=1)
    best_score = similarity[np.arange(len(new_text)), best]
    result["similarity"] = np.where(no_answer, 0.0, np.round(best_score, 4))
    close = ~no_answer & (best_score >= min_similarity)
    result.loc[close, "theme_id"] = theme_ids[best[close]].to_numpy()
    result.loc[~no_answer & ~close, "reason"] = "no similar theme"
    return result
