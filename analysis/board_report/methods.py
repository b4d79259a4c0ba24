"""The methods annex of the Board report: source, dates, channels, bases, suppression, themes.

The agreement figures are those measured on the NHS patient-feedback development set, a
corpus of 10,334 answers coded by people (the benchmark `benchmarks/bench_themes.py
agreement` prints them); they describe the method, not this consultation's answers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from analysis.board_report.group_findings import method_sentence
from analysis.board_report.model import Paragraph, Part, Table, hidden_figures
from analysis.board_report.question_themes import REVIEWED, STORED_DRAFT, QuestionThemes
from analysis.board_report.response_summary import long_date
from analysis.counts.tables import SUPPRESSED_MARK

if TYPE_CHECKING:
    import pandas as pd

    from analysis.board_report.sources import ReportSource
    from analysis.counts.counting import CountsResult

__all__ = ["ENGINE_AGREEMENT", "methods_part"]

# Normalised mutual information (0: no agreement; 1: the same grouping) between each
# engine's themes and human codes on the development set: (9 labels, 44 subcategories).
ENGINE_AGREEMENT = {"core": (0.238, 0.266), "semantic": (0.277, 0.321)}
_ENGINE_NAMES = {
    "core": "the core engine (word statistics: NLTK tokens, latent semantic analysis and word vectors "
    "learnt from the answers, grouped by k-means)",
    "semantic": "the semantic engine (sentence embeddings from the all-MiniLM-L6-v2 model, grouped by "
    "spherical k-means)",
}


def _channels(source: ReportSource, threshold: int) -> Table:
    from analysis.board_report.response_summary import protected_table, segment_counts
    from analysis.loading import CHANNELS

    categories, values = segment_counts(source.loaded.responses, "channel", CHANNELS)
    names = {"web": "Online", "email": "By email", "paper": "On paper", "other": "Other"}
    return protected_table(
        "Responses by how they arrived", "Channel", [names.get(c, c) for c in categories], values, threshold
    )


def _disclosure(threshold: int, hidden: int) -> Paragraph:
    shown = (
        f"In the tables of this paper, {hidden:,} figures are shown as {SUPPRESSED_MARK}."
        if hidden > 1
        else f"In the tables of this paper, one figure is shown as {SUPPRESSED_MARK}."
        if hidden == 1
        else "No figure in the tables of this paper had to be hidden."
    )
    return Paragraph(
        f"Disclosure control: no count below {threshold} is published; such a count is shown as "
        f"{SUPPRESSED_MARK}, and further counts are hidden where a hidden one could otherwise be worked out "
        "from the totals and bases. The answers are protected together with their breakdowns by role, type "
        "of organisation and region (the figures the findings about groups draw on), so a figure may be "
        f"hidden here to protect one in a breakdown this paper does not print. {shown} No percentage is "
        f"given where fewer than {threshold} answered. The same rule applies to the counts of responses, "
        "invitations and themes, and the themes by group are protected together with the theme counts "
        "they break down; a theme whose count is hidden is never quoted."
    )


def methods_part(
    source: ReportSource,
    counts: CountsResult,
    findings: pd.DataFrame,
    themes: dict[str, QuestionThemes],
    threshold: int,
    *,
    hidden: int = 0,
) -> Part:
    """The annex, as one part of the report. `hidden`: figures hidden in the paper's other tables."""
    loaded = source.loaded
    facts = source.consultation
    where = (
        f"the consultation's database (consultation “{facts.slug}”)"
        if facts is not None
        else "the anonymised export of the responses"
    )
    blocks: list = [
        Paragraph(
            f"Source: {where}. Only submitted responses are counted; a respondent could change their answers "
            "until the closing date, and the last answers they submitted are the ones counted."
        ),
    ]
    if facts is not None and facts.opens_on and facts.closes_on:
        blocks.append(
            Paragraph(
                f"Dates: open from {long_date(facts.opens_on)} to {long_date(facts.closes_on)} inclusive."
            )
        )
    blocks.append(
        Paragraph(
            "Channels: responses came online through each respondent's own link, or by email "
            "or on paper, keyed in by the consultation team."
        )
    )
    channels = _channels(source, threshold)
    blocks.append(channels)
    cleared = int((loaded.excluded["question_id"] != "").sum())
    cleared_text = (
        f"Answers to questions that were not shown to the respondent were cleared and not counted "
        f"({cleared:,})."
        if cleared
        else "No answer had to be cleared for being given to a question the respondent was not shown."
    )
    blocks.append(
        Paragraph(
            "Bases: the base of a question is the number of respondents asked it; a follow-up question is "
            "asked only of those whose earlier answer led to it. Percentages are of those who answered "
            "(each sentence names how many), made from the counts and rounded half up: to whole numbers in "
            "the text and charts, to one decimal place in the tables. “Not answered” is shown apart and "
            f"never counted in them. {cleared_text}"
        )
    )
    blocks.append(_disclosure(threshold, hidden + hidden_figures([channels])))
    blocks.append(Paragraph(method_sentence(findings, threshold)))
    engines = sorted({t.engine for t in themes.values() if t.engine})
    if not engines:
        blocks.append(Paragraph("Themes: none have been found yet for the questions in this report."))
    for engine in engines:
        label, sub = ENGINE_AGREEMENT.get(engine, (None, None))
        agreement = (
            f" Measured against people's coding of 10,334 NHS patient-feedback answers, its themes agree "
            f"with the human codes with a normalised mutual information of {label:.3f} (9 broad labels) and "
            f"{sub:.3f} (44 subcategories), where 0 is no agreement and 1 is the same grouping."
            if label is not None
            else ""
        )
        blocks.append(Paragraph(f"Themes: found by {_ENGINE_NAMES.get(engine, engine)}.{agreement}"))
    blocks.append(
        Paragraph(
            "An answer may raise more than one theme, so shares can add up to more than 100 per cent. Quotes "
            "appear only where an analyst approved them and did not flag the answer; email addresses, phone "
            "numbers, postcodes and web addresses are removed from them. Each question says how many of its "
            "answers analysts checked; where they have not checked them all, the rest are as the software "
            "grouped them (a machine draft). Themes found by the software for this report are never quoted, "
            "as no one has approved a quote from them. Themes are listed by the number of answers raising "
            "them, most first (those whose number is hidden last); answers that raised none are given apart."
        )
    )
    stored = [t for t in themes.values() if t.kind in (REVIEWED, STORED_DRAFT)]
    if stored:
        rows = tuple(
            (
                f"Question {t.question_id[1:]}",
                "Reviewed" if t.kind == REVIEWED else "Review not finished",
                f"{t.reviewed_answers:,} of {t.base:,}",
                f"{t.suggested_answers:,}",
                f"{t.changed:,}",
            )
            for t in stored
        )
        blocks.append(
            Table(
                "Analysts' review of the machine's themes",
                (
                    "Question",
                    "Review",
                    "Answers reviewed",
                    "Suggested, not yet accepted",
                    "Machine assignments changed",
                ),
                rows,
                numeric=(3, 4),
            )
        )
    else:
        blocks.append(
            Paragraph("No analyst has reviewed any theme set yet: every theme here is a machine draft.")
        )
    return Part("Annex: methods", blocks, anchor="methods")
