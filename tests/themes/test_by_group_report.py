"""The published theme report gives themes by group, protected and recorded as a release."""

from __future__ import annotations

import html
import re
from pathlib import Path

from click.testing import CliRunner

from analysis.cli import main
from analysis.releases.record import from_json
from tests.analysis import builders
from tests.analysis.builders import QUESTIONNAIRE
from tests.themes.conftest import fixture_rows

ROLES = ("Leader", "Chief executive", "Other councillor")


def _rows() -> list[dict[str, str]]:
    rows = fixture_rows()
    for i, row in enumerate(rows):
        row["role"] = ROLES[i % 3]
        row["region"] = (
            "Greater London" if i < 4 else "East Midlands" if i < 7 else ("North East", "Wales")[i % 2]
        )
    return rows


def table_cells(page: str) -> list[list[str]]:
    """Every table row's cells (header or data), as text."""
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", page, flags=re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)
        rows.append([html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells])
    return rows


def test_report_has_themes_by_group_with_no_small_figure_and_records_them(tmp_path: Path) -> None:
    export = builders.write_export(tmp_path / "e.csv", _rows())
    record, out = tmp_path / "releases.json", tmp_path / "themes.html"
    result = CliRunner().invoke(
        main,
        [
            *("themes", str(export), "--question", "q3", "--min-themes", "3", "--max-themes", "5"),
            *("--quiet", "--releases", str(record), "--out", str(out)),
        ],
    )
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert "Themes by group" in page
    assert "raising each theme, by role" in page and "raising each theme, by region" in page
    rows = table_cells(page)
    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if re.fullmatch(r"[1-9](\s*\([\d.]+%\))?", c)]
    assert "Leader" in cells and "Smaller regions, combined" in cells
    assert "Greater London" not in cells and "East Midlands" not in cells
    assert "Smaller regions, combined: East Midlands, Greater London." in html.unescape(page)
    kept = from_json(record.read_text(), QUESTIONNAIRE, source="test")
    figures = kept.releases[-1].themes["q3"]["figures"]
    group_figures = {k: v for k, v in figures.items() if k.startswith("group|role|Leader|")}
    assert "group|role|Leader|base" in group_figures
    # What the record says was printed is what the page prints for leaders.
    leaders = next(row for row in rows if row and row[0] == "Leader")
    base = group_figures["group|role|Leader|base"]
    assert leaders[1] == ("[c]" if base is None else f"{base:,}")
