"""The validated responses frame: what every source of responses is turned into.

`prepare_responses` checks raw export-shaped responses against the questionnaire in
`questions/` and returns a `LoadedResponses`: the responses to count and, separately, what
was left out (drafts, answers to questions that were not shown). Nothing is dropped
silently: a value that does not fit the questionnaire is an `AnalysisError` naming its row
and column. The sources (`analysis.loading` for the export CSV, `analysis.database_source`
for the app's database) build on it.

pandas is imported inside the functions so that importing this module stays instant.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from analysis.errors import AnalysisError
from questions import Questionnaire, QuestionnaireError, load_questionnaire

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CHANNELS",
    "EXPORT_META_COLUMNS",
    "SEGMENT_COLUMNS",
    "STATUSES",
    "LoadedResponses",
    "map_categories",
    "prepare_responses",
    "questionnaire_by_slug",
]

EXPORT_META_COLUMNS = (
    "response_id",
    "status",
    "channel",
    "role",
    "organisation_type",
    "region",
    "updated_on",
)
SEGMENT_COLUMNS = ("role", "organisation_type", "region", "channel")
STATUSES = ("draft", "submitted")
CHANNELS = ("web", "email", "paper", "other")


@dataclass(frozen=True)
class LoadedResponses:
    """Validated responses and what was left out of them.

    `responses` has one row per response: `response_id` (text), `status` (draft|submitted),
    `channel`, `role`, `organisation_type`, `region` (categoricals in the questionnaire's
    order; missing = NaN), `updated_on` (text), then one column per question in the
    questionnaire — single-choice answers as categoricals whose categories are the options
    in order (unanswered or not shown = NaN); free-text answers as text when loaded.

    `excluded` has columns `response_id, question_id, reason`: one row per draft response
    left out (`question_id` empty) and one per answer cleared because its question was not
    shown to that respondent.
    """

    responses: pd.DataFrame
    excluded: pd.DataFrame
    questionnaire: Questionnaire
    source: str
    include_drafts: bool
    # The consultation's slug, when the responses came from a database.
    consultation: str | None = None


def questionnaire_by_slug(slug: str) -> Questionnaire:
    """The questionnaire `slug` from `questions/`, or an `AnalysisError` saying why not."""
    try:
        return load_questionnaire(slug)
    except QuestionnaireError as exc:
        raise AnalysisError(f"questionnaire {slug!r}: {exc.fault}") from None


def map_categories(series: pd.Series, change: Callable[[str], str]) -> pd.Series:
    """Apply `change` to each distinct value of a categorical (fast: once per category)."""
    categories = list(series.cat.categories)
    changed = [change(str(c)) for c in categories]
    if changed == categories:
        return series
    if len(set(changed)) == len(changed):
        return series.cat.rename_categories(changed)
    return series.astype(object).map(change, na_action="ignore").astype("category")


def _categorical(
    frame: pd.DataFrame, column: str, allowed: Sequence[str], what: str, where: Callable[[int], str]
) -> pd.Series:
    """`frame[column]` as a categorical of exactly `allowed`, or an error naming the first bad row."""
    import numpy as np
    import pandas as pd

    series = frame[column]
    if not isinstance(series.dtype, pd.CategoricalDtype):
        series = series.astype("category")
    series = map_categories(series, str)
    bad = [c for c in series.cat.categories if c not in allowed]
    if bad:
        rows = np.flatnonzero(series.isin(bad).to_numpy())
        first = int(rows[0])
        value = series.iloc[first]
        more = f" ({len(rows) - 1} more rows have values that are not allowed)" if len(rows) > 1 else ""
        raise AnalysisError(
            f"{where(first)}, column {column}: {value!r} is not {what} ({'; '.join(allowed)}){more}"
        )
    return series.cat.set_categories(list(allowed))


def prepare_responses(
    frame: pd.DataFrame,
    questionnaire: Questionnaire,
    *,
    source: str,
    include_drafts: bool = False,
    where: Callable[[int], str] | None = None,
) -> LoadedResponses:
    """Validate raw export-shaped responses and split off what is not to be counted.

    `frame` has the export's columns (question columns may omit free-text ones), values as
    text or NaN. Raises `AnalysisError` naming the row (via `where(index)`) and column of the
    first value that does not fit the questionnaire. Drafts are excluded unless
    `include_drafts`; answers to questions not shown (their condition did not hold) are
    cleared. Both are listed in `LoadedResponses.excluded`.
    """
    import numpy as np
    import pandas as pd

    def default_where(index: int) -> str:
        return f"{source}: row {index + 1}"

    where = where or default_where
    frame = frame.reset_index(drop=True)
    profile = questionnaire.profile
    out = pd.DataFrame(index=frame.index)

    ids = frame["response_id"]
    if (blank := ids.isna()).any():
        raise AnalysisError(f"{where(int(np.flatnonzero(blank.to_numpy())[0]))}, column response_id: empty")
    out["response_id"] = ids.astype(str)
    if (twice := out["response_id"].duplicated()).any():
        index = int(np.flatnonzero(twice.to_numpy())[0])
        raise AnalysisError(
            f"{where(index)}, column response_id: {out['response_id'].iloc[index]!r} appears twice"
        )
    status = _categorical(frame, "status", STATUSES, "a status", where)
    if (no_status := status.isna()).any():
        raise AnalysisError(f"{where(int(np.flatnonzero(no_status.to_numpy())[0]))}, column status: empty")
    out["status"] = status
    out["channel"] = _categorical(frame, "channel", CHANNELS, "a channel", where)
    out["role"] = _categorical(frame, "role", profile.roles, "a role in the questionnaire", where)
    out["organisation_type"] = _categorical(
        frame,
        "organisation_type",
        profile.organisation_types,
        "an organisation type in the questionnaire",
        where,
    )
    out["region"] = _categorical(frame, "region", profile.regions, "a region in the questionnaire", where)
    updated = frame["updated_on"]
    out["updated_on"] = (
        updated if isinstance(updated.dtype, pd.CategoricalDtype) else updated.astype("category")
    )

    cleared: list[pd.DataFrame] = []
    shown: dict[str, pd.Series] = {}
    for question in questionnaire.questions:
        if question.id not in frame.columns:
            continue
        if question.is_single_choice:
            answers = _categorical(frame, question.id, question.options, f"an option of {question.id}", where)
        else:
            answers = frame[question.id].astype(object).where(frame[question.id].notna(), None)
        condition = question.shown_if
        if condition is not None:
            controller = out[condition.question]
            visible = controller.isin(condition.any_of) & shown.get(condition.question, True)
            shown[question.id] = visible
            hidden_answered = answers.notna() & ~visible
            if hidden_answered.any():
                cleared.append(
                    pd.DataFrame(
                        {
                            "response_id": out["response_id"][hidden_answered].to_numpy(),
                            "question_id": question.id,
                            "reason": f"answer cleared: {question.id} is asked only if "
                            f"{condition.question} is " + " or ".join(repr(v) for v in condition.any_of),
                        }
                    )
                )
                answers = answers.where(visible)
        out[question.id] = answers

    drafts = out["status"] == "draft"
    excluded_parts = []
    if not include_drafts and drafts.any():
        excluded_parts.append(
            pd.DataFrame(
                {
                    "response_id": out["response_id"][drafts].to_numpy(),
                    "question_id": "",
                    "reason": "draft (not submitted)",
                }
            )
        )
        out = out[~drafts.to_numpy()].reset_index(drop=True)
        if cleared:
            kept = set(out["response_id"])
            cleared = [part[part["response_id"].isin(kept)] for part in cleared]
    excluded = pd.concat(
        [*excluded_parts, *cleared, pd.DataFrame(columns=["response_id", "question_id", "reason"])],
        ignore_index=True,
    )
    return LoadedResponses(out, excluded.astype(str), questionnaire, source, include_drafts)
