"""Build the Board report's document model from the responses, counts, themes and words.

The layout is the LGA's Board paper: title; Purpose of report; Summary; Recommendation(s);
Action; Contact officer; Background; the results; Financial implications; then an annex on
methods. Paragraphs from Background on are numbered, running on through the paper.

Every count published comes through a disclosure rule that already exists: the answers to
single-choice questions are `analysis.counts.counting.count_responses`' published table, overall
and by role, from one call (the same cells as `consult-analysis counts --by role`), and the
other counts (responses by segment, invitations,
theme counts) go through `analysis.themes.disclosure.protect_counts` against their total.
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
from analysis.board_report.sources import RATE_DIMENSIONS, ReportSource
from analysis.board_report.words import CONTACT_FIELDS, MISSING, BoardWords, paragraphs
from analysis.counts.counting import NOT_ANSWERED, NOT_STATED, CountsResult, count_responses
from analysis.counts.disclosure import DEFAULT_THRESHOLD
from analysis.counts.tables import SUPPRESSED_MARK
from analysis.themes.disclosure import protect_counts

if TYPE_CHECKING:
    import pandas as pd

    from questions import Question

__all__ = [
    "DIMENSION_NAMES",
    "REPORT_BREAKDOWNS",
    "Numbering",
    "build_report",
    "long_date",
    "protected_table",
    "segment_counts",
]

# The breakdowns the report counts (and `consult-analysis counts --by role` matches).
REPORT_BREAKDOWNS = ("role",)
DIMENSION_NAMES = {
    "role": "role",
    "organisation_type": "type of organisation",
    "region": "region",
    "channel": "how they replied",
}


class Numbering:
    """Paragraph numbers running on through the paper."""

    def __init__(self) -> None:
        self.last = 0

    def __call__(self, text: str) -> Paragraph:
        self.last += 1
        return Paragraph(text, number=self.last)


def long_date(value: dt.date) -> str:
    return f"{value.day} {value:%B %Y}"


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


def protected_table(
    caption: str, heading: str, categories: list[str], counts: list[int], threshold: int
) -> Table:
    """A one-column table of counts beside their total, small ones suppressed."""
    hidden, _ = protect_counts(counts, threshold)
    rows = [
        (category, SUPPRESSED_MARK if hide else _count(value))
        for category, value, hide in zip(categories, counts, hidden, strict=True)
    ]
    rows.append(("Total", _count(sum(counts))))
    return Table(caption, (heading, "Responses"), tuple(rows), numeric=(1,))


def segment_counts(frame: pd.DataFrame, column: str, listed: tuple[str, ...]) -> tuple[list[str], list[int]]:
    """Categories of `column` in the questionnaire's order (then others seen, then "Not stated")."""
    values = frame[column].astype(object).where(frame[column].notna(), None)
    tally: dict[str | None, int] = {}
    for value in values:
        tally[value] = tally.get(value, 0) + 1
    order = [c for c in listed if c in tally] + sorted(
        str(k) for k in tally if k is not None and k not in listed
    )
    if None in tally:
        order.append(None)  # type: ignore[arg-type]
    return [c if c is not None else NOT_STATED for c in order], [tally[c] for c in order]


def _response_summary(source: ReportSource, counts: CountsResult, threshold: int, number: Numbering) -> list:
    loaded = source.loaded
    responses = loaded.responses
    blocks: list = [Heading("Dates and responses", 2, "responses")]
    facts = source.consultation
    if facts is not None and facts.opens_on and facts.closes_on:
        blocks.append(
            number(
                f"The consultation was open from {long_date(facts.opens_on)} to {long_date(facts.closes_on)}."
            )
        )
    else:
        days = sorted(str(d) for d in responses["updated_on"].dropna().unique())
        dates = f" Responses were last changed between {days[0]} and {days[-1]}." if days else ""
        blocks.append(number(f"The anonymised export does not record the consultation's dates.{dates}"))
    drafts = int((loaded.excluded["question_id"] == "").sum())
    blocks.append(
        number(
            f"{_count(counts.responses)} responses were submitted and are counted in this report"
            + (f"; {_count(drafts)} responses started but never submitted are not." if drafts else ".")
        )
    )
    profile = loaded.questionnaire.profile
    listed = {
        "role": profile.roles,
        "organisation_type": profile.organisation_types,
        "region": profile.regions,
    }
    for column in RATE_DIMENSIONS:
        categories, values = segment_counts(responses, column, listed[column])
        name = DIMENSION_NAMES[column]
        blocks.append(
            protected_table(f"Responses by {name}", name.capitalize(), categories, values, threshold)
        )
    if source.invitations is None or source.invited_responses is None:
        blocks.append(
            number(
                "The database holds no invitation list, so this report cannot give response rates against "
                "invitations."
                if source.from_database
                else "The anonymised export holds no invitation list, so this report cannot give response "
                "rates against invitations; a report made from the database can."
            )
        )
        return blocks
    invited_total = len(source.invitations)
    if not invited_total and facts is not None and facts.purged_on is not None:
        blocks.append(
            number(
                f"The contact list was deleted on {long_date(facts.purged_on)}, after the consultation "
                "closed, so response rates against invitations can no longer be worked out; they are in "
                "any report made before then."
            )
        )
        return blocks
    if not invited_total:
        blocks.append(number("No invitations were recorded, so there is no response rate to report."))
        return blocks
    blocks.append(
        number(
            f"{_count(invited_total)} people were invited with their own link; "
            f"{_count(len(source.invited_responses))} of them submitted a response"
            f" ({100 * len(source.invited_responses) / invited_total:.1f} per cent). Others who asked for a "
            "link or replied by email or on paper are counted above but have no response rate."
        )
    )
    for column in RATE_DIMENSIONS:
        blocks.append(_rate_table(source, column, listed[column], threshold))
    return blocks


def _rate_table(source: ReportSource, column: str, listed: tuple[str, ...], threshold: int) -> Table:
    import pandas as pd

    invitations, responded = source.invitations, source.invited_responses
    assert invitations is not None and responded is not None
    both = pd.concat([invitations[[column]], responded[[column]]], ignore_index=True)
    categories, _ = segment_counts(both, column, listed)
    inv_cats, inv_values = segment_counts(invitations, column, listed)
    res_cats, res_values = segment_counts(responded, column, listed)
    invited = [dict(zip(inv_cats, inv_values, strict=True)).get(c, 0) for c in categories]
    answered = [dict(zip(res_cats, res_values, strict=True)).get(c, 0) for c in categories]
    hide_invited, _ = protect_counts(invited, threshold)
    hide_answered, _ = protect_counts(answered, threshold)
    rows = []
    for i, category in enumerate(categories):
        shown = not hide_invited[i] and not hide_answered[i] and invited[i] > 0
        rows.append(
            (
                category,
                SUPPRESSED_MARK if hide_invited[i] else _count(invited[i]),
                SUPPRESSED_MARK if hide_answered[i] else _count(answered[i]),
                f"{100 * answered[i] / invited[i]:.1f}%" if shown else "–",
            )
        )
    name = DIMENSION_NAMES[column]
    rows.append(
        ("Total", _count(sum(invited)), _count(sum(answered)), f"{100 * sum(answered) / sum(invited):.1f}%")
    )
    return Table(
        f"Response rate of invited people by {name}",
        (name.capitalize(), "Invited", "Responded", "Response rate"),
        tuple(rows),
        numeric=(1, 2, 3),
    )


def _condition(question: Question) -> Paragraph | None:
    if question.shown_if is None:
        return None
    answers = " or ".join(f"“{v}”" for v in question.shown_if.any_of)
    return Paragraph(
        f"Asked only of those who answered {answers} to question {question.shown_if.question[1:]}.", note=True
    )


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
            f"(base: {_count(int(top['base']))} asked)"
        )
    return "By role: " + "; ".join(parts) + "." if parts else None


def _single_choice(counts: CountsResult, question: Question, number: Numbering) -> list:
    from analysis.counts.charts import chart_alt_text, question_chart

    rows = counts.table[(counts.table["question_id"] == question.id) & (counts.table["segment_by"] == "all")]
    base = int(rows["base"].iloc[0])
    options = rows[rows["option"] != NOT_ANSWERED]
    shown = options[options["percent"].notna()]
    if len(shown):
        top = shown.loc[shown["percent"].astype(float).idxmax()]
        headline = (
            f"{float(top['percent']):.0f} per cent of those who answered said “{top['option']}” "
            f"(base: {_count(base)} respondents asked this question)."
        )
    else:
        headline = (
            f"Too few respondents answered this question for its figures to be published "
            f"(base: {_count(base)} respondents asked)."
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
    table_rows.append(("Base (asked)", _count(base), ""))
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
) -> BoardReport:
    """The Board report for `source`, with the officer's `words` (missing parts say so).

    `run_engine`: find the themes of questions with no stored theme set with the core
    engine (the command line); false in the web app, where such questions say themes have
    not been run yet.
    """
    words = words or BoardWords()
    questionnaire = source.loaded.questionnaire
    # Broken down by role for the Board's usual "X per cent of leaders said …"; the tables
    # show all respondents. Both come from one call, so one family is protected together.
    counts = count_responses(source.loaded, by=REPORT_BREAKDOWNS, threshold=threshold)
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
    results.blocks += _response_summary(source, counts, threshold, number)
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
    )
