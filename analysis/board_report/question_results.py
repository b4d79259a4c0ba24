"""The results of one question in the Board report: its sentences, table, chart, themes and quotes.

Every percentage is made from its counts by `analysis.percentages` (half up), and every
sentence with one names its divisor: "70 per cent of the 561 who answered said “Yes”
(603 were asked)". Figures come from the report's protected family of counts (single
choice) or the themes' protected counts (free text); a hidden figure is never used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from analysis.board_report.group_findings import finding_sentences
from analysis.board_report.model import Chart, Paragraph, Quote, Table
from analysis.board_report.question_themes import MACHINE_DRAFT, NOT_RUN, QuestionThemes
from analysis.counts.counting import NOT_ANSWERED
from analysis.counts.tables import SUPPRESSED_MARK
from analysis.percentages import percent_text

if TYPE_CHECKING:
    from collections.abc import Callable

    import pandas as pd

    from analysis.counts.counting import CountsResult
    from questions import Question

__all__ = ["condition_note", "free_text_blocks", "single_choice_blocks"]


def _count(value: int) -> str:
    return f"{value:,}"


def _published(value: Any) -> int | None:
    """A figure as published: None where it is hidden."""
    return None if value is None or str(value) == "<NA>" else int(value)


def condition_note(question: Question) -> Paragraph | None:
    """ "Asked only of those who answered “Yes” to question 13." for a follow-up question."""
    if question.shown_if is None:
        return None
    answers = " or ".join(f"“{v}”" for v in question.shown_if.any_of)
    return Paragraph(
        f"Asked only of those who answered {answers} to question {question.shown_if.question[1:]}.", note=True
    )


def _asked_clause(asked: int | None, answered: int | None) -> str:
    if asked is None:
        return "the number asked is not shown, to protect respondents"
    if answered is not None and asked == answered:
        return f"all {_count(asked)} who were asked answered"
    return f"{_count(asked)} were asked"


def _headline(options: pd.DataFrame, asked: int | None, answered: int | None, threshold: int) -> str:
    shown = options[options["percent"].notna()]
    if shown.empty or answered is None:
        where = f" ({_asked_clause(asked, None)})" if asked is not None else ""
        if answered is not None and answered < threshold:
            return f"Too few respondents answered this question for its figures to be published{where}."
        return (
            "No percentages are given for this question: the number who answered it is hidden to protect "
            f"respondents{where}."
        )
    most = int(shown["count"].max())
    top = [str(o) for o in shown.loc[shown["count"] == most, "option"]]
    said = f"“{top[0]}”" + "".join(f", and as many said “{o}”" for o in top[1:])
    return (
        f"{percent_text(most, answered)} per cent of the {_count(answered)} who answered said {said} "
        f"({_asked_clause(asked, answered)})."
    )


def single_choice_blocks(
    counts: CountsResult, findings: pd.DataFrame, question: Question, number: Callable[[str], Paragraph]
) -> list:
    """Headline, findings about groups, the table of every answer, and the chart."""
    from analysis.counts.charts import chart_alt_text, question_chart

    table = counts.table
    rows = table[(table["question_id"] == question.id) & (table["segment_by"] == "all")]
    asked = _published(rows["asked"].iloc[0])
    answered = _published(rows["answered"].iloc[0])
    options = rows[rows["option"] != NOT_ANSWERED]
    table_rows = []
    for row in options.itertuples(index=False):
        if bool(row.suppressed):
            table_rows.append((str(row.option), SUPPRESSED_MARK, SUPPRESSED_MARK))
        elif str(row.percent) == "<NA>":
            table_rows.append((str(row.option), _count(int(row.count)), "–"))
        else:
            percent = percent_text(int(row.count), int(answered), 1)  # type: ignore[arg-type]
            table_rows.append((str(row.option), _count(int(row.count)), f"{percent}%"))
    not_answered = rows[rows["option"] == NOT_ANSWERED].iloc[0]
    table_rows += [
        ("Total who answered", SUPPRESSED_MARK if answered is None else _count(answered), ""),
        (
            NOT_ANSWERED,
            SUPPRESSED_MARK if bool(not_answered["suppressed"]) else _count(int(not_answered["count"])),
            "",
        ),
        ("Total asked", SUPPRESSED_MARK if asked is None else _count(asked), ""),
    ]
    of = f"the {_count(answered)} who answered" if answered is not None else "those who answered"
    blocks: list = [number(_headline(options, asked, answered, counts.threshold))]
    blocks.append(number(" ".join(finding_sentences(findings, question))))
    blocks.append(
        Table(
            f"Question {question.number}, answers of all respondents",
            ("Answer", "Number", f"Per cent of {of}"),
            tuple(table_rows),
            numeric=(1, 2),
        )
    )
    blocks.append(
        Chart(
            question_chart(counts, question.id, "png"),
            chart_alt_text(counts, question.id),
            f"Question {question.number}, per cent of {of}",
        )
    )
    return blocks


def _review_sentence(themes: QuestionThemes) -> str:
    """How far analysts have checked the themes, in the Board's words."""
    if themes.kind == MACHINE_DRAFT:
        return (
            "These themes were found by software for this report and have not been checked by analysts, "
            "so they may change; no answer is quoted."
        )
    total = _count(themes.base)
    if themes.reviewed_answers >= themes.base:
        return (
            f"Analysts checked the themes of all {total} answers; the names, descriptions and counts are "
            "theirs."
        )
    if themes.reviewed_answers == 0:
        return (
            f"No analyst has yet checked the themes of the {total} answers: they are a first draft made by "
            "software, so the themes and counts may change."
        )
    return (
        f"Analysts have checked the themes of {_count(themes.reviewed_answers)} of the {total} answers; the "
        "rest are a first draft made by software, so the themes and counts may change."
    )


def _theme_table(themes: QuestionThemes, question: Question) -> Table:
    """Themes by number of answers, most first; those whose count is hidden last, in their own order
    (placing them by their true count would tell something about it)."""
    rows = themes.rows
    assert rows is not None
    listed = rows[~rows["is_other"]]
    shown = listed[~listed["suppressed"]].sort_values("count", ascending=False, kind="stable")
    ordered = [*shown.itertuples(index=False), *listed[listed["suppressed"]].itertuples(index=False)]
    with_description = any(str(row.description).strip() for row in ordered)
    table_rows = []
    for row in ordered:
        cells = [str(row.name), *([str(row.description).strip() or "–"] if with_description else [])]
        if row.suppressed:
            cells += [SUPPRESSED_MARK, SUPPRESSED_MARK]
        else:
            cells += [_count(int(row.count)), f"{percent_text(int(row.count), themes.base, 1)}%"]
        table_rows.append(tuple(cells))
    offset = 1 if with_description else 0
    return Table(
        f"Question {question.number}, themes raised in the {_count(themes.base)} answers",
        ("Theme", *(("Description",) if with_description else ()), "Answers", "Per cent of answers"),
        tuple(table_rows),
        numeric=(1 + offset, 2 + offset),
    )


def _group_table(themes: QuestionThemes, question: Question, order: list[Any]) -> Table | None:
    """The themes (in `order`, as the theme table lists them) by role, type of organisation
    and region: a row per group shown, cells of the protected figures only."""
    from analysis.themes.by_group import GROUP_BREAKDOWNS, group_table

    if themes.by_group is None or themes.rows is None or not order:
        return None
    rows = themes.rows.set_index("theme_id").loc[order].reset_index()
    listed = rows.assign(question_id=question.id, label=rows["name"])
    names = {"role": "Role", "organisation_type": "Type of organisation", "region": "Region"}
    table_rows: list[tuple[str, ...]] = []
    columns: tuple[str, ...] = ()
    for column in GROUP_BREAKDOWNS:
        table = group_table(listed, themes.by_group, question.id, column)
        columns = tuple(str(c) for c in table.columns)
        table_rows += [
            (f"{names[column]}: {row[0]}", *row[1:]) for row in table.astype(str).to_numpy().tolist()
        ]
    if not table_rows:
        return None
    return Table(
        f"Question {question.number}, themes raised by each group (answers, and per cent of the "
        "group's answers)",
        ("Group", "Answers", *columns[2:]),
        tuple(table_rows),
        numeric=tuple(range(1, len(columns))),
    )


def free_text_blocks(
    themes: QuestionThemes,
    question: Question,
    threshold: int,
    number: Callable[[str], Paragraph],
    findings: pd.DataFrame | None = None,
) -> list:
    """How many answered, the themes (ordered, with how far analysts checked them), the themes
    by group with the findings about groups (`findings`, from `group_findings`), and quotes."""
    if themes.answered == 0:
        return [number("No respondent answered this question.")]
    if themes.answered < threshold:
        return [number(f"Fewer than {threshold} respondents answered this question in their own words.")]
    blocks: list = [
        number(f"In all, {_count(themes.answered)} respondents answered this question in their own words.")
    ]
    if themes.kind == NOT_RUN:
        blocks.append(number("Free-text answers to this question have not yet been analysed."))
        return blocks
    if themes.rows is None or themes.base == 0:
        blocks.append(number("Too few answered for their themes to be reported."))
        return blocks
    blocks.append(number(_review_sentence(themes)))
    rows = themes.rows
    shown = rows[~rows["suppressed"] & ~rows["is_other"]]
    total = _count(themes.base)
    sentences = []
    if len(shown):
        top = shown.loc[shown["count"].idxmax()]
        sentences.append(
            f"The theme raised most often was “{top['name']}”, in "
            f"{percent_text(int(top['count']), themes.base)} per cent of the {total} answers (blank answers "
            "and ones such as “no comment” are not counted). An answer may raise more than one theme."
        )
    for row in rows[rows["is_other"]].itertuples(index=False):
        if row.suppressed:
            sentences.append(
                "The number of answers that raised none of these themes is not shown, to protect respondents."
            )
        elif int(row.count):
            sentences.append(f"Of the {total} answers, {_count(int(row.count))} raised none of these themes.")
    if sentences:
        blocks.append(number(" ".join(sentences)))
    blocks.append(_theme_table(themes, question))
    listed = rows[~rows["is_other"]]
    order = [
        *listed[~listed["suppressed"]].sort_values("count", ascending=False, kind="stable")["theme_id"],
        *listed[listed["suppressed"]]["theme_id"],
    ]
    if (by_group := _group_table(themes, question, order)) is not None:
        if findings is not None:
            blocks.append(number(" ".join(finding_sentences(findings, question))))
        blocks.append(by_group)
    for name, quotes in themes.quotes.items():
        blocks.append(Paragraph(f"Quotes on “{name}”:", note=True))
        blocks.extend(Quote(q) for q in quotes)
    return blocks
