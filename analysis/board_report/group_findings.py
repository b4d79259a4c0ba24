"""Findings about groups in the Board report: who answered a question differently from the rest.

For every single-choice question, every role, type of organisation and region the report
publishes on its own is compared with all other respondents, answer by answer; and for
every free-text question whose themes are reported, theme by theme (did leaders raise
"Funding" more often than the rest?). All with `analysis.findings.compare_groups`, every
comparison of the paper corrected together. The figures are published cells: of the
report's one protected family of counts (`count_responses` over `REPORT_BREAKDOWNS`), or
of a question's themes protected with their counts by group
(`analysis.themes.by_group`). A hidden count or base is never used, so a finding shows
nothing a reader holding every published figure could not already work out; and the
others' figures, worked out by subtraction, must not be small either.

The combined group of small segments and "Not stated" are not compared: neither is a
group the Board could act on. A question of two answers is compared on its first answer
only (the second is the same test, mirrored).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from analysis.counts.counting import NOT_ANSWERED, NOT_STATED, OTHER_SEGMENT
from analysis.counts.html_report import segment_phrase
from analysis.findings import ALPHA, CORRECTIONS, MIN_BASE, MIN_POINTS, compare_groups
from analysis.findings.group_differences import COUNT_COLUMNS
from analysis.percentages import percent_text

if TYPE_CHECKING:
    import pandas as pd

    from analysis.board_report.question_themes import QuestionThemes
    from analysis.counts.counting import CountsResult
    from questions import Question

__all__ = ["comparisons", "finding_sentences", "group_findings", "method_sentence", "theme_comparisons"]

_GROUP_NAMES = "role, type of organisation or region"


def comparisons(counts: CountsResult) -> pd.DataFrame:
    """Every comparison the paper makes, as `compare_groups` input.

    Columns: question_id, segment_by, segment, option, then `COUNT_COLUMNS` from the
    published table (NA where hidden). One row per question, breakdown of `counts.by`,
    segment shown on its own, and answer (the first answer only for a two-answer question).
    """
    import pandas as pd

    table = counts.table[counts.table["option"] != NOT_ANSWERED]
    single = {q.id: q for q in counts.questionnaire.questions if q.is_single_choice}
    overall = table[table["segment_by"] == "all"].set_index(["question_id", "option"])
    groups = table[
        (table["segment_by"] != "all")
        & (table["segment"] != NOT_STATED)
        & ~table["segment"].isin(list(OTHER_SEGMENT.values()))
    ]
    first_only = {qid for qid, q in single.items() if len(q.options) == 2}
    groups = groups[
        ~groups["question_id"].isin(first_only)
        | (groups["option"] == groups["question_id"].map(lambda q: single[q].options[0]))
    ]
    keys = pd.MultiIndex.from_frame(groups[["question_id", "option"]])
    return pd.DataFrame(
        {
            "question_id": groups["question_id"].to_numpy(),
            "segment_by": groups["segment_by"].to_numpy(),
            "segment": groups["segment"].to_numpy(),
            "option": groups["option"].to_numpy(),
            "group_count": groups["count"].to_numpy(),
            "group_base": groups["answered"].to_numpy(),
            "overall_count": overall["count"].reindex(keys).to_numpy(),
            "overall_base": overall["answered"].reindex(keys).to_numpy(),
        }
    ).astype({c: "Int64" for c in ("group_count", "group_base", "overall_count", "overall_base")})


def theme_comparisons(themes: dict[str, QuestionThemes]) -> pd.DataFrame:
    """Every theme comparison the paper makes, as `compare_groups` input: columns as
    `comparisons` gives them (the theme's name as `option`). One row per free-text question
    with themes by group, group shown on its own, and theme (not the answers in no theme)."""
    import pandas as pd

    frames = []
    for question in themes.values():
        if question.by_group is None or question.rows is None:
            continue
        rows = question.rows[~question.rows["is_other"]]
        by_group = question.by_group
        groups = by_group[
            (by_group["segment"] != NOT_STATED)
            & ~by_group["segment"].isin(list(OTHER_SEGMENT.values()))
            & by_group["theme_id"].isin(list(rows["theme_id"]))
        ]
        theme = rows.set_index("theme_id")
        overall = theme["count"].where(~theme["suppressed"].astype(bool))
        frames.append(
            pd.DataFrame(
                {
                    "question_id": question.question_id,
                    "segment_by": groups["segment_by"].to_numpy(),
                    "segment": groups["segment"].to_numpy(),
                    "option": groups["theme_id"].map(theme["name"]).to_numpy(),
                    "group_count": groups["count"].where(~groups["count_hidden"]).to_numpy(),
                    "group_base": groups["base"].where(~groups["base_hidden"]).to_numpy(),
                    "overall_count": groups["theme_id"].map(overall).to_numpy(),
                    "overall_base": question.base,
                }
            )
        )
    columns = ["question_id", "segment_by", "segment", "option", *COUNT_COLUMNS]
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame({c: [] for c in columns})
    return out.astype({c: "Int64" for c in COUNT_COLUMNS})


def group_findings(counts: CountsResult, themes: dict[str, QuestionThemes] | None = None) -> pd.DataFrame:
    """`compare_groups` over every comparison of the paper (see `comparisons` and
    `theme_comparisons`), corrected together; `kind` says which: "answer" or "theme"."""
    import pandas as pd

    frames = [comparisons(counts).assign(kind="answer")]
    if themes:
        frames.append(theme_comparisons(themes).assign(kind="theme"))
    return compare_groups(pd.concat(frames, ignore_index=True), threshold=counts.threshold)


def _sentence(row: Any) -> str:
    who = segment_phrase(str(row.segment_by), str(row.segment))
    group = percent_text(int(row.group_count), int(row.group_base))
    others = percent_text(int(row.others_count), int(row.others_base))
    if getattr(row, "kind", "answer") == "theme":
        return (
            f"{who[0].upper()}{who[1:]} raised “{row.option}” {row.direction} often than other respondents "
            f"({group} per cent of the {int(row.group_base):,} {who} who answered this question, against "
            f"{others} per cent of the {int(row.others_base):,} others who answered it)."
        )
    return (
        f"{who[0].upper()}{who[1:]} were {row.direction} likely than other respondents to say "
        f"“{row.option}” ({group} per cent of the {int(row.group_base):,} {who} who answered, "
        f"against {others} per cent of the {int(row.others_base):,} others)."
    )


def finding_sentences(findings: pd.DataFrame, question: Question) -> list[str]:
    """What the paper says about groups for `question`: a sentence per difference reported, or
    one sentence saying that none differed (or that no group was large enough to compare).

    For each group, the answers it was more likely to give; the ones it was less likely to
    give only where there is none of those. Largest differences first within a group.
    """
    mine = findings[findings["question_id"] == question.id]
    reported = mine[mine["reported"]]
    if reported.empty:
        if not mine["tested"].any():
            return [f"No {_GROUP_NAMES} had enough respondents answering this question to compare."]
        if not question.is_single_choice:
            return [
                f"No {_GROUP_NAMES} raised any of these themes markedly more or less often than the rest."
            ]
        return [f"No {_GROUP_NAMES} answered this question markedly differently from other respondents."]
    sentences = []
    for _, group in reported.groupby(["segment_by", "segment"], sort=False):
        more = group[group["direction"] == "more"]
        chosen = more if len(more) else group
        chosen = chosen.reindex(chosen["difference"].abs().sort_values(ascending=False).index)
        sentences += [_sentence(row) for row in chosen.itertuples(index=False)]
    return sentences


def method_sentence(findings: pd.DataFrame, threshold: int) -> str:
    """The annex's account of how groups were compared, with this paper's numbers."""
    tested = int(findings["tested"].sum())
    reported = int(findings["reported"].sum())
    correction = CORRECTIONS["holm"]
    met = (
        "none met all three"
        if not reported
        else "one difference met all three"
        if reported == 1
        else f"{reported:,} differences met all three"
    )
    return (
        f"Differences between groups: for each single-choice question, each {_GROUP_NAMES} shown on its "
        "own was compared with all other respondents, answer by answer, and for each free-text question "
        "whose themes are reported, theme by theme (the share of the group's answers raising it), with a "
        f"two-proportion z-test ({tested:,} comparisons in this paper; a question with two answers is "
        "compared on one). A "
        "group is said to have answered differently only where the difference is statistically "
        f"significant at the {100 * ALPHA:g} per cent level after "
        f"{correction}'s correction for the {tested:,} comparisons, is at least {MIN_POINTS:g} "
        f"percentage points, and at least {max(MIN_BASE, threshold)} in the group and "
        f"{max(MIN_BASE, threshold)} others answered ({met}). "
        "Comparisons use only figures that are published, and none is made where it would show, for "
        f"the group or for the others, a number from 1 to {threshold - 1}. Groups combined because "
        "they are small, and respondents who did not say, are not compared."
    )
