"""One CSV convention for every file: RFC 4180 line endings, Excel-safe cells, the same writer."""

from __future__ import annotations

import ast
import csv
import io
from pathlib import Path

import analysis
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


def test_no_import_circle_in_analysis_even_through_imports_inside_functions() -> None:
    """A module of `analysis` never needs, even lazily, a module that needs it back."""
    package = Path(analysis.__file__).parent
    needs: dict[str, set[str]] = {}
    for path in package.rglob("*.py"):
        name = ".".join(path.relative_to(package.parent).with_suffix("").parts).removesuffix(".__init__")
        imported = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
        needs[name] = {m for m in imported if m in needs or m.startswith("analysis")} - {name}
    circles = []
    for start in needs:
        seen, todo = set(), [start]
        while todo:
            for following in needs.get(todo.pop(), ()):
                if following == start:
                    circles.append(start)
                elif following not in seen:
                    seen.add(following)
                    todo.append(following)
    # A package and its own submodules import each other by design; nothing else may.
    circles = [c for c in circles if not any(m.startswith(c + ".") for m in needs[c])]
    assert "analysis.loading" not in circles and "analysis.database_source" not in circles
    assert circles == []
