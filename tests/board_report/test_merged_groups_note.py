"""The note under "Dates and responses" says what the combined groups are, truly: a larger
segment named as joining only when one did, and a group still too small said to be hidden."""

from __future__ import annotations

from analysis.board_report.response_summary import REPORT_BREAKDOWNS, _merged_note
from analysis.counts.counting import count_responses
from analysis.loading import load_export
from tests.analysis.builders import QUESTIONNAIRE, response, write_export


def _note(tmp_path, regions: dict[str, int]) -> str:
    rows = []
    for region, size in regions.items():
        for k in range(size):
            rows.append(response(len(rows) + 1, region=region, q8=("Yes", "No")[k % 2]))
    loaded = load_export(write_export(tmp_path / "e.csv", rows), QUESTIONNAIRE)
    counts = count_responses(loaded, by=REPORT_BREAKDOWNS)
    note = _merged_note(counts, counts.threshold, loaded.responses)
    assert note is not None
    return note.text


def test_a_small_region_joined_by_the_next_smallest(tmp_path):
    # Greater London (30) is under four times the threshold: it keeps Wales (3) company.
    text = _note(tmp_path, {"South East": 60, "North West": 45, "Greater London": 30, "Wales": 3})
    assert "(with the next smallest, where that makes the group large enough)" in text
    assert "Even combined" not in text


def test_a_small_region_left_alone_is_said_to_be_hidden(tmp_path):
    # Every other region is too large to fold in: Wales stays a group of 3, hidden.
    text = _note(tmp_path, {"South East": 60, "North West": 45, "Greater London": 45, "Wales": 3})
    assert "next smallest" not in text
    assert "Even combined, “Smaller regions, combined” has fewer than 10 respondents" in text
    assert "figures are not shown ([c])" in text
