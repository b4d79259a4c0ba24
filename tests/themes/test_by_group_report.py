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


def _report(tmp_path: Path, fmt: str) -> Path:
    """The theme report of the fixture answers written as `fmt` by the command line."""
    export = builders.write_export(tmp_path / "e.csv", _rows())
    out = tmp_path / f"themes.{fmt}"
    result = CliRunner().invoke(
        main,
        [
            *("themes", str(export), "--question", "q3", "--min-themes", "3", "--max-themes", "5"),
            *("--quiet", "--out", str(out)),
        ],
    )
    assert result.exit_code == 0, result.output
    return out


def _printed(row: dict[str, object]) -> str:
    """A JSON by-group row's count as the HTML report's table prints it."""
    if row["count"] is None:
        return "[c]"
    if row["answers"] is None:
        return f"{row['count']:,}"
    return f"{row['count']:,} ({row['percent']:.1f}%)"


def test_working_files_carry_the_reports_protected_figures_by_group(tmp_path: Path) -> None:
    import json

    from openpyxl import load_workbook

    data = json.loads(_report(tmp_path, "json").read_text(encoding="utf-8"))
    rows = data["by_group"]
    assert {r["breakdown"] for r in rows} == {"role", "organisation_type", "region"}
    for row in rows:
        for name in ("count", "answers"):
            assert row[name] is None or row[name] == 0 or row[name] >= 10, row
        assert (row["count"] is None) == row["suppressed"]
        assert row["suppressed"] == (row["suppression"] != "")
    assert any(r["suppression"] == "primary" for r in rows)
    combined = [r for r in rows if r["group"] == "Smaller regions, combined"]
    assert combined and all(r["members"] == ["East Midlands", "Greater London"] for r in combined)
    assert not [r for r in rows if r["group"] in ("East Midlands", "Greater London")]

    # The same figures as the HTML report prints: one protection.
    page = _report(tmp_path, "html").read_text(encoding="utf-8")
    tables = page.split("raising each theme, by ")[1:]
    checked = 0
    for breakdown, table in zip(("role", "organisation_type", "region"), tables, strict=True):
        cells = table_cells(table.split("</table>")[0])
        header = next(row for row in cells if row and row[0] == "Group")
        for line in cells:
            if not line or line[0] in ("Group", "All respondents"):
                continue
            mine = {r["label"]: r for r in rows if r["breakdown"] == breakdown and r["group"] == line[0]}
            for label, cell in zip(header[2:], line[2:], strict=True):
                if label in mine:
                    assert _printed(mine[label]) == cell, (breakdown, line[0], label)
                    checked += 1
    assert checked >= len(rows) // 2

    book = load_workbook(_report(tmp_path, "xlsx"), read_only=True)
    sheet = list(book["By group"].iter_rows(values_only=True))
    head, body = list(sheet[0]), sheet[1:]
    assert head == ["question_id", "breakdown", "group", "members", "answers", "theme_id", "label", "count",
                    "percent", "suppressed", "suppression"]  # fmt: skip
    assert len(body) == len(rows)
    for line, row in zip(body, rows, strict=True):
        got = dict(zip(head, line, strict=True))
        for name in ("count", "answers"):
            assert got[name] == ("[c]" if row[name] is None else row[name]), (got, row)
            assert got[name] == "[c]" or got[name] == 0 or got[name] >= 10
        assert got["members"] == "; ".join(row["members"])
        assert got["suppressed"] == ("yes" if row["suppressed"] else "no")
