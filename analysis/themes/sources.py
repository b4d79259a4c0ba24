"""Free-text answers from the anonymised export or the database, one row per answer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from analysis.errors import AnalysisError
from analysis.themes.model import ThemesError
from questions import DEFAULT_QUESTIONNAIRE

__all__ = ["FreeTextAnswers", "load_free_text"]


class FreeTextAnswers:
    """Answers to free-text questions, long form, and what the loader left out.

    answers: response_id, question_id, text, status ("submitted" or "draft").
    excluded: response_id, question_id, reason (from the shared loader: drafts when not
        included, answers to questions the respondent was not shown).
    question_text: question id → its wording.
    """

    def __init__(
        self,
        answers: pd.DataFrame,
        excluded: pd.DataFrame,
        question_text: dict[str, str],
        title: str,
        loaded: Any = None,
    ) -> None:
        self.answers = answers
        self.excluded = excluded
        self.question_text = question_text
        self.title = title
        self.loaded = loaded  # the responses they came from (`LoadedResponses`), for the release record

    def respondent_groups(self) -> pd.DataFrame | None:
        """Each response's id, role, organisation type and region (categoricals), for the
        themes by group; None if the responses are not at hand."""
        if self.loaded is None:
            return None
        from analysis.themes.by_group import GROUP_BREAKDOWNS

        return self.loaded.responses[["response_id", *GROUP_BREAKDOWNS]]

    def with_loader_exclusions(self, excluded: pd.DataFrame) -> pd.DataFrame:
        """`excluded` (a report's) plus what the loader left out: draft responses (question
        id empty) and answers to the chosen questions that were cleared as not shown."""
        mine = self.excluded[self.excluded["question_id"].isin(["", *self.question_text])]
        return pd.concat([excluded, mine.assign(text="")], ignore_index=True)


def load_free_text(
    source: str | Path,
    *,
    questions: tuple[str, ...] = (),
    questionnaire: str = DEFAULT_QUESTIONNAIRE,
    consultation: str | None = None,
    include_drafts: bool = False,
) -> FreeTextAnswers:
    """Load the free-text answers of an export CSV or a database URL (with "://").

    Uses the shared loader (`analysis.loading`), which undoes the exporter's apostrophe
    before text starting with = + - @ tab or CR and applies the questionnaire's conditions.
    `questions` restricts to those ids; each must be a free-text question.
    """
    from analysis.loading import load_responses

    try:
        loaded = load_responses(
            source,
            questionnaire=questionnaire,
            consultation=consultation,
            include_drafts=include_drafts,
            free_text=True,
        )
    except AnalysisError as exc:
        raise ThemesError(str(exc)) from None
    free = [q for q in loaded.questionnaire.questions if not q.is_single_choice]
    free_ids = [q.id for q in free]
    for qid in questions:
        if qid not in loaded.questionnaire.question_ids:
            raise ThemesError(f"{loaded.questionnaire.slug} has no question {qid!r}")
        if qid not in free_ids:
            raise ThemesError(
                f"{qid} is a single-choice question: themes are found only in free-text answers"
            )
    chosen = [q for q in free_ids if not questions or q in questions]
    responses = loaded.responses
    long = responses.melt(
        id_vars=["response_id", "status"], value_vars=chosen, var_name="question_id", value_name="text"
    )
    # A blank answer from someone shown the question is kept (as "") so that the report
    # counts it as "blank or no comment"; those not shown it are not counted at all.
    from analysis.counts.counting import asked_mask

    shown = (
        pd.DataFrame(
            {
                q: asked_mask(responses, loaded.questionnaire, loaded.questionnaire.question(q))
                for q in chosen
            },
            index=responses.index,
        )
        .melt(value_vars=chosen, value_name="shown")["shown"]
        .to_numpy(dtype=bool)
    )
    long = long[long["text"].notna().to_numpy() | shown].copy()
    long["text"] = long["text"].fillna("").astype(str)
    long["status"] = long["status"].astype(str)
    order = {q: i for i, q in enumerate(chosen)}
    long = long.sort_values(
        ["question_id", "response_id"],
        key=lambda s: s.map(order) if s.name == "question_id" else s,
        kind="stable",
    ).reset_index(drop=True)
    return FreeTextAnswers(
        long[["response_id", "question_id", "text", "status"]],
        loaded.excluded,
        {q.id: q.text for q in free if q.id in chosen},
        loaded.questionnaire.title,
        loaded,
    )
