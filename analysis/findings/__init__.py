"""Findings about groups: where a group of respondents answered differently from everyone else.

    from analysis.findings import compare_groups
    tested = compare_groups(frame, threshold=10)
    tested[tested["reported"]]

`compare_groups` takes counts only (how many in the group gave the answer, the group's
base, and the same for everyone), so it serves single-choice answers and theme counts by
group alike. See `analysis.findings.group_differences` for the method.
"""

from analysis.findings.group_differences import (
    ALPHA,
    CORRECTIONS,
    COUNT_COLUMNS,
    MIN_BASE,
    MIN_POINTS,
    compare_groups,
)

__all__ = ["ALPHA", "CORRECTIONS", "COUNT_COLUMNS", "MIN_BASE", "MIN_POINTS", "compare_groups"]
