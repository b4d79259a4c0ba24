"""Fixtures shared by the Board report tests: the outsider's consultation's paper, made once."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.analysis.builders import write_export
from tests.board_report.outsider import outsider_rows

# The officer's words for the outsider's paper: the heading, a purpose, one recommendation
# and a contact; no summary, action, background or financial implications.
OUTSIDER_WORDS = """\
board = "Improvement and Innovation Board"
meeting_date = 2027-03-17
item = "4"
report_for = ["discussion", "information"]
purpose = "To report the results of the Taking Stock consultation."
recommendations = ["That the Board notes the results."]

[contact]
name = "Dennis Skinner"
email = "dennis.skinner@local.gov.uk"
"""


@dataclass(frozen=True)
class OutsiderPaper:
    rows: list[dict[str, str]]
    docx: bytes
    html: str
    checklist: list[str]


@pytest.fixture(scope="session")
def outsider_paper(tmp_path_factory: pytest.TempPathFactory) -> OutsiderPaper:
    """The paper made from the outsider's export with its words (the command line's themes
    included), in Word and HTML from the one report."""
    from analysis.board_report import prepare_report, render
    from analysis.board_report.words import load_words

    folder = tmp_path_factory.mktemp("outsider")
    rows = outsider_rows()
    export = write_export(folder / "export.csv", rows)
    words = folder / "words.toml"
    words.write_text(OUTSIDER_WORDS, encoding="utf-8")
    report = prepare_report(export, words=load_words(words))
    return OutsiderPaper(
        rows, render(report, "docx"), render(report, "html").decode("utf-8"), report.checklist
    )
