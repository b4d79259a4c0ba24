"""A malformed questionnaire fails to load with a message naming file, question and fault."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from questions import QUESTIONS_DIR, QuestionnaireError, load

GOOD = (QUESTIONS_DIR / "taking-stock.toml").read_text(encoding="utf-8")


def broken(tmp_path: Path, old: str, new: str, count: int = 1) -> Path:
    assert old in GOOD, old
    path = tmp_path / "broken.toml"
    path.write_text(GOOD.replace(old, new, count), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "question", "fault"),
    [
        (
            'kind = "single_choice"\n  text = "Should all corporate',
            'kind = "multiple"\n  text = "Should all corporate',
            "q9",
            "kind 'multiple' is not one of",
        ),
        (
            'options = ["Yes", "No", "Don\'t know"]\n\n  [[sections.questions]]\n  id = "q9"',
            'options = []\n\n  [[sections.questions]]\n  id = "q9"',
            "q8",
            "'options' is empty",
        ),
        ('id = "q13"\n  number = 13', 'id = "q13"\n  number = 31', "q13", "does not match number"),
        (
            'any_of = ["Yes"] }\n\n  [[sections.questions]]\n  id = "q15"',
            'any_of = ["Maybe"] }\n\n  [[sections.questions]]\n  id = "q15"',
            "q14",
            "'Maybe', which is not an option of q13",
        ),
        ('shown_if = { question = "q13"', 'shown_if = { question = "q19"', "q14", "which comes after it"),
        (
            'options = ["Yes", "No", "Don\'t know"]\n\n  [[sections.questions]]\n  id = "q9"',
            'options = ["Yes", "N\u03bf", "Don\'t know"]\n\n  [[sections.questions]]\n  id = "q9"',
            "q8",
            "mixes Greek and Latin",
        ),
        (
            'options = ["Yes", "No", "Don\'t know"]\n\n  [[sections.questions]]\n  id = "q9"',
            'options = ["Yes", "Yes"]\n\n  [[sections.questions]]\n  id = "q9"',
            "q8",
            "same entry twice",
        ),
        (
            'text = "Any other comments?"',
            'text = "Any other comments?"\n  options = ["a"]',
            "q21",
            "free-text question cannot have options",
        ),
        ('text = "Any other comments?"', 'txet = "Any other comments?"', "q21", "unknown field 'txet'"),
        ('id = "q21"', 'id = "question21"', None, "not of the form q1"),
    ],
)
def test_faults_are_named(tmp_path: Path, old: str, new: str, question: str | None, fault: str) -> None:
    path = broken(tmp_path, old, new)
    with pytest.raises(QuestionnaireError) as caught:
        load(path)
    assert str(caught.value).startswith(f"{path}:")
    [message] = [f.located(path) for f in caught.value.faults if fault in f.fault]
    assert message.startswith(f"{path}:")
    if question:
        assert f"question {question}:" in message


def test_missing_question_in_the_numbering(tmp_path: Path) -> None:
    start = GOOD.index('  [[sections.questions]]\n  id = "q12"')
    end = GOOD.index("[[sections]]", start)
    path = tmp_path / "gap.toml"
    path.write_text(
        GOOD[:start] + '  [[sections.questions]]\n  id = "q99"\n  number = 99\n  kind = "free_text"\n'
        '  text = "x"\n\n' + GOOD[end:],
        encoding="utf-8",
    )
    with pytest.raises(QuestionnaireError, match=re.escape("question q99: questions must be numbered")):
        load(path)


def test_invalid_toml_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("slug = ", encoding="utf-8")
    with pytest.raises(QuestionnaireError, match=r"bad\.toml: not valid TOML"):
        load(bad)
    with pytest.raises(QuestionnaireError, match="file not found"):
        load(tmp_path / "absent.toml")
