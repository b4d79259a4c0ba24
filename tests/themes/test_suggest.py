"""The nearest reviewed theme for late answers (analysis.themes.suggest)."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.themes import ThemesError
from analysis.themes.suggest import SUGGESTION_COLUMNS, nearest_reviewed_theme

REVIEWED = pd.DataFrame(
    [
        ("r1", "Peer challenge gave us honest feedback", 10),
        ("r2", "More peer challenge and peer review please", 10),
        ("r3", "Funding cuts hurt improvement capacity", 20),
        ("r4", "Budget reductions and funding pressure", 20),
        ("r5", "Peer review helped and funding matters", 10),
        ("r5", "Peer review helped and funding matters", 20),  # in two themes
        ("r6", "Nothing to do with either", None),  # in no theme: ignored
    ],
    columns=["response_id", "text", "theme_id"],
)


def test_each_new_answer_gets_the_theme_whose_answers_are_most_alike() -> None:
    new = pd.DataFrame(
        [
            ("n1", "The peer challenge was excellent"),
            ("n2", "Funding has been cut again"),
            ("n3", "n/a"),
            ("n4", "Zanzibar quokka marmalade"),
        ],
        columns=["response_id", "text"],
    )
    result = nearest_reviewed_theme(REVIEWED, new)
    assert list(result.columns) == SUGGESTION_COLUMNS
    assert list(result["response_id"]) == ["n1", "n2", "n3", "n4"]  # nothing dropped, order kept
    assert list(result["theme_id"][:2]) == [10, 20]
    assert result["similarity"][0] > 0.1 and result["similarity"][1] > 0.1
    assert list(result["reason"]) == ["", "", "no answer", "no similar theme"]
    assert result["theme_id"][2] is None and result["theme_id"][3] is None


def test_without_reviewed_themes_there_is_no_suggestion() -> None:
    new = pd.DataFrame([("n1", "Peer challenge")], columns=["response_id", "text"])
    empty = REVIEWED[REVIEWED["theme_id"].isna()]
    result = nearest_reviewed_theme(empty, new)
    assert result["theme_id"][0] is None and result["reason"][0] == "no reviewed themes"
    assert nearest_reviewed_theme(REVIEWED, new.iloc[0:0]).empty


def test_missing_columns_are_a_clear_error() -> None:
    with pytest.raises(ThemesError, match="new answers lack the column"):
        nearest_reviewed_theme(REVIEWED, pd.DataFrame({"response_id": ["x"]}))


def test_does_not_import_consult() -> None:
    import subprocess
    import sys

    code = (
        "import sys, analysis.themes.suggest; "
        "assert not any(m.startswith(('consult', 'flask')) for m in sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
