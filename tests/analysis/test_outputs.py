"""CSV round-trip, XLSX without formulas, JSON, charts, labels when not for publication."""

from __future__ import annotations

import io
import json

import openpyxl
import pandas as pd
import pytest

from analysis.counts.charts import chart_alt_text, question_chart
from analysis.counts.counting import count_responses
from analysis.counts.html_report import render_report
from analysis.counts.tables import write_csv, write_json, write_xlsx
from analysis.loading import load_export
from tests.analysis.builders import QUESTIONNAIRE, hand_counted_rows, write_export


@pytest.fixture
def result(tmp_path):
    loaded = load_export(write_export(tmp_path / "e.csv", hand_counted_rows()), QUESTIONNAIRE)
    return count_responses(loaded, by=["role", "region"], threshold=3)


def undo(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:2] in ("=", "+", "-", "@", "\t", "\r") else value


def test_csv_round_trips_every_text_and_number(result, tmp_path):
    path = tmp_path / "counts.csv"
    write_csv(result, path)
    back = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert list(back.columns) == list(result.table.columns)
    for column in ("question_id", "question", "segment_by", "segment", "option"):
        assert back[column].map(undo).tolist() == result.table[column].astype(str).tolist()
    counts = result.table["count"].astype(object).where(result.table["count"].notna(), "")
    assert back["count"].tolist() == [str(c) for c in counts]
    assert back["suppressed"].tolist() == [str(s) for s in result.table["suppressed"]]
    # a question's text with a curly apostrophe and an en dash survives
    assert "Yes – unless there are exceptional circumstances" in set(back["option"])


def test_csv_neutralises_formula_like_text(result, tmp_path):
    table = result.table.copy()
    table.loc[0, "segment"] = '=HYPERLINK("http://x")'
    hacked = type(result)(**{**result.__dict__, "table": table})
    buffer = io.StringIO()
    write_csv(hacked, buffer)
    assert "'=HYPERLINK" in buffer.getvalue()


def test_xlsx_has_no_formula_cells(result, tmp_path):
    table = result.table.copy()
    table.loc[0, "segment"] = "=1+1"
    table.loc[1, "segment"] = "@SUM(A1)"
    hacked = type(result)(**{**result.__dict__, "table": table})
    path = tmp_path / "counts.xlsx"
    write_xlsx(hacked, path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[0] == "Notes" and book.sheetnames[-1] == "Tidy"
    assert {"Q1", "Q8", "Q14", "Q18"} <= set(book.sheetnames)
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                assert not (isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@"))), (
                    cell.value
                )
    tidy = book["Tidy"]
    header = [c.value for c in tidy[1]]
    assert header == list(result.table.columns)
    q8_yes = next(r for r in tidy.iter_rows(min_row=2, values_only=True) if r[0] == "q8" and r[4] == "Yes")
    # "Not answered" is 1, so the number answered (12 - 1) is hidden and no percentage of it shown
    assert q8_yes[5] == 8 and q8_yes[6] is None and q8_yes[7] == 12
    q8 = book["Q8"]
    numbers = [c.value for row in q8.iter_rows(min_row=6, max_row=6) for c in row]
    assert numbers[:2] == ["All respondents", 12] and isinstance(numbers[3], int)


def test_xlsx_marks_suppressed_cells(result, tmp_path):
    path = tmp_path / "counts.xlsx"
    write_xlsx(result, path)
    values = [c for row in openpyxl.load_workbook(path)["Q14"].iter_rows(values_only=True) for c in row]
    assert "[c]" in values


def test_json_has_nulls_for_suppressed_and_methods(result, tmp_path):
    path = tmp_path / "counts.json"
    write_json(result, path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["methods"]["threshold"] == 3 and data["methods"]["for_publication"] is True
    assert data["methods"]["drafts_excluded"] == 3
    hidden = [r for r in data["rows"] if r["suppressed"]]
    assert hidden and all(r["count"] is None and r["percent"] is None for r in hidden)
    q8_yes = next(
        r
        for r in data["rows"]
        if r["question_id"] == "q8" and r["segment_by"] == "all" and r["option"] == "Yes"
    )
    assert q8_yes == {**q8_yes, "count": 8, "percent": None, "base": 12, "asked": 12, "answered": None}
    assert data["methods"]["percent_of"] == "answered" and "cells_10_or_more_hidden" in data["methods"]


def test_no_suppression_is_labelled_everywhere(tmp_path):
    loaded = load_export(write_export(tmp_path / "e.csv", hand_counted_rows()), QUESTIONNAIRE)
    result = count_responses(loaded, suppression=False)
    buffer = io.StringIO()
    write_csv(result, buffer)
    back = pd.read_csv(io.StringIO(buffer.getvalue()))
    assert set(back["publication"]) == {"not for publication"}
    assert "NOT FOR PUBLICATION" in render_report(result)
    write_xlsx(result, tmp_path / "x.xlsx")
    assert openpyxl.load_workbook(tmp_path / "x.xlsx")["Notes"]["A1"].value == "NOT FOR PUBLICATION"


def test_charts_png_and_svg_with_alt_text(result):
    assert question_chart(result, "q8", "png").startswith(b"\x89PNG")
    assert b"<svg" in question_chart(result, "q8", "svg")
    alt = chart_alt_text(result, "q8")
    assert "Yes: no percentage" in alt and "Don't know: suppressed" in alt


def test_report_headlines_in_lga_style(tmp_path):
    rows = hand_counted_rows()
    loaded = load_export(write_export(tmp_path / "e.csv", rows), QUESTIONNAIRE)
    html = render_report(count_responses(loaded, by=["role"], threshold=1, show_zeros=True))
    # 8 of 11 is 72.7 per cent: 73 in a sentence, made from the counts.
    assert "73 per cent of the 11 respondents who answered said “Yes”." in html
    assert "100 per cent of the 5 leaders who answered said “Yes”." in html
    assert "Asked only of those who answered “Yes” to Q13." in html
    assert '<html lang="en-GB">' in html and "<caption>" in html
    assert "cannot narrow any hidden figure" in html
