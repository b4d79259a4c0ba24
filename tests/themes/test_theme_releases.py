"""Theme reports as releases: recorded per question, and a later report set against them."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from analysis.cli import main
from analysis.releases.record import from_json
from tests.analysis import builders
from tests.analysis.builders import QUESTIONNAIRE, response
from tests.themes.conftest import fixture_rows


def _themes(export: Path, record: Path, out: Path) -> str:
    result = CliRunner().invoke(
        main,
        [
            "themes",
            str(export),
            "--min-themes",
            "3",
            "--max-themes",
            "6",
            "--quiet",
            "--releases",
            str(record),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8")


def test_a_theme_report_is_recorded_and_a_later_one_holds_a_question_few_answers_changed(
    tmp_path: Path,
) -> None:
    rows = fixture_rows()
    export = builders.write_export(tmp_path / "e.csv", rows)
    record = tmp_path / "releases.json"
    first = _themes(export, record, tmp_path / "a.html")
    again = _themes(export, record, tmp_path / "b.html")
    assert "not updated" not in again
    kept = from_json(record.read_text(), QUESTIONNAIRE, source="test")
    assert [r.output for r in kept.releases] == ["themes", "themes"]
    assert {"q3", "q21"} <= set(kept.releases[0].themes)
    figures = kept.releases[0].themes["q3"]["figures"]
    assert "base" in figures and any(k.startswith("theme|") for k in figures)
    # Unchanged answers: the same figures again (nothing new to protect, nothing hidden anew).
    assert kept.releases[1].themes["q3"]["figures"] == figures
    # Three late responses (answering q3, leaving q21 blank): fewer than the threshold changed
    # in either question, so neither is updated; their figures of release 2 stand.
    late = [
        response(900 + i, response_id=f"L{i}", q3="More peer support and funding please, urgently.")
        for i in range(3)
    ]
    export = builders.write_export(tmp_path / "e2.csv", rows + late)
    third = _themes(export, record, tmp_path / "c.html")
    for question in ("q3", "q21"):
        section = third.split(f'<section aria-labelledby="{question}">')[1].split("</section>")[0]
        assert "not updated" in section and "<table>" not in section and "<blockquote>" not in section
    assert first.count("[c]") >= 1
    kept = from_json(record.read_text(), QUESTIONNAIRE, source="test")
    assert "q3" not in kept.releases[-1].themes and "q21" not in kept.releases[-1].themes
