"""Themes by group in the Board paper (SQLite and PostgreSQL): the table, the tested findings
naming their bases, no figure from 1 to 9, and the release record."""

from __future__ import annotations

import re

from flask import Flask

from analysis.board_report import prepare_report, render, with_report_release
from analysis.board_report.model import BoardReport, Paragraph, Table
from analysis.releases.record import empty_record
from questions import load_questionnaire
from tests.board_report.reading import read_docx
from tests.theme_groups_seed import FUNDING, HOUSING, RARE, seed_reviewed_themes, truth

GROUP_CAPTION = "Question 3, themes raised by each group"


def test_themes_by_group_in_the_paper(app: Flask, database_url: str) -> None:
    """One paper (made once: a paper takes a while) checked for each thing in turn."""
    seed_reviewed_themes(app)
    record = empty_record(load_questionnaire("taking-stock"), "taking-stock")
    paper = prepare_report(database_url, run_engine=False, releases=record)
    check_table(paper)
    check_no_small_figure_and_findings(paper)
    check_word_paper_and_record(paper)


def _group_table(report: BoardReport) -> Table:
    return next(b for b in report.blocks() if isinstance(b, Table) and b.caption.startswith(GROUP_CAPTION))


def _small_figures(cells: list[str]) -> list[str]:
    return [c for c in cells if re.fullmatch(r"[1-9](\s*\([\d.]+%\))?", c)]


def check_table(paper: BoardReport) -> None:
    """The table gives each group's counts and shares; small groups combined, small counts hidden."""
    table = _group_table(paper)
    rows = {row[0]: row for row in table.rows}
    count, base = truth()[("Leader", FUNDING)]
    funding = table.columns.index(FUNDING)
    assert rows["Role: Leader"][1] == f"{base}"
    assert rows["Role: Leader"][funding] == f"{count} ({100 * count / base:.1f}%)"
    assert "Region: Smaller regions, combined" in rows
    assert rows["Role: Other council officer"][table.columns.index(RARE)] == "[c]"


def check_no_small_figure_and_findings(paper: BoardReport) -> None:
    """No table cell from 1 to 9; the planted difference is reported naming its base; none other."""
    cells = [
        cell for block in paper.blocks() if isinstance(block, Table) for row in block.rows for cell in row
    ]
    assert not _small_figures(cells)
    text = "\n".join(b.text for b in paper.blocks() if isinstance(b, Paragraph))
    count, base = truth()[("Leader", FUNDING)]
    others = sum(
        truth()[(r, FUNDING)][0] for r in ("Chief executive", "Other councillor", "Other council officer")
    )
    others_base = 200 - base
    share, others_share = round(100 * count / base), round(100 * others / others_base)
    expected = (
        f"Leaders raised “{FUNDING}” more often than other respondents ({share} per cent of the {base} "
        f"leaders who answered this question, against {others_share} per cent of the {others_base} others "
        "who answered it)."
    )
    assert expected in text
    # Housing was raised alike by every group: no sentence about it.
    assert f"“{HOUSING}” more often" not in text and f"“{HOUSING}” less often" not in text
    finding = next(line for line in text.splitlines() if expected in line)
    assert not re.search(r"(?<![\d.])[1-9](?![\d.%])", finding.replace("Question 3", ""))
    assert "theme by theme" in text  # the annex says how themes were compared


def check_word_paper_and_record(paper: BoardReport) -> None:
    """The Word paper has the table, and the release record keeps what it printed."""
    read = read_docx(render(paper, "docx"))
    assert any(GROUP_CAPTION in caption for caption in read.captions)
    assert not _small_figures([cell for table in read.tables for row in table for cell in row])
    record = with_report_release(paper, "docx", "paper.docx")
    figures = record.releases[-1].themes["q3"]["figures"]
    count, base = truth()[("Leader", FUNDING)]
    assert figures[f"group|role|Leader|{FUNDING}"] == count
    assert figures["group|role|Leader|base"] == base
    assert figures[f"group|role|Other council officer|{RARE}"] is None
    assert record.releases[-1].themes["q3"]["answers"]
