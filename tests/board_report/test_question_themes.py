"""Each free-text question's themes from a stored review, in memory: quotes and disclosure."""

from __future__ import annotations

import pandas as pd

from analysis.board_report.question_themes import REVIEWED, themes_by_question
from analysis.board_report.sources import ReportSource, StoredThemeSet
from analysis.loading import prepare_responses
from tests.analysis.builders import COLUMNS, QUESTIONNAIRE, response


def _source(flag_approved: bool) -> ReportSource:
    rows = [response(i, q3=f"answer {i} with jane@example.org") for i in range(40)]
    frame = pd.DataFrame(rows, columns=COLUMNS).replace("", None)
    loaded = prepare_responses(frame, QUESTIONNAIRE, source="test")
    answers = pd.DataFrame(
        {
            "theme_answer_id": range(40),
            "response_id": [f"r{i:04d}" for i in range(40)],
            "state": "reviewed",
            "machine_theme_id": [1] * 40,
            "quote_approved": [i in (0, 1, 2, 39) for i in range(40)],
            "flag": [("abusive" if flag_approved and i == 1 else None) for i in range(40)],
        }
    )
    links = pd.DataFrame({"theme_answer_id": range(40), "theme_id": [1] * 25 + [3] * 10 + [2] * 5})
    themes = pd.DataFrame(
        {
            "theme_id": [1, 3, 2],
            "name": ["Big", "Medium", "Small"],
            "description": ["", "", None],
            "position": [0, 1, 2],
            "origin": "machine",
        }
    )
    stored = StoredThemeSet("q3", "core", "reviewed", None, 40, themes, answers, links)
    return ReportSource(loaded=loaded, from_database=True, theme_sets={"q3": stored})


def test_only_approved_unflagged_quotes_from_shown_themes_redacted() -> None:
    themes = themes_by_question(_source(flag_approved=True), 10, run_engine=False)["q3"]
    assert themes.kind == REVIEWED and themes.base == 40
    rows = themes.rows.set_index("name")
    assert rows.loc["Big", "count"] == 25 and not rows.loc["Big", "suppressed"]
    assert rows.loc["Big", "share"] == 25 / 40
    # Small (5) is under the threshold; Medium, the next smallest, is hidden with it.
    assert rows.loc["Small", "suppressed"] and rows.loc["Medium", "suppressed"]
    quotes = themes.quotes
    # 39 is approved but only in the suppressed theme; 1 is approved but flagged.
    assert quotes == {"Big": ["answer 0 with [email]", "answer 2 with [email]"]}
    assert themes.changed == 15  # machine theme 1 for all; 25 are still in it


def test_quotes_without_flags() -> None:
    themes = themes_by_question(_source(flag_approved=False), 10, run_engine=False)["q3"]
    # At most three quotes a theme; none from the suppressed theme (answer 39).
    assert themes.quotes == {
        "Big": ["answer 0 with [email]", "answer 1 with [email]", "answer 2 with [email]"]
    }
