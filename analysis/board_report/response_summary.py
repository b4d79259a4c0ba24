"""The Board report's response summary: dates, responses by segment, and response rates.

Every segment figure here belongs to the same protected family as the answer tables: the
segments, and their sizes, are those of `count_responses` run over every breakdown the
report shows (`REPORT_BREAKDOWNS`), where segments smaller than the threshold are merged
into an "Other …" group. A size published there is the number asked a question put to
everyone, so the summary publishes no figure the family does not already publish (and a
statistician holding both learns nothing new).

Response rates against invitations use the same segments (anything else invited goes in
the "Other …" row) and choose what to hide over the whole rate table at once: invited and
responded counts from 1 to threshold - 1 are hidden, and further cells so that no hidden
one can be narrowed to a range shorter than threshold / 2 by someone who also knows each
segment's published number of responses (invited responses are some of them) and that
invited people who responded are some of those invited.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from analysis.board_report.model import Heading, Paragraph, Table
from analysis.counts.counting import NOT_STATED, OTHER_SEGMENT
from analysis.counts.tables import SUPPRESSED_MARK
from analysis.percentages import percent_text
from analysis.themes.disclosure import protect_counts

if TYPE_CHECKING:
    from collections.abc import Callable

    import pandas as pd

    from analysis.board_report.sources import ReportSource
    from analysis.counts.counting import CountsResult

__all__ = [
    "DIMENSION_NAMES",
    "REPORT_BREAKDOWNS",
    "long_date",
    "merged_members",
    "protected_table",
    "rate_table",
    "response_summary",
    "segment_counts",
    "segment_sizes",
]

#: The breakdowns the report publishes, all counted as one family (`consult-analysis counts
#: --by role --by organisation_type --by region` publishes the same cells).
REPORT_BREAKDOWNS = ("role", "organisation_type", "region")
DIMENSION_NAMES = {
    "role": "role",
    "organisation_type": "type of organisation",
    "region": "region",
    "channel": "how they replied",
}


def long_date(value: dt.date) -> str:
    """The Board papers' way of writing a date: "20 January 2015"."""
    return f"{value.day} {value:%B %Y}"


def _count(value: int) -> str:
    return f"{value:,}"


def protected_table(
    caption: str, heading: str, categories: list[str], counts: list[int], threshold: int
) -> Table:
    """A one-column table of counts beside their total, small ones suppressed.

    For a table linked to nothing else published but its total (responses by channel)."""
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


def segment_sizes(counts: CountsResult, column: str) -> list[tuple[str, int | None]]:
    """(segment, respondents or None if hidden) of breakdown `column`, as the family publishes them.

    The size is the number asked a question put to everyone, in that segment; the segments
    are `counts`' own ("Other …" group included), in its order."""
    everyone = [q.id for q in counts.questionnaire.questions if q.is_single_choice and q.shown_if is None]
    table = counts.table
    rows = table[(table["segment_by"] == column) & table["question_id"].isin(everyone)]
    if rows.empty:
        return []
    rows = rows[rows["question_id"] == rows["question_id"].iloc[0]].drop_duplicates("segment")
    return [
        (str(segment), None if asked is None or str(asked) == "<NA>" else int(asked))
        for segment, asked in zip(rows["segment"], rows["asked"], strict=True)
    ]


def _size_table(counts: CountsResult, column: str) -> Table:
    name = DIMENSION_NAMES[column]
    rows = [
        (segment, SUPPRESSED_MARK if size is None else _count(size))
        for segment, size in segment_sizes(counts, column)
    ]
    rows.append(("Total", _count(counts.responses)))
    return Table(f"Responses by {name}", (name.capitalize(), "Responses"), tuple(rows), numeric=(1,))


def merged_members(counts: CountsResult, column: str) -> list[str]:
    """The segments combined into breakdown `column`'s group of small ones, where naming them
    tells nothing about any one's size: each has at least one respondent and together they
    make the group's published size S, so with m of them each lies between 1 and S - m + 1;
    they are named only if that range is at least half the threshold wide. Empty otherwise."""
    members = list((counts.merged or {}).get(column, ()))
    size = dict(segment_sizes(counts, column)).get(OTHER_SEGMENT[column])
    if not members or size is None or size - len(members) < counts.threshold / 2:
        return []
    return [m if m != NOT_STATED else "not stated" for m in members]


def _merged_note(counts: CountsResult, threshold: int, responses: pd.DataFrame) -> Paragraph | None:
    """What the size tables' combined groups are, in words true of these tables: which
    categories were combined (where naming them is safe), whether a larger one joined them
    to make the group big enough, and whether a group is still too small to be shown."""
    merged = [c for c in REPORT_BREAKDOWNS if (counts.merged or {}).get(c)]
    if not merged:
        return None
    plural = {"role": "roles", "organisation_type": "types of organisation", "region": "regions"}
    groups, still_small, joined = [], [], False
    for column in merged:
        members = merged_members(counts, column)
        groups.append(f"“{OTHER_SEGMENT[column]}”" + (f" ({', '.join(members)})" if members else ""))
        sizes = responses[column].astype("object").fillna(NOT_STATED).astype(str).value_counts()
        combined = counts.merged[column]
        joined |= any(int(sizes.get(m, 0)) >= threshold for m in combined)
        if int(sum(sizes.get(m, 0) for m in combined)) < threshold:
            still_small.append(f"“{OTHER_SEGMENT[column]}”")
    names = " or ".join(plural[c] for c in merged)
    text = (
        f"{names.capitalize()} with fewer than {threshold} respondents are not shown on their own: here and "
        f"in every figure by group they are combined"
        + (" (with the next smallest, where that makes the group large enough)" if joined else "")
        + f": {'; '.join(groups)}."
    )
    if still_small:
        text += (
            f" Even combined, {' and '.join(still_small)} "
            + ("has" if len(still_small) == 1 else "have")
            + f" fewer than {threshold} respondents, so "
            + ("its" if len(still_small) == 1 else "their")
            + f" figures are not shown ({SUPPRESSED_MARK}), nor are others that would give them away."
        )
    return Paragraph(text, note=True)


def _dates(source: ReportSource, counts: CountsResult, interim_on: dt.date | None) -> str:
    facts = source.consultation
    responses = source.loaded.responses
    if facts is not None and facts.opens_on and facts.closes_on:
        if interim_on is not None:
            return (
                f"The consultation opened on {long_date(facts.opens_on)} and is open until "
                f"{long_date(facts.closes_on)}. This interim report counts the responses submitted by "
                f"{long_date(interim_on)}."
            )
        return f"The consultation was open from {long_date(facts.opens_on)} to {long_date(facts.closes_on)}."
    days = sorted(dt.date.fromisoformat(str(d)[:10]) for d in responses["updated_on"].dropna().unique())
    dates = (
        f" Responses were last changed between {long_date(days[0])} and {long_date(days[-1])}."
        if len(days) > 1
        else f" Responses were last changed on {long_date(days[0])}."
        if days
        else ""
    )
    return f"The anonymised export does not record the consultation's dates.{dates}"


def response_summary(
    source: ReportSource,
    counts: CountsResult,
    threshold: int,
    number: Callable[[str], Paragraph],
    *,
    interim_on: dt.date | None = None,
) -> list:
    """The "Dates and responses" blocks: dates, responses, by segment, and response rates.

    `counts` must be `count_responses` over `REPORT_BREAKDOWNS` (its segments are shown).
    `interim_on`: the day an interim paper is made (None for a final one)."""
    loaded = source.loaded
    blocks: list = [Heading("Dates and responses" + (" (interim)" if interim_on else ""), 2, "responses")]
    blocks.append(number(_dates(source, counts, interim_on)))
    drafts = int((loaded.excluded["question_id"] == "").sum())
    so_far = f"By {long_date(interim_on)}, " if interim_on else "In all, "
    blocks.append(
        number(
            f"{so_far}{_count(counts.responses)} responses had been submitted; they are counted in this "
            "report" + (f", and {_count(drafts)} started but never submitted are not." if drafts else ".")
        )
    )
    if (note := _merged_note(counts, threshold, loaded.responses)) is not None:
        blocks.append(note)
    for column in REPORT_BREAKDOWNS:
        blocks.append(_size_table(counts, column))
    facts = source.consultation
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
    responded = len(source.invited_responses)
    blocks.append(
        number(
            f"Of the {_count(invited_total)} people invited with their own link, {_count(responded)} "
            f"submitted a response: {percent_text(responded, invited_total, 1)} per cent. Others who asked "
            "for a link or replied by email or on paper are counted above but have no response rate."
        )
    )
    for column in REPORT_BREAKDOWNS:
        blocks.append(rate_table(source, counts, column, threshold))
    return blocks


def _in_family_segments(frame: pd.DataFrame, column: str, segments: list[str]) -> dict[str, int]:
    """People in `frame` per segment of the family: anyone outside its listed segments
    (merged or not seen among the responses) goes in the breakdown's "Other …" row."""
    other = OTHER_SEGMENT[column]
    tally: dict[str, int] = {}
    for value in frame[column].astype(object).where(frame[column].notna(), None):
        label = NOT_STATED if value is None else str(value)
        label = label if label in segments and label != other else other
        tally[label] = tally.get(label, 0) + 1
    return tally


def _rate_hidden(
    invited: list[int], responded: list[int], responses: list[int], threshold: int
) -> tuple[list[bool], list[bool]]:
    """Which invited and responded cells to hide, chosen over the rate table together.

    Cells, per row: invited, responded, invited who did not respond, responses not from an
    invitation; then the two totals (published). A reader knows the rows add up to the
    totals, and that each row's responded is its invited less those who did not respond,
    and its published responses less those not from an invitation: the last two kept as
    cells (never published, but assumed known unless hidden, which only errs on the safe
    side). Where the data break a link (a respondent's role is not the one they were
    invited under), that link is not one a reader can rely on and is left out.
    """
    import numpy as np
    from scipy import sparse

    from analysis.counts.disclosure import protect_cells

    n = len(invited)
    inv = np.asarray(invited, dtype=np.int64)
    res = np.asarray(responded, dtype=np.int64)
    total = np.asarray(responses, dtype=np.int64)
    not_responded = inv - res
    not_invited = total - res
    link_invited = bool((not_responded >= 0).all())
    link_responses = bool((not_invited >= 0).all())
    # Cell numbers: inv 0..n-1, res n..2n-1, not_responded, not_invited, then totals, responses.
    values = np.r_[
        inv, res, np.maximum(not_responded, 0), np.maximum(not_invited, 0), inv.sum(), res.sum(), total
    ]
    i_inv, i_res, i_nr, i_ni = (np.arange(n) + k * n for k in range(4))
    i_tinv, i_tres = 4 * n, 4 * n + 1
    i_total = 4 * n + 2 + np.arange(n)
    rows: list[dict[int, float]] = [
        {**{int(c): 1.0 for c in i_inv}, i_tinv: -1.0},
        {**{int(c): 1.0 for c in i_res}, i_tres: -1.0},
    ]
    for s in range(n):
        if link_invited:
            rows.append({int(i_res[s]): 1.0, int(i_nr[s]): 1.0, int(i_inv[s]): -1.0})
        if link_responses:
            rows.append({int(i_res[s]): 1.0, int(i_ni[s]): 1.0, int(i_total[s]): -1.0})
    entries = [(e, cell, coef) for e, terms in enumerate(rows) for cell, coef in terms.items()]
    r, c, v = zip(*entries, strict=True)
    matrix = sparse.csr_matrix((v, (r, c)), shape=(len(rows), len(values)))
    primary = np.zeros(len(values), dtype=bool)
    for cells in (i_inv, i_res):
        primary[cells] = (values[cells] > 0) & (values[cells] < threshold)
    fixed = np.zeros(len(values), dtype=bool)
    fixed[[i_tinv, i_tres, *i_total]] = True
    # Unlinked helper cells must not sit in the equations' blocks as free figures.
    if not link_invited:
        fixed[i_nr] = True
    if not link_responses:
        fixed[i_ni] = True
    hidden = protect_cells(values, matrix, primary, threshold=threshold, fixed=fixed).hidden
    return hidden[i_inv].tolist(), hidden[i_res].tolist()


def rate_table(source: ReportSource, counts: CountsResult, column: str, threshold: int) -> Table:
    """Invited, responded and the response rate per segment of the family, protected together."""
    invitations, responded = source.invitations, source.invited_responses
    assert invitations is not None and responded is not None
    sizes = segment_sizes(counts, column)
    segments = [s for s, _ in sizes]
    inv_tally = _in_family_segments(invitations, column, segments)
    res_tally = _in_family_segments(responded, column, segments)
    categories = list(segments)
    other = OTHER_SEGMENT[column]
    if other not in categories and (other in inv_tally or other in res_tally):
        categories.append(other)
    published = dict(sizes)
    invited = [inv_tally.get(c, 0) for c in categories]
    answered = [res_tally.get(c, 0) for c in categories]
    # A segment not among the responses has none. (A hidden size, when every figure is
    # hidden, breaks the link, which is then left out.)
    responses = [published.get(c) or 0 for c in categories]
    hide_invited, hide_answered = _rate_hidden(invited, answered, responses, threshold)
    rows = []
    for i, category in enumerate(categories):
        shown = not hide_invited[i] and not hide_answered[i] and invited[i] > 0
        rows.append(
            (
                category,
                SUPPRESSED_MARK if hide_invited[i] else _count(invited[i]),
                SUPPRESSED_MARK if hide_answered[i] else _count(answered[i]),
                f"{percent_text(answered[i], invited[i], 1)}%" if shown else "–",
            )
        )
    name = DIMENSION_NAMES[column]
    rows.append(
        (
            "Total",
            _count(sum(invited)),
            _count(sum(answered)),
            f"{percent_text(sum(answered), sum(invited), 1)}%",
        )
    )
    return Table(
        f"Response rate of invited people by {name}",
        (name.capitalize(), "Invited", "Responded", "Response rate"),
        tuple(rows),
        numeric=(1, 2, 3),
    )
