"""Build the Board report's document model from the responses, counts, themes and words.

The layout is the LGA's Board paper: title; Purpose of report; Summary; Recommendation(s);
Action; Contact officer; Background; the results; Financial implications; then an annex on
methods. Paragraphs from Background on are numbered, running on through the paper.

Every count published comes through a disclosure rule that already exists: the answers to
single-choice questions and every figure by segment (responses by role, type of organisation
and region, the role headlines) are `analysis.counts.counting.count_responses`' published
table from one call over all those breakdowns (the same cells as `consult-analysis counts
--by role --by organisation_type --by region`); response rates are protected as one table
over the same segments (`analysis.board_report.response_summary`); responses by channel
and theme counts, linked to nothing else published but their totals, go through
`analysis.themes.disclosure.protect_counts`.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from analysis.board_report.methods import methods_part
from analysis.board_report.model import BoardReport, Chart, Contact, Heading, Paragraph, Part, Quote, Table
from analysis.board_report.question_themes import (
    MIN_ANSWERS_FOR_THEMES,
    NOT_RUN,
    REVIEWED,
    STORED_DRAFT,
    QuestionThemes,
    themes_by_question,
)
from analysis.board_report.response_summary import REPORT_BREAKDOWNS, long_date, response_summary
from analysis.board_report.words import CONTACT_FIELDS, MISSING, BoardWords, paragraphs
from analysis.counts.counting import NOT_ANSWERED, CountsResult, count_responses
from analysis.counts.disclosure import DEFAULT_THRESHOLD
from analysis.counts.tables import SUPPRESSED_MARK

if TYPE_CHECKING:
    from analysis.board_report.sources import ReportSource
    from analysis.releases.record import ReleaseRecord
    from questions import Question

__all__ = ["Numbering", "build_report"]


class Numbering:
    """Paragraph numbers running on through the paper."""

    def __init__(self) -> None:
        self.last = 0

    def __call__(self, text: str) -> Paragraph:
        self.last += 1
        return Paragraph(text, number=self.last)


def _count(value: int) -> str:
    return f"{value:,}"


def _words_part(heading: str, text: str, missing: str, number: Numbering | None = None) -> Part:
    found = paragraphs(text)
    if not found:
        return Part(heading, [Paragraph(missing, missing=True)])
    return Part(heading, [number(p) if number else Paragraph(p) for p in found])


def _contact_part(words: BoardWords) -> Part:
    if not words.has_contact:
        return Part("Contact officer", [Paragraph(MISSING["contact"], missing=True)])
    lines = tuple(
        (label, words.contact[name]) for name, label in CONTACT_FIELDS.items() if words.contact.get(name)
    )
    return Part("Contact officer", [Contact(lines)])


def _condition(question: Question) -> Paragraph | None:
    if question.shown_if is None:
        return None
    answers = " or ".join(f"“{v}”" for v in question.shown_if.any_of)
    return Paragraph(
        f"Asked only of those who answered {answers} to question {question.shown_if.question[1:]}.", note=True
    )


def _base(value: object) -> str:
    """A number asked as published: hidden ones (empty) are shown as the suppression mark."""
    return SUPPRESSED_MARK if value is None or str(value) == "<NA>" else _count(int(value))  # type: ignore[call-overload]


def _role_headline(counts: CountsResult, question: Question) -> str | None:
    """ "By role: 84 per cent of chief executives who answered said “Yes” (base: …); …", or None."""
    from analysis.counts.html_report import segment_phrase

    table = counts.table
    rows = table[
        (table["question_id"] == question.id)
        & (table["segment_by"] == "role")
        & (table["option"] != NOT_ANSWERED)
    ]
    parts = []
    for segment, group in rows.groupby("segment", sort=False):
        shown = group[group["percent"].notna()]
        if shown.empty:
            continue
        top = shown.loc[shown["percent"].astype(float).idxmax()]
        who = segment_phrase("role", str(segment))
        parts.append(
            f"{float(top['percent']):.0f} per cent of {who} who answered said “{top['option']}” "
            f"(base: {_base(top['base'])} asked)"
        )
    return "By role: " + "; ".join(parts) + "." if parts else None


def _single_choice(counts: CountsResult, question: Question, number: Numbering) -> list:
    from analysis.counts.charts import chart_alt_text, question_chart

    rows = counts.table[(counts.table["question_id"] == question.id) & (counts.table["segment_by"] == "all")]
    base = _base(rows["base"].iloc[0])
    options = rows[rows["option"] != NOT_ANSWERED]
    shown = options[options["percent"].notna()]
    if len(shown):
        top = shown.loc[shown["percent"].astype(float).idxmax()]
        headline = (
            f"{float(top['percent']):.0f} per cent of those who answered said “{top['option']}” "
            f"(base: {base} respondents asked this question)."
        )
    else:
        headline = (
            f"Too few respondents answered this question for its figures to be published "
            f"(base: {base} respondents asked)."
        )
    table_rows = []
    for row in rows.itertuples(index=False):
        count = SUPPRESSED_MARK if bool(row.suppressed) else _count(int(row.count))
        if row.option == NOT_ANSWERED:
            percent = "–"
        elif bool(row.suppressed):
            percent = SUPPRESSED_MARK
        else:
            percent = "–" if str(row.percent) == "<NA>" else f"{float(row.percent):.1f}%"
        table_rows.append((str(row.option), count, percent))
    table_rows.append(("Base (asked)", base, ""))
    by_role = _role_headline(counts, question)
    return [
        number(headline),
        *([number(by_role)] if by_role else []),
        Table(
            f"Question {question.number}: answers of all respondents (per cent of those who answered)",
            ("Answer", "Number", "Per cent"),
            tuple(table_rows),
            numeric=(1, 2),
        ),
        Chart(question_chart(counts, question.id, "png"), chart_alt_text(counts, question.id)),
    ]


def _free_text(themes: QuestionThemes, question: Question, threshold: int, number: Numbering) -> list:
    answered = (
        f"{_count(themes.answered)} respondents"
        if themes.answered >= threshold
        else f"Fewer than {threshold} respondents"
    )
    if themes.answered == 0:
        return [number("No respondent answered this question.")]
    blocks: list = [number(f"{answered} answered this question in their own words.")]
    if themes.kind == NOT_RUN:
        blocks.append(
            Paragraph(
                "Themes have not been run yet for this question: an analyst runs them on the themes page "
                "before the report goes to the Board.",
                missing=True,
            )
        )
        return blocks
    if themes.rows is None:
        blocks.append(
            Paragraph(
                f"Too few answers to find themes (at least {MIN_ANSWERS_FOR_THEMES} are needed).", note=True
            )
        )
        return blocks
    if themes.kind == REVIEWED:
        status = "Analysts have reviewed these themes: the names, descriptions and counts are theirs."
    elif themes.kind == STORED_DRAFT:
        status = (
            "These themes are an unreviewed machine draft: analysts have not finished reviewing them, "
            "so names and counts may still change."
        )
    else:
        status = (
            "These themes are an unreviewed machine draft, found by the software for this report; no "
            "analyst has checked them, and no answer is quoted."
        )
    blocks.append(Paragraph(status, missing=themes.kind != REVIEWED))
    shown = themes.rows[~themes.rows["suppressed"] & ~themes.rows["is_other"]]
    if len(shown):
        top = shown.loc[shown["share"].idxmax()]
        blocks.append(
            number(
                f"The theme raised most often was “{top['name']}”, in "
                f"{100 * float(top['share']):.0f} per cent of the {_count(themes.base)} answers themed "
                "(blank answers and ones such as “no comment” are not themed). An answer may raise more "
                "than one theme."
            )
        )
    with_description = any(d for d in themes.rows["description"])
    table_rows = []
    for row in themes.rows.itertuples(index=False):
        cells = [str(row.name)]
        if with_description:
            cells.append(str(row.description))
        if row.suppressed:
            cells += [SUPPRESSED_MARK, SUPPRESSED_MARK]
        else:
            cells += [_count(int(row.count)), f"{100 * float(row.share):.1f}%"]
        table_rows.append(tuple(cells))
    columns = ("Theme", *(("Description",) if with_description else ()), "Answers", "Share of answers")
    offset = 1 if with_description else 0
    blocks.append(
        Table(
            f"Question {question.number}: themes in {_count(themes.base)} answers",
            columns,
            tuple(table_rows),
            numeric=(1 + offset, 2 + offset),
        )
    )
    for name, quotes in themes.quotes.items():
        blocks.append(Paragraph(f"Quotes on “{name}”:", note=True))
        blocks.extend(Quote(q) for q in quotes)
    return blocks


def build_report(
    source: ReportSource,
    words: BoardWords | None = None,
    *,
    threshold: int = DEFAULT_THRESHOLD,
    run_engine: bool = True,
    made_on: dt.date | None = None,
    releases: ReleaseRecord | None = None,
) -> BoardReport:
    """The Board report for `source`, with the officer's `words` (missing parts say so).

    `run_engine`: find the themes of questions with no stored theme set with the core
    engine (the command line); false in the web app, where such questions say themes have
    not been run yet.
    """
    words = words or BoardWords()
    questionnaire = source.loaded.questionnaire
    # Every breakdown the report shows (responses by role, type and region; "X per cent of
    # leaders said …") comes from this one call, so everything published is one protected
    # family: a statistician holding every table can narrow no hidden figure.
    # With `releases`, also together with everything released before (another paper, an annex).
    counts = count_responses(source.loaded, by=REPORT_BREAKDOWNS, threshold=threshold, releases=releases)
    themes = themes_by_question(source, threshold, run_engine=run_engine)
    number = Numbering()
    recommendations = list(words.recommendations)
    parts = [
        _words_part("Purpose of report", words.purpose, MISSING["purpose"]),
        _words_part("Summary", words.summary, MISSING["summary"]),
        Part(
            "Recommendations" if len(recommendations) > 1 else "Recommendation",
            [Paragraph(r) for r in recommendations] or [Paragraph(MISSING["recommendations"], missing=True)],
        ),
        _words_part("Action", words.action, MISSING["action"]),
        _contact_part(words),
        _words_part("Background", words.background, MISSING["background"], number),
    ]
    results = Part("Results of the consultation", anchor="results")
    results.blocks += response_summary(source, counts, threshold, number)
    asked = set(counts.table["question_id"])
    for section in questionnaire.sections:
        results.blocks.append(Heading(section.title, 2))
        for question in section.questions:
            results.blocks.append(Heading(f"Question {question.number}. {question.text}", 3, question.id))
            if (condition := _condition(question)) is not None:
                results.blocks.append(condition)
            if question.is_single_choice and question.id in asked:
                results.blocks += _single_choice(counts, question, number)
            elif not question.is_single_choice:
                results.blocks += _free_text(themes[question.id], question, threshold, number)
    parts.append(results)
    parts.append(
        _words_part(
            "Financial implications", words.financial_implications, MISSING["financial_implications"], number
        )
    )
    parts.append(methods_part(source, counts, themes, threshold))
    title = words.title or f"{questionnaire.title}: results of the consultation"
    made = made_on or dt.date.today()
    return BoardReport(
        title=title,
        subtitle=f"{questionnaire.publisher}. Report made on {long_date(made)}.",
        parts=parts,
        counts=counts,
    )
