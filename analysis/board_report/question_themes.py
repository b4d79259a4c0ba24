"""Each free-text question's themes for the Board report, reviewed where a review exists.

A stored theme set (the analysts' review) gives the themes' names, descriptions and counts,
and the quotes an analyst approved that are not flagged. A question with no stored set gets
its themes from the core engine at report time when `run_engine` is true (the command
line), marked as an unreviewed machine draft and quoted nowhere: no person has approved a
quote from it. The web app never runs the engine inside a request, so there such a question
says that its answers have not yet been analysed.

Counts are published under the theme disclosure rule (`analysis.themes.disclosure`): a
suppressed theme shows no count or share, and no quote is taken from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from analysis.board_report.sources import ReportSource, StoredThemeSet
from analysis.themes.public_names import needs_name_check, redact_names
from analysis.themes.redaction import redact

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "MIN_ANSWERS_FOR_THEMES",
    "QUOTES_PER_THEME",
    "QuestionThemes",
    "released_theme_figures",
    "themes_by_question",
]

# Fewer answers than this give no themes worth reporting (the web app's themes page agrees).
MIN_ANSWERS_FOR_THEMES = 10
QUOTES_PER_THEME = 3
NOT_IN_A_THEME = "Not in any theme"

# How each kind of theme set is described in the report.
REVIEWED = "reviewed"
STORED_DRAFT = "stored_draft"
MACHINE_DRAFT = "machine_draft"
NOT_RUN = "not_run"
TOO_FEW = "too_few"


@dataclass
class QuestionThemes:
    """One free-text question's themes as the report shows them.

    `kind`: "reviewed", "stored_draft" (stored, review not finished), "machine_draft" (run
    for this report), "not_run" or "too_few". `rows`: columns theme_id, name, description,
    count, share (of `base`), suppressed (bool), is_other (bool: the answers in no theme, or
    the engine's "other"), in display order, the answers in no theme last. `by_group`: the
    answers raising each theme by role, type of organisation and region, protected with
    `rows` (`analysis.themes.by_group.protect_theme_tables`), or None.
    `quotes`: theme name → approved quotes (redacted). Stored sets only: `changed`, machine
    assignments the analysts changed; `reviewed_answers` and `suggested_answers`, answers an
    analyst has reviewed and late answers whose suggested theme is not yet accepted.
    """

    question_id: str
    kind: str
    answered: int
    base: int = 0
    engine: str = ""
    rows: pd.DataFrame | None = None
    quotes: dict[str, list[str]] = field(default_factory=dict)
    changed: int = 0
    reviewed_answers: int = 0
    suggested_answers: int = 0
    by_group: pd.DataFrame | None = None

    @property
    def unreviewed(self) -> bool:
        return self.kind in (MACHINE_DRAFT, STORED_DRAFT)


def themes_by_question(
    source: ReportSource, threshold: int, *, run_engine: bool
) -> dict[str, QuestionThemes]:
    """The themes of every free-text question in `source`, by question id, in questionnaire order."""
    responses = source.loaded.responses
    free = [q for q in source.loaded.questionnaire.questions if not q.is_single_choice]
    out: dict[str, QuestionThemes] = {}
    to_run = []
    for question in free:
        texts = responses[question.id].dropna().astype(str) if question.id in responses else []
        answered = int(sum(1 for t in texts if t.strip()))
        stored = source.theme_sets.get(question.id)
        if stored is not None:
            out[question.id] = _from_stored(stored, responses, threshold, answered)
        elif answered < MIN_ANSWERS_FOR_THEMES:
            out[question.id] = QuestionThemes(question.id, TOO_FEW, answered)
        elif run_engine:
            to_run.append(question.id)
            out[question.id] = QuestionThemes(question.id, MACHINE_DRAFT, answered)
        else:
            out[question.id] = QuestionThemes(question.id, NOT_RUN, answered)
    if to_run:
        for question_id, themes in _machine_draft(source, to_run, threshold).items():
            themes.answered = out[question_id].answered
            out[question_id] = themes
    return out


def _protect(
    rows: pd.DataFrame, question_id: str, threshold: int, base: int, assignments: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The theme rows and their counts by group (from `assignments`: response_id, theme_id
    and the respondents' groups), protected as one family."""
    from analysis.themes.by_group import protect_theme_tables, theme_counts_by_group

    by_group = theme_counts_by_group(assignments.assign(question_id=question_id), merge_below=threshold)
    # The counts are printed beside their base (and shares of it): protected with it.
    protected, groups = protect_theme_tables(
        rows.assign(question_id=question_id),
        by_group if len(by_group) else None,
        threshold,
        {question_id: base},
    )
    return protected.drop(columns=["question_id", "suppression"]), groups


def _with_groups(frame: pd.DataFrame, responses: pd.DataFrame) -> pd.DataFrame:
    """`frame` (response_id, theme_id) with each respondent's role, organisation type and region."""
    from analysis.themes.by_group import GROUP_BREAKDOWNS

    groups = responses[["response_id", *GROUP_BREAKDOWNS]]
    return frame.merge(groups, on="response_id", how="left", validate="many_to_one")


def _from_stored(
    stored: StoredThemeSet, responses: pd.DataFrame, threshold: int, answered: int
) -> QuestionThemes:
    """Counts over the set's answers that are still submitted answers to the question."""
    import pandas as pd

    text_of = responses.set_index("response_id")[stored.question_id].dropna().astype(str)
    answers = stored.answers[stored.answers["response_id"].isin(text_of.index)]
    links = stored.links[stored.links["theme_answer_id"].isin(answers["theme_answer_id"])]
    counts = links.groupby("theme_id").size()
    base = len(answers)
    rows = pd.DataFrame(
        {
            "theme_id": stored.themes["theme_id"].astype(int),
            "name": stored.themes["name"].astype(str),
            "description": stored.themes["description"].fillna("").astype(str),
            "count": [int(counts.get(t, 0)) for t in stored.themes["theme_id"]],
        }
    )
    in_none = int((~answers["theme_answer_id"].isin(links["theme_answer_id"])).sum())
    if in_none:
        rows = pd.concat(
            [
                rows,
                pd.DataFrame([{"theme_id": -1, "name": NOT_IN_A_THEME, "description": "", "count": in_none}]),
            ],
            ignore_index=True,
        )
    rows["share"] = rows["count"] / base if base else 0.0
    rows["is_other"] = rows["theme_id"] < 0
    linked = answers[["theme_answer_id", "response_id"]].merge(links, on="theme_answer_id", how="left")
    # Answers in no theme are the row "Not in any theme" (-1) here too: its groups add up to it.
    linked["theme_id"] = linked["theme_id"].fillna(-1).astype("int64")
    assignments = _with_groups(linked[["response_id", "theme_id"]], responses)
    rows, by_group = _protect(rows, stored.question_id, threshold, base, assignments)

    quotable = answers[answers["quote_approved"] & answers["flag"].isna()]
    quotes: dict[str, list[str]] = {}
    quoted: set[str] = set()
    shown = rows[~rows["suppressed"] & (rows["theme_id"] >= 0)]
    for theme in shown.itertuples(index=False):
        members = set(links.loc[links["theme_id"] == theme.theme_id, "theme_answer_id"])
        for answer in quotable[quotable["theme_answer_id"].isin(members)].itertuples(index=False):
            if len(quotes.get(theme.name, [])) >= QUOTES_PER_THEME or answer.response_id in quoted:
                continue
            quote = redact_names(redact(text_of[answer.response_id].strip()))
            if needs_name_check(quote):
                continue  # may still identify someone: left for an analyst, never printed
            quotes.setdefault(theme.name, []).append(quote)
            quoted.add(answer.response_id)
    return QuestionThemes(
        question_id=stored.question_id,
        kind=REVIEWED if stored.reviewed else STORED_DRAFT,
        answered=answered,
        base=base,
        engine=stored.engine,
        rows=rows.reset_index(drop=True),
        quotes=quotes,
        changed=stored.changed_by_analysts(),
        reviewed_answers=int((answers["state"] == "reviewed").sum()),
        suggested_answers=int((answers["state"] == "suggested").sum()),
        by_group=by_group,
    )


def _machine_draft(
    source: ReportSource, question_ids: list[str], threshold: int
) -> dict[str, QuestionThemes]:
    """Run the core engine on the questions' submitted answers (no quotes: none approved)."""
    import pandas as pd

    from analysis.themes import ThemeOptions, theme_answers

    responses = source.loaded.responses
    long = responses.melt(
        id_vars=["response_id", "status"], value_vars=question_ids, var_name="question_id", value_name="text"
    )
    long = long[long["text"].notna()].assign(status=lambda f: f["status"].astype(str))
    report = theme_answers(long, ThemeOptions(engine="core"))
    out = {}
    for q in report.questions.itertuples(index=False):
        themes = report.themes[report.themes["question_id"] == q.question_id]
        rows = pd.DataFrame(
            {
                "theme_id": themes["theme_id"].astype(str),
                "name": themes["label"].astype(str),
                "description": "",
                "count": themes["count"].astype(int),
                "share": themes["share"].astype(float),
                "is_other": themes["theme_id"].astype(str).str.endswith("-other"),
            }
        ).reset_index(drop=True)
        mine = report.assignments[report.assignments["question_id"] == q.question_id]
        assignments = _with_groups(mine[["response_id", "theme_id"]], responses)
        protected, by_group = _protect(rows, str(q.question_id), threshold, int(q.base), assignments)
        out[str(q.question_id)] = QuestionThemes(
            question_id=str(q.question_id),
            kind=MACHINE_DRAFT,
            answered=0,
            base=int(q.base),
            engine="core",
            rows=protected.reset_index(drop=True),
            by_group=by_group,
        )
    return out


def released_theme_figures(themes: dict[str, QuestionThemes], responses: pd.DataFrame) -> dict[str, Any]:
    """What the paper prints of each question's themes, as the release record keeps a theme
    report's (`analysis.themes.releases`): the answers covered, and every figure by key
    ("base", "theme|<name>|count", and each group's "group|…") with None where hidden."""
    import pandas as pd

    from analysis.themes.by_group import group_key
    from analysis.themes.releases import answer_versions

    out: dict[str, Any] = {}
    for question_id, question in themes.items():
        if question.rows is None or question.base == 0:
            continue
        texts = responses[["response_id", question_id]].dropna()
        answers = pd.DataFrame(
            {"response_id": texts["response_id"], "question_id": question_id, "text": texts[question_id]}
        )
        printed: dict[str, int | None] = {"base": question.base}
        names = dict(zip(question.rows["theme_id"], question.rows["name"], strict=True))
        for row in question.rows.itertuples(index=False):
            printed[f"theme|{row.name}|count"] = None if row.suppressed else int(row.count)
        if question.by_group is not None:
            for g in question.by_group.to_dict(orient="records"):
                printed[group_key(g, str(names.get(g["theme_id"], g["theme_id"])))] = (
                    None if g["count_hidden"] else int(g["count"])
                )
                printed[group_key(g, "base")] = None if g["base_hidden"] else int(g["base"])
        out[question_id] = {"answers": answer_versions(answers).get(question_id, []), "figures": printed}
    return out
