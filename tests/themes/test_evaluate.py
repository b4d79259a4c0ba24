"""`consult-analysis evaluate-themes` on coded files as other teams keep them."""

from __future__ import annotations

from pathlib import Path

import click
import pandas as pd
from click.testing import CliRunner

from analysis.themes.cli import register

ROWS = [
    ("The staff weren’t rude: they were kind and caring", "staff"),
    ("Long wait for an appointment at the surgery", "access"),
] * 30


def _evaluate(path: Path, *extra: str) -> click.testing.Result:
    group = click.Group("consult-analysis")
    register(group)
    arguments = ["evaluate-themes", str(path), "--text", "text", "--label", "code", *extra]
    return CliRunner().invoke(group, arguments, catch_exceptions=False)


def test_windows_1252_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "coded.csv"
    pd.DataFrame(ROWS, columns=["text", "code"]).to_csv(path, index=False, encoding="cp1252")
    with open(path, "rb") as raw:
        assert b"\x92" in raw.read()  # a Windows-1252 apostrophe: not UTF-8
    result = _evaluate(path)
    assert result.exit_code == 0, result.output
    assert "read as Windows-1252" in result.output and "NMI 1.000" in result.output


def test_tab_separated_file_and_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "coded.tsv"
    pd.DataFrame(ROWS, columns=["text", "code"]).to_csv(path, index=False, sep="\t", encoding="utf-8-sig")
    result = _evaluate(path, "--quiet")
    assert result.exit_code == 0, result.output
    assert "NMI 1.000" in result.output and "(2 labels)" in result.output


def test_answers_without_a_label_are_not_scored(tmp_path: Path) -> None:
    frame = pd.DataFrame(ROWS, columns=["text", "code"])
    frame.loc[:9, "code"] = ["", " "] * 5  # ten answers the coders left blank
    path = tmp_path / "coded.csv"
    frame.to_csv(path, index=False)
    result = _evaluate(path, "--quiet")
    assert result.exit_code == 0, result.output
    assert "(2 labels)" in result.output and "NMI 1.000" in result.output
    assert "10 answers without a label not scored" in result.output


def test_a_label_column_with_no_labels_is_a_clear_error(tmp_path: Path) -> None:
    frame = pd.DataFrame(ROWS, columns=["text", "code"]).assign(code="")
    path = tmp_path / "coded.csv"
    frame.to_csv(path, index=False)
    result = _evaluate(path, "--quiet")
    assert result.exit_code == 1 and "has no labels" in result.output and "Traceback" not in result.output
