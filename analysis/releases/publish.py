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


def releases_note(result: CountsResult) -> str:
    """The methods note's sentence on earlier releases: protected with them, or alone."""
    from analysis.releases.command_line import ALONE

    if not result.for_publication:
        return "None: disclosure control was turned off, and this output is not recorded as a release."
    if result.coverage is None:
        return ALONE[0].upper() + ALONE[1:] + "."
    facts = result.releases
    if not facts:
        return (
            "This output is the first release recorded for these responses; later ones are protected "
            "together with it."
        )
    n = facts["earlier_releases"]
    parts = [
        f"Protected together with the {n} earlier release{'s' if n != 1 else ''} recorded: nobody holding "
        "all of them can narrow a figure hidden in every one to a range shorter than half the lowest "
        "threshold used, nor read the answers of fewer responses than the threshold that arrived, changed "
        "or were withdrawn between two of them."
    ]
    arrived, gone = facts["responses_arrived"], facts["responses_gone"]
    if arrived or gone:
        parts.append(
            f"Since release {facts['since_release']}, {arrived:,} responses arrived or changed and "
            f"{gone:,} earlier versions were replaced or withdrawn."
        )
    held = facts.get("segments_not_updated") or []
    if held:
        names = "; ".join(f"{h['segment']} ({h['breakdown'].replace('_', ' ')})" for h in held)
        parts.append(
            "The figures of these segments are not updated, because fewer responses than the threshold "
            "arrived in them (or left) since an earlier release showed them, and the difference would show "
            f"those responses' answers; the figures released then stand: {names}."
        )
    if facts.get("printed_again"):
        parts.append(
            f"{facts['printed_again']:,} figures already made public by an earlier release (printed, or "
            "worked out from what it printed) are printed again, even where below this output's threshold: "
            "hiding them would protect nothing."
        )
    if facts.get("protected_as_before"):
        parts.append(
            f"{facts['protected_as_before']:,} hidden figures keep the protection an earlier release at a "
            "lower threshold gave them: what it printed already bounds them."
        )
    return " ".join(parts)
