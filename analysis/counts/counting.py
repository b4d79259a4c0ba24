"""Counts of single-choice answers, overall and by segment, with disclosure control.

`count_answers` turns validated responses into a tidy table of raw counts; `count_responses`
adds suppression and percentages and wraps the result with what a report needs to say
about it (`CountsResult`). Counting is vectorised: one `numpy.bincount` per question and
breakdown over categorical codes, never a loop over responses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from analysis.counts.disclosure import DEFAULT_THRESHOLD
from analysis.counts.rows import (
    ALL_RESPONDENTS,
    NOT_ANSWERED,
    NOT_STATED,
    OTHER_SEGMENT,
    asked_mask,
)
from analysis.errors import AnalysisError
from analysis.loading import SEGMENT_COLUMNS, LoadedResponses
from questions import Questionnaire

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from analysis.releases.record import Coverage, ReleaseRecord

__all__ = [
    "ALL_RESPONDENTS",
    "NOT_ANSWERED",
    "NOT_STATED",
    "OTHER_SEGMENT",
    "TIDY_COLUMNS",
    "CountsResult",
    "add_percentages",
    "asked_mask",
    "count_answers",
    "count_responses",
    "segment_codes",
    "segment_members",
]

TIDY_COLUMNS = (
    "question_id",
    "question",
    "segment_by",
    "segment",
    "option",
    "count",
    "percent",
    "base",
    "suppressed",
    "asked",
    "answered",
    "percent_of",
)


#: Segments smaller than this many times the threshold may join small ones that need company.
COMPANION_LIMIT = 4


@dataclass(frozen=True)
class CountsResult:
    """Counts ready to publish (or, with suppression off, not for publication).

    `table` is the tidy table, columns `TIDY_COLUMNS`: one row per question, segment and
    option, in questionnaire order, then a "Not answered" row per segment (its `percent`
    is always empty: not answering is never counted in percentages). `base` and `asked`
    are the number of respondents asked the question (its condition held); `answered` is
    those asked who answered; `percent` is of `answered` (named in `percent_of`), rounded
    half up to one decimal place. Suppressed counts have `suppressed` true and
    `count`/`percent` empty (NA); a hidden base or number answered is empty (NA) too.
    Segments with fewer respondents than the threshold appear only inside the breakdown's
    "Other …" group (`OTHER_SEGMENT`); segments with none are not listed.

    `detail` is the same rows with the hidden values kept and extra columns `is_option`,
    `suppression` ("primary", "secondary" or ""), `asked_suppressed` and
    `answered_suppressed`: for tests and methods notes only, never for publication.
    `merged` maps each breakdown to the segments folded into its combined group (their
    names may be published beside it: that a segment is there says only that it is small);
    `members` maps each breakdown's segment labels to the categories they hold.
    `coverage` is set when a release record was given: the record split by these
    responses, ready for this output to be added to it (`analysis.releases.publish`).
    `releases` says what earlier releases changed (for the methods note), or is None when
    no record was given (then only this output is protected).
    """

    table: pd.DataFrame
    detail: pd.DataFrame
    questionnaire: Questionnaire
    excluded: pd.DataFrame
    by: tuple[str, ...]
    threshold: int
    suppression: bool
    show_zeros: bool
    responses: int
    source: str
    include_drafts: bool
    merged: dict[str, tuple[str, ...]] | None = None
    members: dict[str, dict[str, tuple[str, ...]]] | None = None
    coverage: Coverage | None = None
    releases: dict[str, Any] | None = None

    @property
    def for_publication(self) -> bool:
        """False when suppression was turned off: the output must be labelled so."""
        return self.suppression

    @property
    def suppressed_cells(self) -> int:
        """Figures hidden (counts, bases and numbers answered, each counted once)."""
        cells = self.detail.attrs.get("cells")
        return cells["primary"] + cells["secondary"] if cells else 0


def segment_codes(
    responses: pd.DataFrame, by: str, merge_below: int | None = None
) -> tuple[np.ndarray, list[str], tuple[str, ...]]:
    """Codes 0…S-1 for the segments listed, the segments' labels, and those merged.

    Segments are the column's categories in order, then "Not stated" for missing values.
    Segments nobody is in are not listed. With `merge_below`, segments with fewer
    respondents are merged with each other into the breakdown's combined group (listed
    last). If that group is itself below `merge_below`, the smallest other segments join it
    while they are smaller than `COMPANION_LIMIT` times `merge_below`; a larger segment never
    does (it would vanish from the table to give a few respondents company). A group left
    below `merge_below` is protected by suppression instead (`analysis.counts.family`).
    """
    import numpy as np

    column = responses[by]
    labels = [str(c) for c in column.cat.categories]
    codes = column.cat.codes.to_numpy().astype(np.int64)
    missing = codes < 0
    codes[missing] = len(labels)
    labels.append(NOT_STATED)
    sizes = np.bincount(codes, minlength=len(labels))
    merged = np.zeros(len(labels), dtype=bool)
    if merge_below is not None:
        merged = (sizes > 0) & (sizes < merge_below)
        while merged.any() and sizes[merged].sum() < merge_below:
            candidates = np.flatnonzero(~merged & (sizes > 0) & (sizes < COMPANION_LIMIT * merge_below))
            if not len(candidates):
                break
            merged[candidates[np.argmin(sizes[candidates])]] = True
    # Unprotected working tables list every category (and "Not stated" if anyone is in it).
    listed = np.flatnonzero(((sizes > 0) | (merge_below is None)) & ~merged)
    if merge_below is None and not sizes[-1]:
        listed = listed[:-1]
    new_code = np.full(len(labels), len(listed), dtype=np.int64)
    new_code[listed] = np.arange(len(listed))
    out_labels = [labels[i] for i in listed]
    if merged.any():
        out_labels.append(OTHER_SEGMENT.get(by, "Other"))
    return new_code[codes], out_labels, tuple(labels[i] for i in np.flatnonzero(merged))


def segment_members(labels: list[str], merged: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Each segment label's categories: itself, or the merged ones for the combined group."""
    return {label: merged if label in OTHER_SEGMENT.values() else (label,) for label in labels}


def count_answers(
    responses: pd.DataFrame,
    questionnaire: Questionnaire,
    by: Sequence[str] = (),
    *,
    merge_below: int | None = None,
) -> pd.DataFrame:
    """Raw counts for every single-choice question, overall and for each `by` column.

    `responses` is `LoadedResponses.responses`. Returns columns `question_id, question,
    segment_by, segment, option, count, base, answered, is_option`: for each question,
    overall rows (`segment_by` = "all", `segment` = "All respondents") then each breakdown
    in `by` order with segments in the questionnaire's order ("Not stated" last, if any);
    within a segment every option in order, even if zero, then "Not answered"
    (`is_option` false). `base` counts those asked; `answered` those asked who answered.
    Segments nobody is in are not listed; with `merge_below`, smaller segments are merged
    into a combined group (see `segment_codes`); `frame.attrs["merged"]` maps each
    breakdown to the segments merged and `frame.attrs["members"]` each segment label to
    its categories.
    """
    import numpy as np
    import pandas as pd

    for column in by:
        if column not in SEGMENT_COLUMNS:
            raise AnalysisError(f"cannot break down by {column!r}: choose from {', '.join(SEGMENT_COLUMNS)}")
    n = len(responses)
    breakdowns = [("all", np.zeros(n, dtype=np.int64), [ALL_RESPONDENTS])]
    merged: dict[str, tuple[str, ...]] = {}
    members: dict[str, dict[str, tuple[str, ...]]] = {}
    for column in dict.fromkeys(by):
        codes, labels, merged[column] = segment_codes(responses, column, merge_below)
        members[column] = segment_members(labels, merged[column])
        breakdowns.append((column, codes, labels))
    pieces: dict[str, list[object]] = {
        c: [] for c in ("question_id", "question", "segment_by", "segment", "option")
    }
    numbers: dict[str, list[np.ndarray]] = {"count": [], "base": [], "answered": [], "is_option": []}
    for question in questionnaire.questions:
        if not question.is_single_choice or question.id not in responses.columns:
            continue
        k = len(question.options)
        answer = responses[question.id].cat.codes.to_numpy().astype(np.int64)
        answer[answer < 0] = k  # asked, not answered
        answer[~asked_mask(responses, questionnaire, question)] = k + 1  # not asked
        labels = [*question.options, NOT_ANSWERED]
        for segment_by, codes, segments in breakdowns:
            grid = np.bincount(codes * (k + 2) + answer, minlength=len(segments) * (k + 2))
            grid = grid.reshape(len(segments), k + 2)[:, : k + 1]
            base = grid.sum(axis=1)
            answered = grid[:, :k].sum(axis=1)
            cells = len(segments) * (k + 1)
            pieces["question_id"].append([question.id] * cells)
            pieces["question"].append([question.text] * cells)
            pieces["segment_by"].append([segment_by] * cells)
            pieces["segment"].append(np.repeat(segments, k + 1).tolist())
            pieces["option"].append(labels * len(segments))
            numbers["count"].append(grid.ravel())
            numbers["base"].append(np.repeat(base, k + 1))
            numbers["answered"].append(np.repeat(answered, k + 1))
            numbers["is_option"].append(np.tile(np.r_[np.ones(k, dtype=bool), False], len(segments)))
    if not numbers["count"]:
        raise AnalysisError(f"{questionnaire.slug} has no single-choice question to count")
    frame = pd.DataFrame({column: [v for part in parts for v in part] for column, parts in pieces.items()})
    for column, parts in numbers.items():
        frame[column] = np.concatenate(parts)
    frame.attrs["merged"] = merged
    frame.attrs["members"] = members
    return frame


def add_percentages(counts: pd.DataFrame, *, threshold: int | None) -> pd.DataFrame:
    """Add `percent`: count as a share of those who answered, one decimal place, rounded half
    up from the counts (`analysis.percentages`).

    Empty (NaN) for "Not answered" rows, for suppressed cells (if `suppressed` is present),
    where the number answered is hidden (if `answered_suppressed` is present) and, when
    `threshold` is given, wherever fewer than `threshold` answered.
    """
    import numpy as np

    from analysis.percentages import percent_value

    out = counts.copy()
    answered = out["answered"].to_numpy()
    percent = percent_value(out["count"].to_numpy(), answered, 1)
    hide = ~out["is_option"].to_numpy(dtype=bool) | (answered == 0)
    if threshold is not None:
        hide |= answered < threshold
    for column in ("suppressed", "answered_suppressed"):
        if column in out.columns:
            hide |= out[column].to_numpy(dtype=bool)
    out["percent"] = np.where(hide, np.nan, percent)
    return out


def count_responses(
    loaded: LoadedResponses,
    *,
    by: Sequence[str] = (),
    threshold: int = DEFAULT_THRESHOLD,
    suppression: bool = True,
    show_zeros: bool = False,
    releases: ReleaseRecord | None = None,
) -> CountsResult:
    """Count, suppress and add percentages: everything the outputs need.

    Everything published together is protected together (`analysis.counts.family`):
    segments smaller than `threshold` are merged into an "Other …" group; every count,
    "Not answered", base and number answered from 1 to `threshold` - 1 is hidden, and
    further figures are hidden so that no hidden one can be narrowed by anyone holding all
    the tables to a range shorter than `threshold` / 2. Zeros are published, except in a
    segment where from 1 to `threshold` - 1 were asked (`show_zeros` publishes those too).
    With `suppression` false nothing is hidden or merged, and
    `CountsResult.for_publication` is false.

    With `releases` (the record of what was published before), everything is protected
    together with every earlier release (`analysis.counts.across_releases`), and the
    result carries what is needed to add this output to the record once it is written.
    """
    from analysis.counts.family import suppress_family

    if threshold < 1:
        raise AnalysisError(f"the threshold must be a whole number of 1 or more (got {threshold})")
    by = tuple(dict.fromkeys(by))
    raw = count_answers(
        loaded.responses, loaded.questionnaire, by, merge_below=threshold if suppression else None
    )
    coverage = None
    if suppression and releases is not None:
        coverage = releases.cover(loaded, threshold)
    if coverage is not None and coverage.record.releases:
        from analysis.counts.across_releases import suppress_across_releases

        detail = suppress_across_releases(
            raw,
            raw.attrs["members"],
            loaded.questionnaire,
            coverage,
            threshold=threshold,
            show_zeros=show_zeros,
        )
    elif suppression:
        detail = suppress_family(raw, loaded.questionnaire, threshold=threshold, show_zeros=show_zeros)
    else:
        detail = raw.assign(
            suppressed=False, suppression="", asked_suppressed=False, answered_suppressed=False
        )
        detail.attrs["cells"] = None
    detail = add_percentages(detail, threshold=threshold if suppression else None)
    detail["asked"] = detail["base"]
    detail["percent_of"] = "answered"
    table = detail.loc[:, list(TIDY_COLUMNS)].copy()
    table["count"] = table["count"].astype("Int64").mask(detail["suppressed"].to_numpy(dtype=bool))
    table["percent"] = table["percent"].astype("Float64")
    asked_hidden = detail["asked_suppressed"].to_numpy(dtype=bool)
    for column in ("base", "asked"):
        table[column] = table[column].astype("Int64").mask(asked_hidden)
    table["answered"] = (
        table["answered"].astype("Int64").mask(detail["answered_suppressed"].to_numpy(dtype=bool))
    )
    return CountsResult(
        table=table,
        detail=detail,
        questionnaire=loaded.questionnaire,
        excluded=loaded.excluded,
        by=by,
        threshold=threshold,
        suppression=suppression,
        show_zeros=show_zeros,
        responses=len(loaded.responses),
        source=loaded.source,
        include_drafts=loaded.include_drafts,
        merged=raw.attrs.get("merged", {}),
        members=raw.attrs.get("members", {}),
        coverage=coverage,
        releases=detail.attrs.get("releases"),
    )
