"""A statistician holding every table of the Board report at once narrows no hidden figure.

Two exports: the generated realistic one (skewed segments, an empty region, a region of 3)
with two roles made tiny (1 and 2 respondents): on their own, a table of responses by role
that hid just those two would give away that together they are 3; and the outsider's
consultation, whose findings about groups publish groups' and others' bases and
percentages, and whose combined groups are named with their members. Each report is made
by the command line, read back from the Word file, and attacked by linear programming over
everything it publishes (`tests.board_report.report_attack`).
"""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from analysis.cli import main
from analysis.counts.counting import OTHER_SEGMENT
from tests.analysis.builders import QUESTIONNAIRE, write_export
from tests.analysis.realistic import realistic_rows
from tests.board_report.conftest import OutsiderPaper
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


def _report(folder, rows: list[dict[str, str]]) -> bytes:
    export = write_export(folder / "export.csv", rows)
    out = folder / "report.docx"
    result = CliRunner().invoke(
        main,
        ["report", str(export), "--format", "docx", "--out", str(out), "--threshold", str(THRESHOLD), "-q"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return out.read_bytes()


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return _report(tmp_path_factory.mktemp("disclosure"), _rows())


def test_no_hidden_figure_can_be_narrowed_from_everything_the_report_publishes(report: bytes) -> None:
    ranges = report_ranges(report, QUESTIONNAIRE)
    # The attack has something to work on: hidden answer counts and role sizes not shown.
    assert any(key[0] in ("size", "row") and key[1] == "role" for key in ranges)
    assert narrowed(report, QUESTIONNAIRE, THRESHOLD) == []


def test_findings_and_named_combined_groups_narrow_no_hidden_figure(outsider_paper: OutsiderPaper) -> None:
    report = outsider_paper.docx
    text = "\n".join(read_docx(report).numbered)
    assert text.count("likely than other respondents") >= 3  # the findings are there to attack
    ranges = report_ranges(report, QUESTIONNAIRE)
    # Combined groups are named: each member's size is hidden but at least one.
    assert ("size", "organisation_type", "Parks") in ranges and ("size", "region", "Wales") in ranges
    assert narrowed(report, QUESTIONNAIRE, THRESHOLD) == []


def test_summary_shows_the_segments_counts_shows_and_no_small_figure(report: bytes) -> None:
    read = read_docx(report)
    captions = [re.sub(r"^Table \d+: ", "", c) for c in read.captions]
    by_caption = dict(zip(captions, read.tables, strict=True))
    roles = [row[0] for row in by_caption["Responses by role"][1:-1]]
    for role in TINY_ROLES:
        assert role not in roles
    assert OTHER_SEGMENT["role"] in roles
    regions = [row[0] for row in by_caption["Responses by region"][1:-1]]
    assert "Wales" not in regions and OTHER_SEGMENT["region"] in regions
    for name in ("role", "type of organisation", "region"):
        for label, cell in by_caption[f"Responses by {name}"][1:]:
            assert int(cell.replace(",", "")) >= THRESHOLD, (name, label, cell)


SMALL_TYPES = {"Fire": 1, "Parks": 1, "Inspectorate": 1, "Professional body": 2, "Government department": 2,
               "Local partner organisation": 2, "Other organisation": 2}  # fmt: skip


def test_combined_members_are_named_only_where_that_narrows_nothing(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seven types of 1 or 2 respondents combine into a group of 11: named, each would be known to
    lie between 1 and 5, so the paper does not name them; an attacker shows why."""
    rows = realistic_rows(400)
    large = ("District", "County", "Metropolitan", "London", "Unitary", "Welsh")
    small = [name for name, size in SMALL_TYPES.items() for _ in range(size)]
    for i, row in enumerate(rows):
        row["organisation_type"] = small[i] if i < len(small) else large[i % len(large)]
        # No answers: nothing else to hide or theme, so the reports and the attack are quick.
        row.update(dict.fromkeys(QUESTIONNAIRE.question_ids, ""))
    report = _report(tmp_path_factory.mktemp("small"), rows)
    text = "\n".join(read_docx(report).text.splitlines())
    assert f"“{OTHER_SEGMENT['organisation_type']}”" in text and "(Fire, Parks" not in text
    assert narrowed(report, QUESTIONNAIRE, THRESHOLD) == []

    from analysis.board_report import response_summary

    named = lambda counts, column: list(counts.merged[column])  # noqa: E731
    monkeypatch.setattr(response_summary, "merged_members", named)
    leaky = _report(tmp_path_factory.mktemp("leaky"), rows)
    assert "(Fire, Parks, Professional body, Government department, Inspectorate" in read_docx(leaky).text
    caught = {key for key, _, _ in narrowed(leaky, QUESTIONNAIRE, THRESHOLD)}
    assert {("size", "organisation_type", name) for name in SMALL_TYPES} <= caught
