"""The Board paper on an outsider's consultation, from an export and from the database.

Every sentence with a figure is checked against the truth counted from the rows (value,
rounding half up, the base it names); the planted differences between groups are reported
and the questions with none say so; nothing is addressed to staff; labels cannot be taken
for one another; themes are in order; dates are written one way; tables and figures are
numbered and each chart stays with its table. Read back with python-docx; the HTML page
carries the same sentences and captions.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import Flask

from tests.analysis.builders import QUESTIONNAIRE
from tests.board_report import paper_checks as check
from tests.board_report.conftest import OutsiderPaper
from tests.board_report.outsider import NO_DIFFERENCE, PLANTED, truth
from tests.board_report.reading import read_body


@pytest.fixture(scope="module")
def rows(outsider_paper: OutsiderPaper) -> list[dict[str, str]]:
    return outsider_paper.rows


def _paragraphs(blocks: list) -> list[str]:
    return [b.text for b in blocks if b.kind == "paragraph" and b.text]


def check_results(body: bytes, rows: list[dict[str, str]]) -> set[tuple[str, str, str, str, str]]:
    """Every single-choice question's sentences, table and chart against the truth; the findings."""
    blocks = read_body(body)
    known = truth(rows)
    questions = check.by_question(blocks)
    found = set()
    for question in QUESTIONNAIRE.questions:
        if not question.is_single_choice:
            continue
        mine = questions[question.id]
        numbered = [b.text for b in mine if b.style == "List Number"]
        figures = known[(question.id, "all", "all")]
        check.check_headline(numbered[0], figures)
        findings = list(check.FINDING.finditer(numbered[1]))
        if findings:
            found |= {check.check_finding(m, question.id, known) for m in findings}
            assert " ".join(m.group(0) for m in findings) == numbered[1]
        else:
            assert numbered[1].startswith((check.NONE_DIFFER, check.NONE_LARGE)), numbered[1]
        check.check_table_and_chart(mine, figures, question.options)
        # Every other sentence with a per cent in it is one of those checked.
        assert not any("per cent" in text for text in numbered[2:])
    return found


def test_every_figure_matches_the_truth_and_planted_differences_are_found(
    outsider_paper: OutsiderPaper, rows: list[dict[str, str]]
) -> None:
    body = outsider_paper.docx
    found = check_results(body, rows)
    reported = {
        (q, column, group, option) for q, column, group, option, direction in found if direction == "more"
    }
    assert PLANTED <= reported
    assert not {f for f in found if f[0] in NO_DIFFERENCE}
    # Each reported difference stands up to a test of its own (before any correction, at least).
    known = truth(rows)
    text = "\n".join(_paragraphs(read_body(body)))
    comparisons = int(re.search(r"z-test \(([\d,]+) comparisons", text).group(1).replace(",", ""))
    assert comparisons > 100
    for question, column, group, option, _ in found:
        mine, everyone = known[(question, column, group)], known[(question, "all", "all")]
        p = check.p_value(
            mine.counts[option], mine.answered, everyone.counts[option] - mine.counts[option],
            everyone.answered - mine.answered,
        )  # fmt: skip
        assert p < 0.05
    for question, column, group, option in PLANTED:
        mine, everyone = known[(question, column, group)], known[(question, "all", "all")]
        p = check.p_value(
            mine.counts[option], mine.answered, everyone.counts[option] - mine.counts[option],
            everyone.answered - mine.answered,
        )  # fmt: skip
        assert p < 0.05 / comparisons  # Bonferroni, so Holm's correction passes it too


def test_rounding_is_half_up_from_the_counts(outsider_paper: OutsiderPaper) -> None:
    questions = check.by_question(read_body(outsider_paper.docx))
    # 131 of 270 is 48.52 per cent: rounding 48.5 again, half to even, would print 48.
    q15 = next(b for b in questions["q15"] if b.style == "List Number").text
    assert q15.startswith("49 per cent of the 270 who answered said “Yes”")
    (q15_table,) = [b.rows for b in questions["q15"] if b.kind == "table"]
    assert q15_table[1] == ["Yes", "131", "48.5%"]
    # 105 of 400 is 26.25 per cent exactly: half to even would print 26.2.
    (q10_table,) = [b.rows for b in questions["q10"] if b.kind == "table"]
    assert q10_table[1] == ["Yes", "105", "26.3%"] and q10_table[3] == ["Don't know", "105", "26.3%"]


def test_board_furniture_captions_pages_and_no_words_to_staff(outsider_paper: OutsiderPaper) -> None:
    body, html = outsider_paper.docx, outsider_paper.html
    blocks = read_body(body)
    texts = [b for b in blocks if b.kind == "paragraph" and b.text]
    assert [b.text for b in texts[:4]] == [
        "Improvement and Innovation Board", "17 March 2027", "Item 4",
        "Taking Stock: where next for sector-led improvement?: results of the consultation",
    ]  # fmt: skip
    assert texts[3].style == "Title"
    headings = [b.text for b in texts if b.style == "Heading 1"]
    # Parts not written (summary, action, background, financial implications) are left out;
    # the contact officer's lines follow the recommendation unheaded, as in the Board papers.
    assert headings == [
        "Purpose of report",
        "Recommendation",
        "Results of the consultation",
        "Annex: methods",
    ]
    purpose = [b.text for b in texts][[b.text for b in texts].index("Purpose of report") + 1]
    assert purpose == "For information and discussion."
    assert "Contact officer: Dennis Skinner" in [b.text for b in texts]
    check.check_captions_and_pages(blocks)
    text = "\n".join(b.text for b in texts)
    check.check_words_and_dates(text)
    assert "interim" not in text.lower()
    # What is missing is told to the team instead (on the command line's stderr).
    checklist = "\n".join(outsider_paper.checklist)
    assert "Not written yet: summary, action, background and financial implications" in checklist
    assert "Questions 3 and 21: themes found by the software for this paper only" in checklist
    # The HTML page says the same: its numbered paragraphs and captions are the Word file's.
    check.check_html_says_the_same(blocks, html)


def test_combined_groups_are_listed_and_named_unlike_any_answer(outsider_paper: OutsiderPaper) -> None:
    text = "\n".join(b.text for b in read_body(outsider_paper.docx))
    from analysis.counts.counting import OTHER_SEGMENT

    # Each combined group is named with its members: none has fewer than one respondent, and
    # with so few of them each could still be anywhere in a range at least half the threshold.
    assert f"“{OTHER_SEGMENT['role']}” (National stakeholder, Local partner)" in text
    assert f"“{OTHER_SEGMENT['organisation_type']}” (Parks, Inspectorate, Other organisation)" in text
    assert f"“{OTHER_SEGMENT['region']}” (Wales, Yorkshire & Humber)" in text
    assert check.combined_labels_confusable() == []


def test_themes_from_the_command_line_are_a_draft_in_count_order(outsider_paper: OutsiderPaper) -> None:
    questions = check.by_question(read_body(outsider_paper.docx))
    q3 = [b.text for b in questions["q3"] if b.style == "List Number"]
    assert q3[0] == "In all, 80 respondents answered this question in their own words."
    assert q3[1].startswith("These themes were found by software for this report and have not been checked")
    (table,) = [b.rows for b in questions["q3"] if b.kind == "table" and b.rows and b.rows[0][0] == "Theme"]
    counts = [int(r[-2]) for r in table[1:] if r[-2] != "[c]"]
    assert counts == sorted(counts, reverse=True)
    # Shares are of the answers, half up from the counts.
    for row in table[1:]:
        if row[-2] != "[c]":
            assert row[-1] == f"{check.half_up(int(row[-2]), 80, 1)}%"


# --- From the database (SQLite and PostgreSQL): interim, stored themes, the web page ---------


def _fill(app: Flask, rows: list[dict[str, str]]) -> int:
    """The rows as submitted responses of a consultation still open for 30 days; its id."""
    import sqlalchemy as sa

    from consult.data import clock, consultations
    from consult.extensions import db
    from consult.models import Answer, Response

    today = clock.today()
    with app.app_context():
        consultation = consultations.get_by_slug("taking-stock")
        consultation.opens_on, consultation.closes_on = (
            today - dt.timedelta(days=30),
            today + dt.timedelta(days=30),
        )
        db.session.execute(
            sa.insert(Response),
            [
                dict(
                    consultation_id=consultation.id,
                    public_id=r["response_id"],
                    status="submitted",
                    channel=r["channel"],
                    origin="self_service",
                    role=r["role"],
                    organisation_type=r["organisation_type"],
                    region=r["region"],
                    started_on=today,
                    updated_on=today,
                    submitted_on=today,
                )
                for r in rows
            ],
        )
        ids = dict(db.session.execute(sa.select(Response.public_id, Response.id)).all())
        db.session.execute(
            sa.insert(Answer),
            [
                dict(response_id=ids[r["response_id"]], stage="submitted", question_id=qid, value=r[qid])
                for r in rows
                for qid in QUESTIONNAIRE.question_ids
                if r[qid]
            ],
        )
        db.session.commit()
        return consultation.id


# Question 3's stored themes, in an order that is not their count order: (name, answers).
STORED_THEMES = [
    ("Tiny theme", 4),
    ("Scrutiny", 14),
    ("Funding pressures", 21),
    ("Peer challenge is valued", 35),
]
IN_NO_THEME = 6


def _store_q3(database_url: str, consultation_id: int, rows: list[dict[str, str]]) -> None:
    from tests.board_report.theme_review import StoredAnswer, store_theme_set

    answered = [r["response_id"] for r in rows if r["q3"]]
    names = [name for name, size in STORED_THEMES for _ in range(size)] + [None] * IN_NO_THEME
    assert len(names) == len(answered) == 80
    answers = [
        StoredAnswer(rid, [name] if name else [], name, state="reviewed" if i < 4 else "machine")
        for i, (rid, name) in enumerate(zip(answered, names, strict=True))
    ]
    import sqlalchemy as sa

    engine = sa.create_engine(database_url)
    try:
        store_theme_set(engine, consultation_id, "q3", [(n, "") for n, _ in STORED_THEMES], answers, "draft")
    finally:
        engine.dispose()


def test_from_the_database_interim_with_stored_themes_and_a_checklist(
    app: Flask, database_url: str, rows: list[dict[str, str]]
) -> None:
    from analysis.board_report import prepare_report, render
    from analysis.board_report.words import BoardWords
    from consult.data import clock
    from tests.board_report.theme_review import theme_review_tables
    from tests.conftest import OFFICER_PASSWORD, add_officer, csrf_token

    consultation_id = _fill(app, rows)
    closes = clock.today() + dt.timedelta(days=30)
    with theme_review_tables(database_url):
        _store_q3(database_url, consultation_id, rows)
        # As the web app's download job makes it: no theme engine, the saved words.
        report = prepare_report(
            database_url, words=BoardWords(), run_engine=False, consultation="taking-stock"
        )
        body, html = render(report, "docx"), render(report, "html").decode("utf-8")
        client = app.test_client()
        email = add_officer(app)
        page = client.get("/sign-in")
        client.post(
            "/sign-in",
            data={"csrf_token": csrf_token(page.data), "email": email, "password": OFFICER_PASSWORD},
        )
        page = client.get("/officer/board-report").get_data(as_text=True).replace("&#39;", "'")
    found = check_results(body, rows)
    assert PLANTED <= {(q, c, g, o) for q, c, g, o, d in found if d == "more"}
    blocks = read_body(body)
    texts = [b for b in blocks if b.kind == "paragraph" and b.text]
    long_close = f"{closes.day} {closes:%B %Y}"
    # Interim: the title page, the summary and every results heading say so.
    lines = [b.text for b in texts]
    title = lines.index(next(b.text for b in texts if b.style == "Title"))
    assert lines[title].endswith("interim results of the consultation")
    assert lines[title + 1].endswith(f"Interim report: the consultation closes on {long_close}.")
    summary = lines[lines.index("Summary") + 1]
    assert summary.startswith(f"This is an interim report. The consultation is open until {long_close}")
    assert "the 911 responses submitted by" in summary
    headings = [(b.style, b.text) for b in texts if b.style in ("Heading 1", "Heading 2")]
    start = headings.index(("Heading 1", "Interim results of the consultation"))
    end = next(i for i, (style, _) in enumerate(headings) if i > start and style == "Heading 1")
    assert len(headings[start + 1 : end]) == 6
    assert all(text.endswith("(interim)") for _, text in headings[start + 1 : end])
    check.check_captions_and_pages(blocks)
    check.check_words_and_dates("\n".join(b.text for b in texts))
    # Stored themes: most answers first, the hidden one last; answers in no theme apart;
    # how far analysts checked them.
    questions = check.by_question(blocks)
    (themes,) = [b.rows for b in questions["q3"] if b.kind == "table" and b.rows and b.rows[0][0] == "Theme"]
    assert [r[0] for r in themes[1:]] == [
        "Peer challenge is valued",
        "Funding pressures",
        "Scrutiny",
        "Tiny theme",
    ]
    assert themes[2] == ["Funding pressures", "21", "26.3%"]  # 21 of 80 is 26.25
    assert themes[4][1:] == ["[c]", "[c]"] and not any("no theme" in r[0].lower() for r in themes)
    q3 = " ".join(b.text for b in questions["q3"] if b.style == "List Number")
    assert "Analysts have checked the themes of 4 of the 80 answers; the rest are a first draft" in q3
    assert "The number of answers that raised none of these themes is not shown" in q3
    q21 = [b.text for b in questions["q21"] if b.style == "List Number"]
    assert q21 == [
        "In all, 40 respondents answered this question in their own words.",
        "Free-text answers to this question have not yet been analysed.",
    ]
    check.check_html_says_the_same(blocks, html)
    # The team's checklist, on the report and on the Board report page.
    for item in (
        "Question 21: themes not run yet",
        "Question 3: analysts have checked the themes of 4 of its 80 answers",
        f"The consultation is open until {long_close}: the paper is marked as interim.",
    ):
        assert any(line.startswith(item) for line in report.checklist), item
        assert item in page, item


@pytest.mark.e2e
def test_the_outsiders_html_paper_in_chromium(outsider_paper: OutsiderPaper, tmp_path) -> None:
    from tests.browser import assert_accessible, chromium

    page_file = tmp_path / "paper.html"
    page_file.write_text(outsider_paper.html, encoding="utf-8")
    with chromium() as browser:
        page = browser.new_page()
        page.goto(page_file.as_uri())
        assert page.locator("p.furniture").all_inner_texts() == [
            "Improvement and Innovation Board", "17 March 2027", "Item 4",
        ]  # fmt: skip
        assert page.locator("h2").all_inner_texts()[1:] == [
            "Purpose of report", "Recommendation", "Results of the consultation", "Annex: methods",
        ]  # fmt: skip
        main = page.inner_text("main")
        assert (
            "Leaders were more likely than other respondents to say “Yes” (70 per cent of the 270 leaders"
            in main
        )
        captions = page.locator("figure figcaption").all_inner_texts()
        assert captions and captions == [
            f"Figure {i}: " + c.split(": ", 1)[1] for i, c in enumerate(captions, 1)
        ]
        assert_accessible(page)
