"""Build the Board report's document model from the responses, counts, themes and words.

The layout is the LGA's Board paper: the Board, the meeting date and the item; the title;
Purpose of report; Summary; Recommendation(s); Action and the contact officer; Background;
the results; Financial implications; then an annex on methods. Paragraphs from Background
on are numbered, running on through the paper; tables and figures are numbered too. A part
the consultation team has not written is left out (the team's checklist says so), and a
paper made before the closing date says it is interim on its title, in its summary and in
every results heading.

Every count published comes through a disclosure rule that already exists: the answers to
single-choice questions, every figure by segment (responses by role, type of organisation
and region) and the findings about groups are `analysis.counts.counting.count_responses`'
published table from one call over all those breakdowns (the same cells as
`consult-analysis counts --by role --by organisation_type --by region`); response rates
are protected as one table over the same segments (`analysis.board_report.response_summary`);
responses by channel and theme counts, linked to nothing else published but their totals,
go through `analysis.themes.disclosure.protect_counts`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING

from analysis.board_report.checklist import checklist, theme_progress
from analysis.board_report.group_findings import group_findings
from analysis.board_report.methods import methods_part
from analysis.board_report.model import (
    BoardReport,
    Chart,
    Contact,
    Heading,
    Paragraph,
    Part,
    Table,
    hidden_figures,
)
from analysis.board_report.question_results import condition_note, free_text_blocks, single_choice_blocks
from analysis.board_report.question_themes import released_theme_figures, themes_by_question
from analysis.board_report.response_summary import REPORT_BREAKDOWNS, long_date, response_summary
from analysis.board_report.words import CONTACT_FIELDS, BoardWords, paragraphs
from analysis.counts.counting import count_responses
from analysis.counts.disclosure import DEFAULT_THRESHOLD

if TYPE_CHECKING:
    from analysis.board_report.sources import ReportSource
    from analysis.releases.record import ReleaseRecord

__all__ = ["Numbering", "build_report", "open_until"]

INTERIM = "interim"


class Numbering:
    """Paragraph numbers running on through the paper."""

    def __init__(self) -> None:
        self.last = 0

    def __call__(self, text: str) -> Paragraph:
        self.last += 1
        return Paragraph(text, number=self.last)


def open_until(source: ReportSource, made_on: dt.date) -> dt.date | None:
    """The closing date if the paper is made before the consultation has closed (it is
    then interim), else None. An export records no dates, so it is never taken as interim."""
    facts = source.consultation
    if facts is None or facts.closes_on is None or made_on > facts.closes_on:
        return None
    return facts.closes_on


def _front_parts(words: BoardWords, interim: str, number: Numbering) -> list[Part]:
    """Purpose, Summary, Recommendation(s), Action, the contact officer and Background: only
    those written (the interim note makes a Summary of its own)."""
    parts = []
    purpose = [p for p in (words.report_for_sentence, *paragraphs(words.purpose)) if p]
    if purpose:
        parts.append(Part("Purpose of report", [Paragraph(p) for p in purpose]))
    summary = [p for p in (interim, *paragraphs(words.summary)) if p]
    if summary:
        parts.append(Part("Summary", [Paragraph(p) for p in summary]))
    if words.recommendations:
        heading = "Recommendations" if len(words.recommendations) > 1 else "Recommendation"
        parts.append(Part(heading, [Paragraph(r) for r in words.recommendations]))
    if action := paragraphs(words.action):
        parts.append(Part("Action", [Paragraph(p) for p in action]))
    if words.has_contact:
        # As in the Board's papers, the contact officer's lines follow the action unheaded.
        lines = tuple(
            (label, words.contact[name]) for name, label in CONTACT_FIELDS.items() if words.contact.get(name)
        )
        parts.append(Part("", [Contact(lines)], anchor="contact"))
    if background := paragraphs(words.background):
        parts.append(Part("Background", [number(p) for p in background]))
    return parts


def _number_tables_and_figures(parts: list[Part]) -> None:
    tables = figures = 0
    for part in parts:
        for i, block in enumerate(part.blocks):
            if isinstance(block, Table):
                tables += 1
                part.blocks[i] = dataclasses.replace(block, number=tables)
            elif isinstance(block, Chart):
                figures += 1
                part.blocks[i] = dataclasses.replace(block, number=figures)


def build_report(
    source: ReportSource,
    words: BoardWords | None = None,
    *,
    threshold: int = DEFAULT_THRESHOLD,
    run_engine: bool = True,
    made_on: dt.date | None = None,
    releases: ReleaseRecord | None = None,
) -> BoardReport:
    """The Board report for `source`, with the officer's `words` (parts not written left out).

    `run_engine`: find the themes of questions with no stored theme set with the core
    engine (the command line); false in the web app, where such questions say their
    answers have not yet been analysed. `made_on` (default today) decides whether the
    paper is interim.
    """
    words = words or BoardWords()
    made = made_on or dt.date.today()
    questionnaire = source.loaded.questionnaire
    closes = open_until(source, made)
    # Every breakdown the report shows (responses by role, type and region, and the
    # findings about groups) comes from this one call, so everything published is one
    # protected family: a statistician holding every table can narrow no hidden figure.
    # With `releases`, also together with everything released before (another paper, an annex).
    counts = count_responses(source.loaded, by=REPORT_BREAKDOWNS, threshold=threshold, releases=releases)
    themes = themes_by_question(source, threshold, run_engine=run_engine)
    # Answers and themes compared between groups together: one correction for the paper.
    findings = group_findings(counts, themes)
    number = Numbering()
    interim = (
        f"This is an interim report. The consultation is open until {long_date(closes)}; this paper "
        f"counts the {counts.responses:,} responses submitted by {long_date(made)}, and the figures "
        "will change as more arrive."
        if closes is not None
        else ""
    )
    parts = _front_parts(words, interim, number)
    results = Part(("Interim results" if closes else "Results") + " of the consultation", anchor="results")
    results.blocks += response_summary(source, counts, threshold, number, interim_on=made if closes else None)
    asked = set(counts.table["question_id"])
    for section in questionnaire.sections:
        results.blocks.append(Heading(section.title + (f" ({INTERIM})" if closes else ""), 2))
        for question in section.questions:
            results.blocks.append(Heading(f"Question {question.number}. {question.text}", 3, question.id))
            if (condition := condition_note(question)) is not None:
                results.blocks.append(condition)
            if question.is_single_choice and question.id in asked:
                results.blocks += single_choice_blocks(counts, findings, question, number)
            elif not question.is_single_choice:
                results.blocks += free_text_blocks(themes[question.id], question, threshold, number, findings)
    parts.append(results)
    if financial := paragraphs(words.financial_implications):
        parts.append(Part("Financial implications", [number(p) for p in financial]))
    parts.append(
        methods_part(
            source,
            counts,
            findings,
            themes,
            threshold,
            hidden=hidden_figures(b for part in parts for b in part.blocks),
        )
    )
    _number_tables_and_figures(parts)
    default = f"{questionnaire.title}: {'interim ' if closes else ''}results of the consultation"
    title = words.title or default
    if closes is not None and INTERIM not in title.lower():
        title += f" ({INTERIM})"
    numbers = {q.id: q.number for q in questionnaire.questions}
    furniture = tuple(
        line
        for line in (
            words.board,
            long_date(words.meeting_date) if words.meeting_date else "",
            words.item_label,
        )
        if line
    )
    return BoardReport(
        title=title,
        subtitle=f"{questionnaire.publisher}. Report made on {long_date(made)}."
        + (f" Interim report: the consultation closes on {long_date(closes)}." if closes else ""),
        parts=parts,
        furniture=furniture,
        checklist=checklist(words, theme_progress(themes, numbers), open_until=closes),
        counts=counts,
        themes_released=released_theme_figures(themes, source.loaded.responses),
    )
