"""Adding an output to the release record: the figures it published, as the record keeps them.

Called once the output's file is written (a release is recorded only then): the caller
saves the record this returns (`analysis.releases.store`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from analysis.releases.groups import ANSWERED, ASKED

if TYPE_CHECKING:
    from analysis.counts.counting import CountsResult
    from analysis.releases.record import Figure, ReleaseRecord

__all__ = ["counts_figures", "release_summary", "with_counts_release"]


def _value(value: Any) -> int | None:
    if value is None or str(value) in ("<NA>", "nan"):
        return None
    return int(value)


def counts_figures(result: CountsResult) -> tuple[Figure, ...]:
    """Every figure of the counts table: (question, position, breakdown, members, published)."""
    members = result.members or {}
    out: list[Figure] = []
    seen: set[tuple[str, str, str]] = set()
    for row in result.table.itertuples(index=False):
        segment = () if row.segment_by == "all" else tuple(members[row.segment_by][row.segment])
        out.append((row.question_id, row.option, row.segment_by, segment, _value(row.count)))
        key = (row.question_id, row.segment_by, row.segment)
        if key in seen:
            continue
        seen.add(key)
        out.append((row.question_id, ASKED, row.segment_by, segment, _value(row.asked)))
        out.append((row.question_id, ANSWERED, row.segment_by, segment, _value(row.answered)))
    return tuple(out)


def release_summary(result: CountsResult) -> dict[str, Any]:
    """What the dashboard and the methods note say of a counts release."""
    cells = result.detail.attrs.get("cells") or {}
    return {
        "figures": int(cells.get("total", 0)),
        "hidden": int(cells.get("primary", 0) + cells.get("secondary", 0)),
        "large_hidden": int(cells.get("large_hidden", 0)),
        "large": int(cells.get("large", 0)),
        "segments_not_updated": (result.releases or {}).get("segments_not_updated", []),
    }


def with_counts_release(
    result: CountsResult, *, output: str, fmt: str, file: str, extra: dict[str, Any] | None = None
) -> ReleaseRecord:
    """The record of `result.coverage` with this output added as its next release."""
    if result.coverage is None:
        raise ValueError("the counts were not made against a release record")
    release = result.coverage.next_release(
        output=output,
        format=fmt,
        file=file,
        threshold=result.threshold,
        breakdowns=tuple(result.by),
        show_zeros=result.show_zeros,
        figures=counts_figures(result),
        summary=release_summary(result),
        **(extra or {}),
    )
    return result.coverage.with_release(release)
