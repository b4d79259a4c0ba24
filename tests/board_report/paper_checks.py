"""Read a Board paper as its reader would and check it against the truth, sharing no code with it.

Percentages are recomputed here with exact fractions (`half_up`), the groups' figures from
the rows (`tests.board_report.outsider.truth`), significance with SciPy's chi-square test
(the same as a two-proportion z-test, by a different road).
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

from analysis.counts.counting import OTHER_SEGMENT
from analysis.counts.html_report import segment_phrase
from tests.analysis.builders import QUESTIONNAIRE
from tests.board_report.outsider import Figures
from tests.board_report.reading import Block

PROFILE = {
    "role": QUESTIONNAIRE.profile.roles,
    "organisation_type": QUESTIONNAIRE.profile.organisation_types,
    "region": QUESTIONNAIRE.profile.regions,
}
WHO = {
    segment_phrase(column, group): (column, group) for column, groups in PROFILE.items() for group in groups
}
HEADLINE = re.compile(
    r"(\d+) per cent of the ([\d,]+) who answered said “([^”]+)”((?:, and as many said “[^”]+”)*) "
    r"\((?:([\d,]+) were asked|all ([\d,]+) who were asked answered)\)\."
)
FINDING = re.compile(
    r"([A-Z][^.()]*?) were (more|less) likely than other respondents to say “([^”]+)” \((\d+) per cent of "
    r"the ([\d,]+) ([^()]+?) who answered, against (\d+) per cent of the ([\d,]+) others\)\."
)
NONE_DIFFER = "No role, type of organisation or region answered this question markedly differently"
NONE_LARGE = "No role, type of organisation or region had enough respondents answering this question"
# Words addressed to staff that a Board paper must never carry.
STAFF_WORDS = (
    "Not yet written",
    "the consultation team adds",
    "an analyst runs",
    "before the report goes to the Board",
    "themes page",
    "Themes have not been run",
)
MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"


def half_up(count: int, base: int, places: int = 0) -> str:
    """100 × count / base rounded half up, worked with exact fractions."""
    units = math.floor(Fraction(100 * count * 10**places, base) + Fraction(1, 2))
    return str(units) if not places else f"{units // 10**places}.{units % 10**places:0{places}d}"


def number(text: str) -> int:
    return int(text.replace(",", ""))


def by_question(blocks: list[Block]) -> dict[str, list[Block]]:
    """The blocks under each question's heading, by question id."""
    out: dict[str, list[Block]] = {}
    current = None
    for block in blocks:
        if block.kind == "paragraph" and block.style.startswith("Heading"):
            match = re.match(r"Question (\d+)\. ", block.text)
            current = f"q{match.group(1)}" if match and block.style == "Heading 3" else None
            if current:
                out[current] = []
            continue
        if current:
            out[current].append(block)
    return out


def check_headline(text: str, figures: Figures) -> None:
    """The headline's figures; or, where the question's figures are hidden, that they are."""
    hidden = re.fullmatch(
        r"No percentages are given for this question: the number who answered it is hidden to protect "
        r"respondents \(([\d,]+) were asked\)\.",
        text,
    )
    if hidden:
        assert number(hidden.group(1)) == figures.asked
        return
    match = HEADLINE.fullmatch(text)
    assert match, text
    percent, answered, option, ties, asked, all_asked = match.groups()
    assert number(answered) == figures.answered, text
    assert number(asked or all_asked) == figures.asked, text
    if all_asked:
        assert figures.asked == figures.answered, text
    assert percent == half_up(figures.counts[option], figures.answered), text
    most = max(figures.counts.values())
    assert figures.counts[option] == most, text
    for tied in re.findall(r"“([^”]+)”", ties):
        assert figures.counts[tied] == most, text


def check_finding(match: re.Match, question_id: str, truth: dict) -> tuple[str, str, str, str, str]:
    """One finding's figures against the truth; returns (question, breakdown, group, answer, direction)."""
    who, direction, option, group_percent, group_base, who_again, others_percent, others_base = match.groups()
    column, group = WHO[who_again]
    assert who == who_again[0].upper() + who_again[1:]
    mine, everyone = truth[(question_id, column, group)], truth[(question_id, "all", "all")]
    others_count = everyone.counts[option] - mine.counts[option]
    others_answered = everyone.answered - mine.answered
    assert number(group_base) == mine.answered and number(others_base) == others_answered, match.group(0)
    assert group_percent == half_up(mine.counts[option], mine.answered), match.group(0)
    assert others_percent == half_up(others_count, others_answered), match.group(0)
    difference = Fraction(100 * mine.counts[option], mine.answered) - Fraction(
        100 * others_count, others_answered
    )
    assert abs(difference) >= 10 and (difference > 0) == (direction == "more"), match.group(0)
    # Nothing small is shown, for the group or for the others.
    for value in (
        mine.counts[option],
        mine.answered - mine.counts[option],
        others_count,
        others_answered - others_count,
    ):
        assert value == 0 or value >= 10, match.group(0)
    return (question_id, column, group, option, direction)


def p_value(group_count: int, group_base: int, others_count: int, others_base: int) -> float:
    from scipy.stats import chi2_contingency

    table = [[group_count, group_base - group_count], [others_count, others_base - others_count]]
    return float(chi2_contingency(table, correction=False)[1])


def check_table_and_chart(blocks: list[Block], figures: Figures, options: tuple[str, ...]) -> None:
    """The all-respondents table's counts and percentages (half up, one place) and the chart's alt text."""
    tables = [b for b in blocks if b.kind == "table"]
    assert len(tables) == 1
    rows = tables[0].rows
    answered_hidden = rows[-3][1] == "[c]"
    of = "those" if answered_hidden else f"the {figures.answered:,}"
    assert rows[0][2] == f"Per cent of {of} who answered"
    for label, count, percent in rows[1 : 1 + len(options)]:
        if count == "[c]":
            continue
        assert number(count) == figures.counts[label]
        if percent != "–":
            assert percent == f"{half_up(figures.counts[label], figures.answered, 1)}%", (label, percent)
    assert [r[0] for r in rows[1 + len(options) :]] == ["Total who answered", "Not answered", "Total asked"]
    assert rows[-3][1] in ("[c]", f"{figures.answered:,}") and rows[-1][1] in ("[c]", f"{figures.asked:,}")
    (picture,) = [b for b in blocks if b.kind == "picture"]
    assert f"per cent of {of} who answered" in picture.alt
    for option, percent in re.findall(r"(?:\. |; )([^:;]+): (\d+) per cent", picture.alt):
        assert percent == half_up(figures.counts[option], figures.answered), (option, percent)


def check_captions_and_pages(blocks: list[Block]) -> None:
    """Tables and figures numbered in order, each caption just above; a chart on its table's page."""
    captions = [b.text for b in blocks if b.kind == "paragraph" and b.style == "Caption"]
    tables = [c for c in captions if c.startswith("Table ")]
    figures = [c for c in captions if c.startswith("Figure ")]
    assert len(tables) + len(figures) == len(captions)
    assert [int(re.match(r"Table (\d+): ", c).group(1)) for c in tables] == list(range(1, len(tables) + 1))
    assert [int(re.match(r"Figure (\d+): ", c).group(1)) for c in figures] == list(range(1, len(figures) + 1))
    for i, block in enumerate(blocks):
        if block.kind == "table":
            assert blocks[i - 1].style == "Caption" and blocks[i - 1].text.startswith("Table ")
            assert blocks[i - 1].keep_with_next
        if block.kind == "picture":
            caption = blocks[i - 1]
            assert (
                caption.style == "Caption" and caption.text.startswith("Figure ") and caption.keep_with_next
            )
            # Table, the space after it, the caption and the chart are chained with "keep with next".
            assert (
                blocks[i - 2].kind == "paragraph" and not blocks[i - 2].text and blocks[i - 2].keep_with_next
            )
            assert blocks[i - 3].kind == "table" and blocks[i - 3].keep_with_next


def check_words_and_dates(text: str) -> None:
    """No word to staff, dates one way (long), and no sentence opening on a zero."""
    for words in STAFF_WORDS:
        assert words not in text, words
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b", text)
    assert not re.search(rf"\b(?:{MONTHS}) \d{{1,2}}, \d{{4}}", text)
    assert not re.search(r"(?:^|[.!?]\s)0 ", text, re.MULTILINE)


def confusable(a: str, b: str) -> bool:
    """Two labels a reader could take for one another: equal, or one the other with words added."""
    a, b = a.lower(), b.lower()
    return a == b or a.startswith(b + " ") or b.startswith(a + " ")


def combined_labels_confusable() -> list[tuple[str, str]]:
    """(combined group, answer option) pairs named alike."""
    return [
        (OTHER_SEGMENT[column], option)
        for column, options in PROFILE.items()
        for option in options
        if confusable(OTHER_SEGMENT[column], option)
    ]


def check_html_says_the_same(blocks: list[Block], html: str) -> None:
    """The HTML page's numbered paragraphs and captions are the Word file's, in order."""
    from html import unescape

    numbered = [b.text for b in blocks if b.kind == "paragraph" and b.style == "List Number"]
    items = [unescape(re.sub(r"<[^>]+>", "", li)) for li in re.findall(r"<li>(.*?)</li>", html, re.S)]
    assert [item for item in items if item in numbered] == numbered
    captions = [b.text for b in blocks if b.kind == "paragraph" and b.style == "Caption"]
    assert [unescape(c) for c in re.findall(r"<(?:caption|figcaption)>(.*?)</", html)] == captions
