"""The theme report as one self-contained, accessible HTML file (no scripts, no external files)."""

from __future__ import annotations

from html import escape
from typing import Any

import pandas as pd

from analysis.counts.tables import SUPPRESSED_MARK
from analysis.themes.disclosure import DEFAULT_THRESHOLD, SENTIMENTS, ThemeFigures, protect_theme_report
from analysis.themes.model import ThemeReport
from analysis.themes.public_names import needs_name_check

__all__ = ["to_html"]

_STYLE = """
body{font-family:Arial,Helvetica,sans-serif;color:#0b0c0c;margin:0;line-height:1.4}
main{max-width:960px;margin:0 auto;padding:1rem 1.5rem 3rem}
h1{font-size:2rem}h2{font-size:1.5rem;margin-top:2.5rem;border-top:2px solid #b1b4b6;padding-top:1rem}
h3{font-size:1.15rem;margin-bottom:.25rem}
table{border-collapse:collapse;width:100%;margin:1rem 0}
caption{text-align:left;font-weight:bold;padding:.5rem 0}
th,td{border-bottom:1px solid #b1b4b6;padding:.4rem .5rem;text-align:left;vertical-align:top}
td.n,th.n{text-align:right}blockquote{margin:.4rem 0 .4rem 0;padding-left:.8rem;border-left:4px solid #1d70b8}
.note{color:#505a5f}svg text{font-family:Arial,Helvetica,sans-serif;font-size:13px;fill:#0b0c0c}
"""


def _pct(share: float) -> str:
    return f"{100 * share:.1f}%"


def _chart(question_id: str, themes: pd.DataFrame) -> str:
    """Horizontal bar chart of theme shares as inline SVG, described for screen readers.

    `themes` has a `share_hidden` column: such a theme gets no bar and the label "[c]".
    """
    bar_h, gap, left, width = 22, 8, 330, 560
    height = len(themes) * (bar_h + gap) + 10
    shown = themes[~themes["share_hidden"]]
    top = max(float(shown["share"].max()), 0.01) if len(shown) else 1.0
    title_id = f"chart-{escape(question_id)}-title"
    parts = [
        f'<svg role="img" aria-labelledby="{title_id}" width="100%" '
        f'viewBox="0 0 {left + width + 70} {height}" '
        f'xmlns="http://www.w3.org/2000/svg"><title id="{title_id}">Share of answers raising each theme, '
        f"{escape(question_id)}: "
        + "; ".join(
            f"{escape(r.label)} {'suppressed' if r.share_hidden else _pct(r.share)}"
            for r in themes.itertuples()
        )
        + "</title>"
    ]
    for i, row in enumerate(themes.itertuples()):
        y = 5 + i * (bar_h + gap)
        label = row.label if len(row.label) <= 45 else row.label[:44] + "…"
        parts.append(
            f'<text x="{left - 8}" y="{y + 16}" text-anchor="end" aria-hidden="true">{escape(label)}</text>'
        )
        if row.share_hidden:
            parts.append(f'<text x="{left + 6}" y="{y + 16}" aria-hidden="true">{SUPPRESSED_MARK}</text>')
            continue
        bar = max(1.0, width * float(row.share) / top)
        fill = "#505a5f" if str(row.theme_id).endswith("-other") else "#1d70b8"
        parts.append(
            f'<rect x="{left}" y="{y}" width="{bar:.1f}" height="{bar_h}" fill="{fill}"/>'
            f'<text x="{left + bar + 6:.1f}" y="{y + 16}" aria-hidden="true">{_pct(row.share)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _summary(figures: ThemeFigures) -> str:
    """Answers by question, and totals over all questions; a hidden figure shows "[c]"."""
    columns = ["answers", "no_answer", "base", "campaigns", "campaign_answers"]
    rows = []
    questions = figures.questions
    for q in questions.to_dict(orient="records"):
        cells = "".join(
            f'<td class="n">{SUPPRESSED_MARK if q.get(f"{c}_hidden") else int(q[c])}</td>' for c in columns
        )
        qid = escape(str(q["question_id"]))
        rows.append(f'<tr><th scope="row"><a href="#{qid}">{qid}</a></th>{cells}</tr>')
    if len(questions) > 1:
        totals = questions[columns].sum()
        rows.append(
            '<tr><th scope="row">All questions</th>'
            + "".join(
                f'<td class="n">{SUPPRESSED_MARK if figures.totals_hidden.get(c) else int(totals[c])}</td>'
                for c in columns
            )
            + "</tr>"
        )
    return (
        '<table><caption>Answers by question</caption><thead><tr><th scope="col">Question</th>'
        '<th scope="col" class="n">Answers</th><th scope="col" class="n">Blank or no comment</th>'
        '<th scope="col" class="n">Base (answers themed)</th><th scope="col" class="n">Campaigns</th>'
        '<th scope="col" class="n">Answers in campaigns</th></tr></thead><tbody>'
        + "".join(rows)
        + "</tbody></table>"
    )


def _figures(t: Any) -> str:
    """A theme's count, share and sentiment cells; "[c]" for each that is hidden."""
    values = [
        SUPPRESSED_MARK if t.suppressed else str(t.count),
        SUPPRESSED_MARK if t.share_hidden else _pct(float(t.share)),
        *(SUPPRESSED_MARK if getattr(t, f"{s}_hidden") else _pct(float(getattr(t, s))) for s in SENTIMENTS),
    ]
    return "".join(f'<td class="n">{v}</td>' for v in values)


_NUMERIC = ' class="n"'
_BREAKDOWN_NAMES = {"role": "role", "organisation_type": "type of organisation", "region": "region"}


def _by_group(figures: ThemeFigures, qid: str, base: int, base_hidden: bool) -> str:
    """The question's themes by role, type of organisation and region: a table each, with
    the groups merged because they are small named under the table."""
    from analysis.counts.rows import OTHER_SEGMENT
    from analysis.themes.by_group import GROUP_BREAKDOWNS, group_table

    by_group = figures.by_group
    if by_group is None or not (by_group["question_id"] == qid).any():
        return ""
    parts = ["<h3>Themes by group</h3>"]
    for column in GROUP_BREAKDOWNS:
        table = group_table(figures.themes, by_group, qid, column, base=None if base_hidden else base)
        if table.empty:
            continue
        name = _BREAKDOWN_NAMES[column]
        head = "".join(
            f'<th scope="col"{_NUMERIC if i else ""}>{escape(str(c))}</th>'
            for i, c in enumerate(table.columns)
        )
        body = "".join(
            f'<tr><th scope="row">{escape(str(row[0]))}</th>'
            + "".join(f'<td class="n">{escape(str(v))}</td>' for v in row[1:])
            + "</tr>"
            for row in table.itertuples(index=False)
        )
        caption = f"Answers to question {escape(qid[1:] or qid)} raising each theme, by {name}"
        parts.append(
            f"<table><caption>{caption}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        )
        merged = by_group[(by_group["question_id"] == qid) & (by_group["segment_by"] == column)]
        members = merged.loc[merged["segment"] == OTHER_SEGMENT[column], "members"]
        if len(members):
            listed = escape(", ".join(members.iloc[0]))
            parts.append(f'<p class="note">{escape(OTHER_SEGMENT[column])}: {listed}.</p>')
    return "".join(parts)


def _campaign_list(campaigns: pd.DataFrame) -> str:
    items = "".join(
        f"<li>{SUPPRESSED_MARK} answers (too few to quote)</li>"
        if c.hidden
        else f"<li>{c.size} answers like: “{escape(c.text)}”</li>"
        for c in campaigns.itertuples()
    )
    return f"<h3>Campaigns and near-identical answers</h3><ul>{items}</ul>"


def _question(figures: ThemeFigures, q: dict[str, Any], threshold: int | None) -> str:
    qid = str(q.get("question_id", ""))
    themes = figures.themes[figures.themes["question_id"] == qid]
    out = [
        f'<section aria-labelledby="{escape(qid)}">'
        f'<h2 id="{escape(qid)}">Question {escape(qid[1:] or qid)}</h2>'
    ]
    if text := q.get("question_text", ""):
        out.append(f"<p>{escape(str(text))}</p>")
    if qid in figures.not_updated:
        out.append(
            f'<p class="note">The themes of this question are not updated: fewer answers than the threshold '
            f"changed since release {figures.not_updated[qid]}, and the difference would show their themes. "
            "The figures published then stand.</p></section>"
        )
        return "".join(out)
    base = SUPPRESSED_MARK if q.get("base_hidden") else str(int(q.get("base", 0)))
    blank = SUPPRESSED_MARK if q.get("no_answer_hidden") else str(int(q.get("no_answer", 0)))
    out.append(
        f'<p class="note">Base: {base} answers themed. {blank} blank, "no comment" '
        f'or "n/a" answers are counted apart. An answer may raise more than one theme, so shares can add up '
        f"to more than 100%.</p>"
    )
    if themes.empty:
        out.append("<p>No answers to theme.</p></section>")
        return "".join(out)
    out.append(_chart(qid, themes))
    rows = "".join(
        f'<tr><th scope="row">{escape(t.label)}</th><td>{escape(", ".join(t.terms))}</td>{_figures(t)}</tr>'
        for t in themes.itertuples()
    )
    out.append(
        f"<table><caption>Themes in answers to question {escape(qid[1:] or qid)}</caption><thead><tr>"
        '<th scope="col">Theme</th><th scope="col">Key terms</th><th scope="col" class="n">Answers</th>'
        '<th scope="col" class="n">Share</th><th scope="col" class="n">Positive</th>'
        '<th scope="col" class="n">Neutral</th><th scope="col" class="n">Negative</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )
    out.append(_by_group(figures, qid, int(q.get("base", 0)), bool(q.get("base_hidden"))))
    for t in themes.itertuples():
        # Quotes that may still name someone wait for an analyst: they are not published here.
        quotes = [quote for quote in t.quotes if threshold is None or not needs_name_check(quote)]
        if quotes:
            out.append(f"<h3>{escape(t.label)}</h3>")
            out.extend(f"<blockquote><p>{escape(quote)}</p></blockquote>" for quote in quotes)
    campaigns = figures.campaigns
    if len(campaigns):
        mine = campaigns[campaigns["question_id"] == qid]
        if len(mine):
            out.append(_campaign_list(mine))
    out.append("</section>")
    return "".join(out)


def _disclosure_note(threshold: int | None) -> str:
    if threshold is None:
        return (
            '<p class="note"><strong>Not for publication: small numbers are not suppressed in this '
            "report.</strong></p>"
        )
    return (
        f'<p class="note">Numbers below {threshold} are suppressed (answers, blanks, bases, theme counts, '
        f"the sentiment of a theme's answers, campaign sizes; zeros are shown) and printed as "
        f"{SUPPRESSED_MARK}, and further numbers are hidden so that no suppressed one can be worked out or "
        f"narrowed below {threshold / 2:g} from the rest: the themes of a question add up to its base, its "
        "sentiments to a theme's answers, its campaigns to the answers in campaigns. A share is given only "
        "where the count it implies is shown. A suppressed theme has no bar in the chart and no quote. "
        f"Themes by group are protected with the rest (each theme's groups add up to its answers): groups "
        f"of fewer than {threshold} answers to a question are combined, and a share of a group's answers is "
        "given only where both figures are shown. "
        "Quotes have names of councils, other public bodies, office-holders, people and street addresses "
        "taken out; a quote that may still name someone is left out for an analyst to check.</p>"
    )


def to_html(
    report: ThemeReport, threshold: int | None = DEFAULT_THRESHOLD, figures: ThemeFigures | None = None
) -> str:
    """One HTML document: a summary for the whole consultation, then each question's themes,
    a chart of theme shares, a table with counts and sentiment, and quotes.

    Theme counts and campaign sizes below `threshold` are suppressed (see
    `analysis.themes.disclosure`); `threshold=None` turns that off and marks the report
    not for publication. `figures` (as `protect_theme_report` gives them, made against
    earlier releases) are used if given."""
    figures = figures or protect_theme_report(report, threshold)
    mode = (
        "each campaign counted once"
        if report.options.campaigns == "once"
        else "campaign answers counted in full"
    )
    body = [
        f"<h1>{escape(report.title)}</h1>",
        f'<p class="note">Engine: {escape(report.options.engine)}; {mode}. Quotes come only from submitted '
        "responses; email addresses, phone numbers, postcodes, web addresses and names of councils, public "
        "bodies and people are redacted.</p>",
        _disclosure_note(threshold),
        _summary(figures),
        *(_question(figures, q, threshold) for q in figures.questions.to_dict(orient="records")),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en-GB"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(report.title)}</title><style>{_STYLE}</style></head>"
        f"<body><main>{''.join(body)}</main></body></html>\n"
    )
