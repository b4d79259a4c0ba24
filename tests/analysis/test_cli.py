"""`consult-analysis` through click's CliRunner: help, outputs, errors and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import click
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from analysis.cli import main
from analysis.counts.disclosure import DEFAULT_THRESHOLD
from questions import DEFAULT_QUESTIONNAIRE
from tests.analysis.builders import hand_counted_rows, response, write_database, write_export


@pytest.fixture
def export(tmp_path):
    return str(write_export(tmp_path / "export.csv", hand_counted_rows()))


def run(*args):
    return CliRunner().invoke(main, list(args))


def test_help_lists_counts_and_is_instant():
    result = run("--help")
    assert result.exit_code == 0 and "counts" in result.output
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", "from analysis.cli import main; main()", "counts", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "--threshold" in done.stdout and "--by" in done.stdout
    assert time.perf_counter() - started < 2.5
    heavy = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, analysis.cli; print(sorted(m for m in ('pandas', 'matplotlib', "
            "'openpyxl', 'sklearn') if m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert heavy.stdout.strip() == "[]"


def test_counts_csv_to_stdout(export):
    result = run("counts", export, "--threshold", "1", "--show-zeros", "-q")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert (
        lines[0]
        == "question_id,question,segment_by,segment,option,count,percent,base,suppressed,"
        "asked,answered,percent_of"
    )
    assert any(
        line.startswith("q8,") and ",all,All respondents,Yes,8,72.7,12,False" in line for line in lines
    )


def test_counts_by_and_json(export, tmp_path):
    out = tmp_path / "c.json"
    result = run("counts", export, "--by", "role", "--by", "channel", "--format", "json", "--out", str(out))
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["methods"]["breakdowns"] == ["role", "channel"]
    assert {r["segment_by"] for r in data["rows"]} == {"all", "role", "channel"}
    assert "counted;" in result.stderr  # progress on stderr


def test_counts_xlsx_html_and_charts(export, tmp_path):
    assert run("counts", export, "--format", "xlsx", "--out", str(tmp_path / "c.xlsx")).exit_code == 0
    assert "Tidy" in openpyxl.load_workbook(tmp_path / "c.xlsx").sheetnames
    assert run("counts", export, "--format", "html", "--out", str(tmp_path / "c.html")).exit_code == 0
    assert (tmp_path / "c.html").read_text().startswith("<!DOCTYPE html>")
    assert run("counts", export, "--format", "svg", "--out", str(tmp_path / "charts")).exit_code == 0
    assert sorted(p.name for p in (tmp_path / "charts").iterdir())[:2] == ["q1.svg", "q10.svg"]


def test_drafts_and_no_suppression_flags(export):
    result = run("counts", export, "--include-drafts", "--no-suppression", "-q")
    assert result.exit_code == 0
    table = pd.read_csv(__import__("io").StringIO(result.stdout))
    row = table[(table.question_id == "q8") & (table.segment_by == "all") & (table.option == "No")]
    assert row["count"].tolist() == [5]
    assert "NOT FOR PUBLICATION" in result.stderr


def test_database_url_input(tmp_path):
    url = write_database(tmp_path / "db.sqlite", hand_counted_rows())
    result = run("counts", url, "--threshold", "1", "-q")
    assert result.exit_code == 0, result.output
    assert ",all,All respondents,Yes,8,72.7,12,False" in result.stdout


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([response(1, q8="Maybe")], "row 1 (line 2), column q8: 'Maybe' is not an option of q8"),
        ([response(1, region="Atlantis")], "column region: 'Atlantis'"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(tmp_path, rows, message):
    path = write_export(tmp_path / "bad.csv", rows)
    result = run("counts", str(path), "-q")
    assert result.exit_code == 1
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_unknown_column_and_missing_file_exit_1(tmp_path):
    (tmp_path / "odd.csv").write_text("response_id,colour\nr1,blue\n")
    result = run("counts", str(tmp_path / "odd.csv"), "-q")
    assert result.exit_code == 1 and "unknown column 'colour'" in result.stderr
    result = run("counts", str(tmp_path / "none.csv"), "-q")
    assert result.exit_code == 1 and "file not found" in result.stderr


def test_usage_errors_exit_2(export):
    assert run("counts", export, "--by", "colour").exit_code == 2
    assert run("counts", export, "--threshold", "0").exit_code == 2
    result = run("counts", export, "--format", "xlsx")
    assert result.exit_code == 2 and "needs --out" in result.stderr


def test_an_unwritable_output_is_one_line_and_exit_1(export, tmp_path):
    out = tmp_path / "no-such-folder" / "counts.csv"
    result = run("counts", export, "--out", str(out), "-q")
    assert result.exit_code == 1, result.output
    [line] = result.stderr.splitlines()
    assert line.startswith(f"Error: cannot write {out}: ")


def test_the_common_options_read_the_same_in_every_command():
    context = click.Context(main)
    commands = {name: main.get_command(context, name) for name in main.list_commands(context)}
    declared: dict[str, click.Parameter] = {}
    for name, command in commands.items():
        params = {param.name: param for param in command.params}
        assert set(params["quiet"].opts) == {"--quiet", "-q"}, name
        for option in ("questionnaire", "consultation", "threshold", "quiet"):
            if option in params:
                first = declared.setdefault(option, params[option])
                same = ("opts", "default", "is_flag", "required")
                assert [getattr(params[option], a) for a in same] == [getattr(first, a) for a in same], name
                assert repr(params[option].type) == repr(first.type), name
    for name in ("counts", "themes", "report"):
        params = {param.name for param in commands[name].params}
        assert {"questionnaire", "consultation", "threshold", "quiet"} <= params, name
    assert declared["questionnaire"].default == DEFAULT_QUESTIONNAIRE
    assert declared["threshold"].default == DEFAULT_THRESHOLD
