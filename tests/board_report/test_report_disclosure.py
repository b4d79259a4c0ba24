"""A statistician holding every table of the Board report at once narrows no hidden figure.

The export is the generated realistic one (skewed segments, an empty region, a region of 3)
with two roles made tiny (1 and 2 respondents): on their own, a table of responses by role
that hid just those two would give away that together they are 3. The report is made by
the command line, read back from the Word file, and attacked by linear programming over
everything it publishes (`tests.board_report.report_attack`).
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from analysis.cli import main
from analysis.counts.counting import OTHER_SEGMENT
from tests.analysis.builders import QUESTIONNAIRE, write_export
from tests.analysis.realistic import realistic_rows
from tests.board_report.reading import read_docx
from tests.board_report.report_attack import narrowed, report_ranges

THRESHOLD = 10
TINY_ROLES = {"National stakeholder": 1, "Other": 2}


def _rows(n: int = 1200) -> list[dict[str, str]]:
    rows = realistic_rows(n)
    tiny = [role for role, size in TINY_ROLES.items() for _ in range(size)]
    for row in rows:
        if row["role"] in TINY_ROLES:
            row["role"] = "Other councillor"
    for row, role in zip(rows[10:], tiny, strict=False):
        row["role"] = role
    return rows


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    folder = tmp_path_factory.mktemp("disclosure")
    export = write_export(folder / "export.csv", _rows())
    out = folder / "report.docx"
    result = CliRunner().invoke(
        main,
        ["report", str(export), "--format", "docx", "--out", str(out), "--threshold", str(THRESHOLD), "-q"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return out.read_bytes()


def test_no_hidden_figure_can_be_narrowed_from_everything_the_report_publishes(report: bytes) -> None:
    ranges = report_ranges(report, QUESTIONNAIRE)
    # The attack has something to work on: hidden answer counts and role sizes not shown.
    assert any(key[0] in ("size", "row") and key[1] == "role" for key in ranges)
    assert narrowed(report, QUESTIONNAIRE, THRESHOLD) == []


def test_summary_shows_the_segments_counts_shows_and_no_small_figure(report: bytes) -> None:
    read = read_docx(report)
    by_caption = dict(zip(read.captions, read.tables, strict=True))
    roles = [row[0] for row in by_caption["Responses by role"][1:-1]]
    for role in TINY_ROLES:
        assert role not in roles
    assert OTHER_SEGMENT["role"] in roles
    regions = [row[0] for row in by_caption["Responses by region"][1:-1]]
    assert "Wales" not in regions and OTHER_SEGMENT["region"] in regions
    for name in ("role", "type of organisation", "region"):
        for label, cell in by_caption[f"Responses by {name}"][1:]:
            # A combined group still below the threshold (Wales, 3, alone) has its size hidden,
            # with one other segment's: never a small one shown.
            assert cell == "[c]" or int(cell.replace(",", "")) >= THRESHOLD, (name, label, cell)
    # The role headlines name only segments the summary shows.
    from analysis.counts.html_report import segment_phrase

    named = {segment_phrase("role", role) for role in roles}
    for paragraph in read.numbered:
        if paragraph.startswith("By role: "):
            for part in paragraph.removeprefix("By role: ").split("; "):
                assert any(f" of {who} who answered" in part for who in named), part
