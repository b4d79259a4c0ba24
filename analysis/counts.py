"""Counts of single-choice answers, overall and by segment, with disclosure control.

`count_answers` turns validated responses into a tidy table of raw counts; `count_responses`
adds suppression and percentages and wraps the result with what a report needs to say
about it (`CountsResult`). Counting is vectorised: one `numpy.bincount` per question and
breakdown over categorical codes, never a loop over responses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from analysis.disclosure import DEFAULT_THRESHOLD, suppress_small_cells
from analysis.errors import AnalysisError
from analysis.loading import SEGMENT_COLUMNS, LoadedResponses
from questions import Question, Questionnaire

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = [
    "ALL_RESPONDENTS",
    "NOT_ANSWERED",
    "NOT_STATED",
    "TIDY_COLUMNS",
    "CountsResult",
    "add_percentages",
    "asked_mask",
    "count_answers",
    "count_responses",
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
)
ALL_RESPONDENTS = "All respondents"
NOT_ANSWERED = "Not answered"
NOT_STATED = "Not stated"


@dataclass(frozen=True)
class CountsResult:
    """Counts ready to publish (or, with suppression off, not for publication).

    `table` is the tidy table, columns `TIDY_COLUMNS`: one row per question, segment and
    option, in questionnaire order, then a "Not answered" row per segment (its `percent`
    is always empty: not answering is never counted in percentages). `base` is the number
    of respondents asked the question (its condition held); percentages are of those who
    answered (`base` less "Not answered"). Suppressed cells have `suppressed` true and
    `count`/`percent` empty (NaN).

    `detail` is the same rows with the hidden values kept and extra columns `answered`,
    `is_option` and `suppression` ("primary", "secondary" or ""): for tests and methods
    notes only, never for publication.
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

    @property
    def for_publication(self) -> bool:
        """False when suppression was turned off: the output must be labelled so."""
        return self.suppression

    @property
    def suppressed_cells(self) -> int:
        return int(self.detail["suppressed"].sum())


def asked_mask(responses: pd.DataFrame, questionnaire: Questionnaire, question: Question) -> np.ndarray:
    """Boolean array: which responses were asked `question` (its conditions, chained, held)."""
    import numpy as np

    mask = np.ones(len(responses), dtype=bool)
    while question.shown_if is not None:
        condition = question.shown_if
        mask &= responses[condition.question].isin(condition.any_of).to_numpy()
        question = questionnaire.question(condition.question)
    return mask


def _segment_codes(responses: pd.DataFrame, by: str) -> tuple[np.ndarray, list[str]]:
    """Codes 0…S-1 for the segment column's categories, S for missing ("Not stated")."""
    import numpy as np

    column = responses[by]
    labels = [str(c) for c in column.cat.categories]
    codes = column.cat.codes.to_numpy().astype(np.int64)
    missing = codes < 0
    codes[missing] = len(labels)
    if missing.any():
        labels.append(NOT_STATED)
    return codes, labels


def count_answers(
    responses: pd.DataFrame, questionnaire: Questionnaire, by: Sequence[str] = ()
) -> pd.DataFrame:
    """Raw counts for every single-choice question, overall and for each `by` column.

    `responses` is `LoadedResponses.responses`. Returns columns `question_id, question,
    segment_by, segment, option, count, base, answered, is_option`: for each question,
    overall rows (`segment_by` = "all", `segment` = "All respondents") then each breakdown
    in `by` order with segments in the questionnaire's order ("Not stated" last, if any);
    within a segment every option in order, even if zero, then "Not answered"
    (`is_option` false). `base` counts those asked; `answered` those asked who answered.
    """
    import numpy as np
    import pandas as pd

    for column in by:
        if column not in SEGMENT_COLUMNS:
            raise AnalysisError(f"cannot break down by {column!r}: choose from {', '.join(SEGMENT_COLUMNS)}")
    n = len(responses)
    breakdowns = [("all", np.zeros(n, dtype=np.int64), [ALL_RESPONDENTS])]
    breakdowns += [(column, *_segment_codes(responses, column)) for column in dict.fromkeys(by)]
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
    return frame


def add_percentages(counts: pd.DataFrame, *, threshold: int | None) -> pd.DataFrame:
    """Add `percent`: count as a share of those who answered, to one decimal place.

    Empty (NaN) for "Not answered" rows, for suppressed cells (if `suppressed` is present)
    and, when `threshold` is given, wherever fewer than `threshold` answered.
    """
    import numpy as np

    out = counts.copy()
    answered = out["answered"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        percent = np.round(out["count"].to_numpy() * 100.0 / answered, 1)
    hide = ~out["is_option"].to_numpy(dtype=bool) | (answered == 0)
    if threshold is not None:
        hide |= answered < threshold
    if "suppressed" in out.columns:
        hide |= out["suppressed"].to_numpy(dtype=bool)
    out["percent"] = np.where(hide, np.nan, percent)
    return out


def count_responses(
    loaded: LoadedResponses,
    *,
    by: Sequence[str] = (),
    threshold: int = DEFAULT_THRESHOLD,
    suppression: bool = True,
    show_zeros: bool = False,
) -> CountsResult:
    """Count, suppress and add percentages: everything the outputs need.

    With `suppression` false nothing is hidden, and `CountsResult.for_publication` is false.
    """
    import numpy as np

    if threshold < 1:
        raise AnalysisError(f"the threshold must be a whole number of 1 or more (got {threshold})")
    by = tuple(dict.fromkeys(by))
    raw = count_answers(loaded.responses, loaded.questionnaire, by)
    if suppression:
        detail = suppress_small_cells(raw, threshold=threshold, suppress_zeros=not show_zeros)
    else:
        detail = raw.assign(suppressed=False, suppression="")
    detail = add_percentages(detail, threshold=threshold if suppression else None)
    table = detail.loc[:, list(TIDY_COLUMNS)].copy()
    table["count"] = table["count"].astype("Int64").mask(detail["suppressed"].to_numpy(dtype=bool))
    table["percent"] = table["percent"].astype("Float64")
    table["base"] = table["base"].astype(np.int64)
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
    )
