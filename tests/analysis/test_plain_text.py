"""The one text rule: control characters are found and named, and XML writers never fail on text."""

from __future__ import annotations

import pytest

from analysis.board_report.docx_writer import report_docx
from analysis.board_report.model import (
    BoardReport,
    BulletList,
    Contact,
    Heading,
    Paragraph,
    Part,
    Quote,
    Table,
)
from analysis.board_report.words import BoardWords, WordsError
from analysis.plain_text import (
    control_character_problem,
    control_characters,
    without_control_characters,
    xml_safe,
)
from tests.board_report.reading import read_docx


def test_control_characters_are_found_and_named() -> None:
    assert control_characters("Peer\x0c challenge\x01\x01") == ["U+000C", "U+0001"]
    assert control_characters("two\nlines\tand\r\n", multiline=True) == []
    assert control_characters("two\nlines") == ["U+000A"]
    assert control_characters("caf\u00e9 \u2013 \U0001f600 \u00a0") == []  # text, not controls
    assert control_characters("\x7f\x85\uffff") == ["U+007F", "U+0085", "U+FFFF"]
    problem = control_character_problem("Peer\x0c", "Name")
    assert problem is not None and problem.startswith("Name must not contain control characters")
    assert "U+000C" in problem
    assert control_character_problem("fine", "Name") is None
    assert without_control_characters("a\x01b\nc", multiline=True) == "ab\nc"
    assert xml_safe("a\x00b\x0bc\td\ufffee") == "abc\tde"


@pytest.mark.parametrize("part", ["summary", "title", "board"])
def test_the_board_words_refuse_control_characters_naming_the_part(part: str) -> None:
    with pytest.raises(WordsError, match="must not contain control characters") as refused:
        BoardWords.from_mapping({part: "Some\x01 words"})
    assert refused.value.part == part
    with pytest.raises(WordsError, match="must not contain control characters") as refused:
        BoardWords.from_mapping({"contact": {"name": "Dennis\x02"}})
    assert refused.value.part == "contact.name"
    with pytest.raises(WordsError, match="Recommendations must not contain") as refused:
        BoardWords.from_mapping({"recommendations": "That the Board\x1c notes."})


def test_the_word_writer_drops_what_xml_cannot_hold() -> None:
    bad = "Peer\x0c challenge\x01"
    report = BoardReport(
        title=f"Title {bad}",
        subtitle=bad,
        furniture=(bad,),
        parts=[
            Part(
                heading=bad,
                blocks=[
                    Heading(bad),
                    Paragraph(bad, number=1),
                    Paragraph(bad),
                    BulletList((bad,)),
                    Table(caption=bad, columns=(bad, "Count"), rows=((bad, "3"),), numeric=(1,), number=1),
                    Quote(bad),
                    Contact(((bad, bad),)),
                ],
            )
        ],
    )
    text = read_docx(report_docx(report)).text
    assert "Peer challenge" in text and "\x0c" not in text and "\x01" not in text


def test_a_part_the_word_writer_cannot_write_is_named() -> None:
    from analysis.errors import AnalysisError

    report = BoardReport(
        title="Title", subtitle="", parts=[Part(heading="Summary", blocks=[Paragraph(None)])]  # type: ignore[arg-type]
    )
    with pytest.raises(AnalysisError, match="The report's part “Summary” could not be written to Word"):
        report_docx(report)


def test_line_breaks_are_allowed_only_in_running_text() -> None:
    assert BoardWords.from_mapping({"summary": "One.\n\nTwo.\tTabbed."}).summary == "One.\n\nTwo.\tTabbed."
    with pytest.raises(WordsError, match="Title must not contain control characters: ") as refused:
        BoardWords.from_mapping({"title": "Results\tof the consultation"})
    assert "line breaks are fine" not in str(refused.value)
    with pytest.raises(WordsError, match="must be one line"):
        BoardWords.from_mapping({"title": "Results\nof the consultation"})
