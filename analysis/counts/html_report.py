"""A single-file HTML report of the counts, in the LGA's style, for the Board.

Self-contained (charts are base64 PNG with alt text; styles inline), `lang` set, tables
with captions and header cells, contrast above WCAG AA. Headline sentences name their
divisor: "84 per cent of the 120 chief executives who answered said “Yes”".
"""

from __future__ import annotations

import base64
from datetime import date
from html import escape

from analysis.counts.charts import chart_alt_text, question_chart
from analysis.counts.counting import NOT_ANSWERED, NOT_STATED, OTHER_SEGMENT, CountsResult
from analysis.counts.tables import SUPPRESSED_MARK, crosstab_for_people, methods_summary
from analysis.percentages import percent_text
from questions import Question

__all__ = ["render_report", "segment_phrase"]

_ROLE_PLURALS = {
    "Leader": "leaders",
    "Chief executive": "chief executives",
    "Other councillor": "other councillors",
    "Other council officer": "other council officers",
    "Representative of a professional body": "representatives of professional bodies",
    "National stakeholder": "national stakeholders",
    "Local partner": "local partners",
    "Other": "respondents who gave their role as “Other”",
}
_ORGANISATION_PLURALS = {
    "District": "respondents from district councils",
    "County": "respondents from county councils",
    "Metropolitan": "respondents from metropolitan councils",
    "London": "respondents from London boroughs",
    "Unitary": "respondents from unitary councils",
    "Welsh": "respondents from Welsh councils",
    "Fire": "respondents from fire authorities",
    "Parks": "respondents from national park authorities",
    "Professional body": "respondents from professional bodies",
    "Government department": "respondents from government departments",
    "Inspectorate": "respondents from inspectorates",
    "Other national organisation": "respondents from other national organisations",
    "Local partner organisation": "respondents from local partner organisations",
    "Other organisation": "respondents from other organisations",
}
_DIMENSIONS = {"role": "role", "organisation_type": "type of organisation", "region": "region"}
_CHANNELS = {"web": "online", "email": "by email", "paper": "on paper", "other": "by other means"}

_STYLE = """
body{font-family:Arial,Helvetica,sans-serif;color:#0b0c0c;background:#fff;line-height:1.45;margin:0}
main{max-width:62rem;margin:0 auto;padding:1rem 1.25rem 3rem}
h1{font-size:2rem;margin:.5rem 0 1rem}h2{font-size:1.5rem;margin-top:2.5rem;border-top:2px solid #1d70b8;
padding-top:1rem}h3{font-size:1.15rem}
.warning{border:4px solid #d4351c;padding:1rem;font-weight:bold;font-size:1.2rem}
.headline{font-size:1.15rem;font-weight:bold}.condition{color:#484949}
.scroll{overflow-x:auto}table{border-collapse:collapse;margin:0 0 1.5rem;min-width:50%}
caption{text-align:left;font-weight:bold;padding:.5rem 0}
th,td{border-bottom:1px solid #b1b4b6;padding:.4rem .6rem;text-align:left;vertical-align:top}
td.num,th.num{text-align:right}img{max-width:100%;height:auto}
"""


def segment_phrase(segment_by: str, segment: str) -> str:
    """Who a segment is, as a plural noun phrase: "chief executives", "respondents in Wales"."""
    if segment_by == "all":
        return "respondents"
    if segment == NOT_STATED:
        return f"respondents who did not give their {_DIMENSIONS.get(segment_by, 'details')}"
    if segment in OTHER_SEGMENT.values():
        return f"respondents in the group “{segment}”"
    if segment_by == "role":
        return _ROLE_PLURALS.get(segment, f"respondents whose role is {segment}")
    if segment_by == "region":
        return (
            f"respondents in {segment}" if segment != "National / not applicable" else "national respondents"
        )
    if segment_by == "channel":
        return f"respondents who replied {_CHANNELS.get(segment, segment)}"
    return _ORGANISATION_PLURALS.get(segment, f"respondents from a {segment} organisation")


def _headlines(result: CountsResult, question: Question) -> list[str]:
    sentences = []
    rows = result.detail[
        (result.detail["question_id"] == question.id) & (result.detail["option"] != NOT_ANSWERED)
    ]
    wanted = ["all", *result.by[:1]]
    for segment_by in wanted:
        for segment, group in rows[rows["segment_by"] == segment_by].groupby("segment", sort=False):
            shown = group[~group["suppressed"] & group["percent"].notna()]
            if shown.empty:
                continue
            top = shown.loc[shown["percent"].idxmax()]
            who = segment_phrase(segment_by, str(segment))
            percent = percent_text(int(top["count"]), int(top["answered"]))
            sentences.append(
                f"{percent} per cent of the {int(top['answered']):,} {who} who answered said "
                f"“{escape(str(top['option']))}”."
            )
    return sentences


def _table(frame: object, caption: str) -> str:
    columns = list(frame.columns)  # type: ignore[attr-defined]
    head = "".join(
        f'<th scope="col"{" class=num" if i else ""}>{escape(str(c))}</th>' for i, c in enumerate(columns)
    )
    body = []
    for values in frame.itertuples(index=False):  # type: ignore[attr-defined]
        cells = [f'<th scope="row">{escape(str(values[0]))}</th>']
        for value in values[1:]:
            text = f"{value:,}" if isinstance(value, int) else str(value)
            cells.append(f'<td class="num">{escape(text)}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'<div class="scroll" role="region" aria-label="{escape(caption)}" tabindex="0"><table>'
        f"<caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _condition(result: CountsResult, question: Question) -> str:
    if question.shown_if is None:
        return ""
    answers = " or ".join(f"“{escape(v)}”" for v in question.shown_if.any_of)
    controller = question.shown_if.question.upper()
    return f'<p class="condition">Asked only of those who answered {answers} to {controller}.</p>'


def _share_hidden(facts: dict) -> str:
    large = facts["cells_10_or_more"]
    return percent_text(facts["cells_10_or_more_hidden"], large, 1) if large else "0.0"


def _methods(result: CountsResult) -> str:
    facts = methods_summary(result)
    drafts = (
        "Draft (unsubmitted) responses are included."
        if facts["drafts_included"]
        else f"{facts['drafts_excluded']:,} draft (unsubmitted) responses are excluded."
    )
    if result.for_publication:
        control = (
            f"{escape(facts['guarantee'])} Hidden figures are shown as {SUPPRESSED_MARK}: "
            f"{facts['cells_suppressed_primary']:,} because they were from 1 to {facts['threshold'] - 1} "
            f"(or a zero among so few asked), and a further {facts['cells_suppressed_secondary']:,} to "
            f"protect those. Of the {facts['cells_10_or_more']:,} figures of 10 or more, "
            f"{facts['cells_10_or_more_hidden']:,} "
            f"({_share_hidden(facts)} per cent) were hidden. "
            + " ".join(escape(note) + "." for note in facts["merged_segments"].values())
        )
    else:
        control = (
            "Disclosure control was turned off: small counts are shown. This report is not for publication."
        )
    return (
        '<h2 id="methods">Methods</h2>'
        f"<p>Source: {escape(str(facts['source']))}. {facts['responses_counted']:,} responses are counted. "
        f"{drafts} {facts['answers_cleared_not_shown']:,} answers to questions that were not shown to the "
        "respondent were cleared and not counted.</p>"
        "<p>The base is the number of respondents asked the question (for a follow-up question, those whose "
        "earlier answer led to it). Percentages are of those asked who answered; “not answered” is reported "
        "separately and never counted in the percentages. Percentages are rounded half up to one decimal "
        "place.</p>"
        f"<p>{control}</p>"
    )


def render_report(result: CountsResult, *, generated: date | None = None) -> str:
    """The whole report as one HTML document (str)."""
    questionnaire = result.questionnaire
    title = f"Results: {questionnaire.title}"
    parts = [
        '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body><main>",
        f"<h1>{escape(title)}</h1>",
    ]
    if not result.for_publication:
        parts.append('<p class="warning">NOT FOR PUBLICATION: disclosure control was turned off.</p>')
    when = (generated or date.today()).strftime("%-d %B %Y")
    parts.append(
        f"<p>{escape(questionnaire.publisher)}. {result.responses:,} responses counted; produced {when}. "
        'See <a href="#methods">methods</a> for bases and suppression.</p>'
    )
    asked = set(result.table["question_id"])
    for question in questionnaire.questions:
        if question.id not in asked:
            continue
        parts.append(f'<h2 id="{question.id}">{question.id.upper()}. {escape(question.text)}</h2>')
        parts.append(_condition(result, question))
        parts.extend(f'<p class="headline">{s}</p>' for s in _headlines(result, question))
        png = base64.b64encode(question_chart(result, question.id, "png")).decode("ascii")
        alt = escape(chart_alt_text(result, question.id))
        parts.append(f'<p><img src="data:image/png;base64,{png}" alt="{alt}"></p>')
        for segment_by in ("all", *result.by):
            frame = crosstab_for_people(result, question.id, segment_by)
            label = "all respondents" if segment_by == "all" else f"by {segment_by.replace('_', ' ')}"
            if segment_by == "all":
                frame = frame.drop(columns=["Segment"]).T.reset_index()
                frame.columns = ["", "All respondents"]
                frame.iloc[:, 0] = frame.iloc[:, 0].astype(str)
                frame = frame.rename(columns={"": "Answer"})
            parts.append(
                _table(frame, f"{question.id.upper()}, {label}: number (per cent of those who answered)")
            )
    parts.append(_methods(result))
    parts.append("</main></body></html>")
    return "\n".join(p for p in parts if p)
