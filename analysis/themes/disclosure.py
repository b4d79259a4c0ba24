"""Disclosure control for the published theme report: small theme counts are suppressed.

A question's theme counts (and its campaign sizes) are published beside totals: the base
of answers themed, the answers in campaigns. An answer may raise more than one theme, but
a reader cannot know how many did, so the counts are protected as if they added up to the
total exactly. *Primary* suppression hides every count below the threshold. A hidden count
could still be worked out if it were the only one hidden (total minus the rest) or if the
hidden ones added up to nothing, so *secondary* suppression hides the smallest published
counts too until at least two are hidden and their sum is positive: then each can go up or
down, the other going the opposite way, with every published figure unchanged.

The HTML report applies this; the JSON and XLSX files are working files with one row per
answer (from which any count can be worked out) and are not for publication, but they too
carry no quote from a theme whose count is hidden: `publishable_themes` says which themes
may be shown and quoted, for every report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from analysis.counts.disclosure import DEFAULT_THRESHOLD

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["DEFAULT_THRESHOLD", "protect_counts", "protect_theme_counts", "publishable_themes"]


def protect_counts(counts: np.ndarray, threshold: int) -> tuple[np.ndarray, np.ndarray]:
    """(suppressed, primary) masks for counts published beside their total.

    Primary: below `threshold`. Secondary: the smallest published counts (earliest first
    among equals) until at least two are hidden and the hidden ones add up to more than
    zero, or nothing is left to hide.
    """
    counts = np.asarray(counts, dtype=np.int64)
    primary = counts < threshold
    suppressed = primary.copy()
    if not primary.any():
        return suppressed, primary
    while suppressed.sum() < 2 or counts[suppressed].sum() == 0:
        candidates = np.flatnonzero(~suppressed & (counts > 0))
        if candidates.size == 0:
            break
        suppressed[candidates[np.argmin(counts[candidates])]] = True
    return suppressed, primary


def protect_theme_counts(themes: pd.DataFrame, threshold: int = DEFAULT_THRESHOLD) -> pd.DataFrame:
    """`themes` (a `ThemeReport.themes` table) with `suppressed` (bool) and `suppression`.

    `suppression` is "primary" (count below `threshold`), "secondary" (hidden so that a
    primary one cannot be worked out from the base) or "". Each question is protected on
    its own, "other" included; rows keep their order.
    """
    out = themes.copy()
    suppressed = np.zeros(len(out), dtype=bool)
    primary = np.zeros(len(out), dtype=bool)
    counts = out["count"].to_numpy(dtype=np.int64) if len(out) else np.zeros(0, dtype=np.int64)
    for rows in out.groupby("question_id", sort=False).indices.values():
        suppressed[rows], primary[rows] = protect_counts(counts[rows], threshold)
    out["suppressed"] = suppressed
    out["suppression"] = np.where(primary, "primary", np.where(suppressed, "secondary", ""))
    return out


def publishable_themes(themes: pd.DataFrame, threshold: int | None = DEFAULT_THRESHOLD) -> pd.DataFrame:
    """`themes` with `suppressed`, `suppression` and `quotable`, and no quotes where hidden.

    A theme may be shown (count, share, sentiment) and quoted only if `quotable` is true:
    its count is published. A hidden theme's `quotes` are emptied, so no report can print
    an answer from a group that small. `threshold` None turns suppression off (for
    working files not for publication): everything is quotable.
    """
    if threshold is None:
        out = themes.assign(suppressed=False, suppression="")
    else:
        out = protect_theme_counts(themes, threshold)
    out["quotable"] = ~out["suppressed"].to_numpy(dtype=bool)
    if "quotes" in out.columns:
        out["quotes"] = [list(q) if ok else [] for q, ok in zip(out["quotes"], out["quotable"], strict=True)]
    return out
