"""Is a group's share of an answer different from everyone else's? Tested, corrected, and safe to say.

Each row of the input is one comparison: a group (leaders, say) against all other
respondents, for one answer (or one theme) to one question. From four counts — the
group's number giving the answer and its base, and the same for everyone — the others'
figures are everyone's less the group's, and the two shares are compared with a
two-proportion z-test (pooled; statsmodels' `proportions_ztest`). Every comparison in the
frame is one family: the p-values are corrected together for their number (Holm's method
by default, which holds the chance of any false finding to `alpha`; Benjamini–Hochberg on
request), so pass every comparison a publication makes in one call.

A difference is *reported* only when it is significant after that correction, at least
`min_points` percentage points, and both the group and the others have at least
`min_base` in their base. A comparison is not made at all (and its reason returned in
`not_tested`) where a figure is not published, where a base is below `min_base`, where
every one or none of both gave the answer (nothing to compare), or where saying it would
publish a small number: the group's or the others' count, or the rest of either base,
from 1 to `threshold` - 1. The others' figures are worked out by subtraction, so they
are held to the same rule as a published cell: a sentence "against 1 per cent of the 630
others" must not print a figure about 5 people that no table shows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from analysis.errors import AnalysisError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ALPHA", "CORRECTIONS", "COUNT_COLUMNS", "MIN_BASE", "MIN_POINTS", "compare_groups"]

#: The input's count columns: the group's number giving the answer and its base, then everyone's.
COUNT_COLUMNS = ("group_count", "group_base", "overall_count", "overall_base")
#: Significance level after the correction for the number of comparisons.
ALPHA = 0.05
#: A difference smaller than this many percentage points is not worth a Board's attention.
MIN_POINTS = 10.0
#: The least base (people who answered) of the group, and of the others, to compare at all.
MIN_BASE = 30
#: Corrections for the number of comparisons: statsmodels' `multipletests` method names.
CORRECTIONS = {"holm": "Holm", "fdr_bh": "Benjamini–Hochberg"}


def _reason(
    figures: tuple[int | None, ...], threshold: int, min_base: int
) -> tuple[str, tuple[int, int, int, int] | None]:
    """Why one comparison cannot be made ("" if it can), and its four whole counts."""
    if any(value is None for value in figures):
        return "a figure is not published", None
    group_count, group_base, overall_count, overall_base = (int(v) for v in figures)  # type: ignore[arg-type]
    others_count, others_base = overall_count - group_count, overall_base - group_base
    if min(group_count, others_count) < 0 or group_count > group_base or others_count > others_base:
        raise AnalysisError("a group's figures are larger than everyone's: the counts do not belong together")
    if group_base < min_base:
        return f"fewer than {min_base} in the group answered", None
    if others_base < min_base:
        return f"fewer than {min_base} others answered", None
    if group_count + others_count in (0, group_base + others_base):
        return "everyone or no one gave this answer", None
    small = [
        v
        for v in (group_count, group_base - group_count, others_count, others_base - others_count)
        if 0 < v < threshold
    ]
    if small:
        return f"it would show a figure from 1 to {threshold - 1}", None
    return "", (group_count, group_base, others_count, others_base)


def compare_groups(
    frame: pd.DataFrame,
    *,
    threshold: int,
    min_base: int = MIN_BASE,
    min_points: float = MIN_POINTS,
    alpha: float = ALPHA,
    correction: str = "holm",
) -> pd.DataFrame:
    """Test every comparison in `frame` and say which differences to report.

    `frame` has the integer columns `COUNT_COLUMNS` (empty/NA where a figure is not
    published) and any others (kept, to say what each row is). Returns the same rows, in
    the same order, with columns added:

    - `others_count`, `others_base`: everyone's less the group's (NA where not tested);
    - `group_share`, `others_share`: proportions (0–1); `difference`: the group's share less
      the others', in percentage points (NaN where not tested);
    - `tested` (bool) and `not_tested` (the reason, "" where tested);
    - `p_value` and `p_adjusted` (after the correction over every tested row; NaN where
      not tested), `significant` (p_adjusted < alpha);
    - `reported`: significant and at least `min_points` apart;
    - `direction`: "more" or "less" (the group is more or less likely to give the answer).

    The effective minimum base is never below `threshold`. Raises `AnalysisError` for an
    unknown correction or counts that cannot belong together.
    """
    import numpy as np
    import pandas as pd

    if correction not in CORRECTIONS:
        raise AnalysisError(f"the correction must be one of {', '.join(CORRECTIONS)}, not {correction!r}")
    if missing := [c for c in COUNT_COLUMNS if c not in frame.columns]:
        raise AnalysisError(f"the comparisons need the columns {', '.join(missing)}")
    min_base = max(min_base, threshold)
    out = frame.copy().reset_index(drop=True)
    n = len(out)
    reasons: list[str] = []
    counts = np.zeros((n, 4), dtype=np.int64)
    for i, row in enumerate(out[list(COUNT_COLUMNS)].itertuples(index=False)):
        figures = tuple(None if pd.isna(v) else int(v) for v in row)
        reason, whole = _reason(figures, threshold, min_base)
        reasons.append(reason)
        if whole is not None:
            counts[i] = whole
    tested = np.array([not r for r in reasons], dtype=bool)
    p_value = np.full(n, np.nan)
    p_adjusted = np.full(n, np.nan)
    if tested.any():
        from statsmodels.stats.multitest import multipletests
        from statsmodels.stats.proportion import proportions_ztest

        for i in np.flatnonzero(tested):
            g, gb, o, ob = counts[i]
            p_value[i] = proportions_ztest([g, o], [gb, ob])[1]
        p_adjusted[tested] = multipletests(p_value[tested], alpha=alpha, method=correction)[1]
    with np.errstate(invalid="ignore", divide="ignore"):
        group_share = np.where(tested, counts[:, 0] / np.maximum(counts[:, 1], 1), np.nan)
        others_share = np.where(tested, counts[:, 2] / np.maximum(counts[:, 3], 1), np.nan)
    difference = 100 * (group_share - others_share)
    out["others_count"] = pd.Series(counts[:, 2], dtype="Int64").where(tested)
    out["others_base"] = pd.Series(counts[:, 3], dtype="Int64").where(tested)
    out["group_share"] = group_share
    out["others_share"] = others_share
    out["difference"] = difference
    out["tested"] = tested
    out["not_tested"] = reasons
    out["p_value"] = p_value
    out["p_adjusted"] = p_adjusted
    out["significant"] = tested & (np.nan_to_num(p_adjusted, nan=1.0) < alpha)
    out["reported"] = out["significant"].to_numpy() & (np.abs(np.nan_to_num(difference)) >= min_points)
    out["direction"] = np.where(np.nan_to_num(difference) >= 0, "more", "less")
    return out
