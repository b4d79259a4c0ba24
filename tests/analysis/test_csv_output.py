"""One CSV convention for every file: RFC 4180 line endings, Excel-safe cells, the same writer."""

from __future__ import annotations

import csv
import io

from analysis.counts.counting import count_responses
from analysis.counts.tables import write_csv
from analysis.csv_output import BYTE_ORDER_MARK, csv_text, write_csv_rows
from analysis.loading import load_export
from tests.analysis.builders import QUESTIONNAIRE, hand_counted_rows, write_export


def test_rows_end_in_crlf_and_cells_are_made_safe() -> None:
    out = io.StringIO(newline="")
    written = write_csv_rows(out, ["name", "note"], [["=SUM(A1)", "line one\nline two"], [None, 12]])
    assert written == 2
    text = out.getvalue()
    assert text.startswith("name,note\r\n'=SUM(A1),")
    assert text.endswith("\r\n,12\r\n")
    assert '"line one\nline two"' in text  # a line break inside a cell stays as typed
    assert list(csv.reader(io.StringIO(text, newline=""))) == [
        ["name", "note"],
        ["'=SUM(A1)", "line one\nline two"],
        ["", "12"],
    ]


def test_a_download_starts_with_the_byte_order_mark_once() -> None:
    text = csv_text(["a"], [["é"]])
    assert text == BYTE_ORDER_MARK + "a\r\né\r\n"
    assert csv_text(["a"], [], byte_order_mark=False) == "a\r\n"


def test_the_counts_csv_uses_the_same_convention(tmp_path) -> None:
    loaded = load_export(write_export(tmp_path / "e.csv", hand_counted_rows()), QUESTIONNAIRE)
    result = count_responses(loaded, by=["role"], threshold=3)
    out = io.StringIO(newline="")
    write_csv(result, out)
    lines = out.getvalue().split("\r\n")
    assert lines[-1] == "" and all("\n" not in line for line in lines[:2])
    assert lines[0].split(",")[:2] == [str(c) for c in result.table.columns[:2]]
