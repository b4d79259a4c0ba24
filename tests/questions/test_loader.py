"""A malformed questionnaire fails to load; every fault is named with its file, line and question."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from questions import QUESTIONS_DIR, QuestionnaireError, load, read

GOOD = (QUESTIONS_DIR / "taking-stock.toml").read_text(encoding="utf-8")


def edited(text: str, old: str, new: str, within: str | None) -> str:
    """`text` with `old` replaced by `new` once, inside question `within`'s table if given."""
    start, end = 0, len(text)
    if within:
        start = text.index(f'  id = "{within}"\n')
        end = text.find("[[", start)
        end = len(text) if end < 0 else end
    block = text[start:end]
    assert old in block, (within, old)
    return text[:start] + block.replace(old, new, 1) + text[end:]


def line_of(text: str, marker: str, within: str | None = None) -> int:
    start = text.find(f'  id = "{within}"\n') if within else 0
    return text[: text.index(marker, max(start, 0))].count("\n") + 1


CASES = [
    # (question edited (None: anywhere), old, new, question named, fault, text on the fault's line)
    (
        "q9",
        'kind = "single_choice"',
        'kind = "multiple"',
        "q9",
        "kind 'multiple' is not one of",
        '"multiple"',
    ),
    ("q8", "options = [", "options = [] #", "q8", "'options' is empty", "options = []"),
    ("q13", "number = 13", "number = 31", "q13", "does not match number", "number = 31"),
    (
        "q14",
        'any_of = ["Yes"]',
        'any_of = ["Maybe"]',
        "q14",
        "'Maybe', which is not an option of q13",
        "Maybe",
    ),
    ("q14", 'question = "q13"', 'question = "q19"', "q14", "refers to q19, which comes after it", "q19"),
    ("q14", 'question = "q13"', 'question = "q99"', "q14", "'q99', which is not a question", "q99"),
    (
        "q4",
        "text = ",
        'shown_if = { question = "q3", any_of = ["x"] }\n  text = ',
        "q4",
        "refers to free-text question q3",
        '"q3"',
    ),
    (
        "q7",
        "text = ",
        'shown_if = { question = "q1", any_of = ["Don\'t know"] }\n  text = ',
        "q7",
        "refers to q1 in another section",
        'question = "q1"',
    ),
    ("q8", '"No", "Don', '"N\u03bf", "Don', "q8", "mixes Greek and Latin", "N\u03bf"),
    ("q8", '"No", "Don', '"Yes", "Don', "q8", "same entry twice", '"Yes", "Yes"'),
    (
        "q21",
        'text = "Any other comments?"',
        'text = "Any other comments?"\n  options = ["a"]',
        "q21",
        "free-text question cannot have options",
        'options = ["a"]',
    ),
    (
        "q21",
        'text = "Any other comments?"',
        'txet = "Any other comments?"',
        "q21",
        "unknown field 'txet'",
        "txet",
    ),
    ("q21", 'id = "q21"', 'id = "question21"', None, "not of the form q1", "question21"),
    (
        None,
        'id = "support"',
        'id = "principles"',
        None,
        "'principles' is malformed or used twice",
        'id = "principles"\ntitle = "Improvement support"',
    ),
    # Translations: same shape as the English, each text given once and not empty.
    ("q9", '    "Ddim yn gwybod",\n', "", "q9", "'options_cy' has 3 entries; 'options' has 4", "options_cy"),
    (
        "q21",
        'text_cy = "Unrhyw sylwadau eraill?"',
        'text_cy = " "',
        "q21",
        "'text_cy' is empty",
        'text_cy = " "',
    ),
    (
        "q21",
        "draft_cy = true",
        'hint_cy = "Dim"',
        "q21",
        "'hint_cy' translates 'hint', which is not given",
        "hint_cy",
    ),
    ("q21", "draft_cy = true", 'draft_cy = "yes"', "q21", "'draft_cy' must be true or false", '"yes"'),
    ("q21", "text_cy", "text_fr", "q21", "unknown field 'text_fr'", "text_fr"),
    (None, '  "Cymru",\n', "", None, "'regions_cy' has 10 entries; 'regions' has 11", "regions_cy"),
    (None, 'title_cy = "Casgliad"\n', "", None, None, None),  # missing Welsh is no fault
]


@pytest.mark.parametrize(("within", "old", "new", "question", "fault", "marker"), CASES)
def test_faults_are_named_with_their_line(
    tmp_path: Path,
    within: str | None,
    old: str,
    new: str,
    question: str | None,
    fault: str | None,
    marker: str | None,
) -> None:
    text = edited(GOOD, old, new, within)
    path = tmp_path / "broken.toml"
    path.write_text(text, encoding="utf-8")
    if fault is None:
        assert load(path).translation_status("cy") == "missing"
        return
    with pytest.raises(QuestionnaireError) as caught:
        load(path)
    assert str(caught.value).startswith(f"{path}:")
    [found] = [f for f in caught.value.faults if fault in f.fault]
    assert found.line == line_of(text, marker, within)
    assert found.question == question
    expected = f"{path}:{found.line}: " + (f"question {question}: " if question else "")
    assert found.located(path).startswith(expected)


def test_a_cycle_of_conditions_is_named(tmp_path: Path) -> None:
    text = edited(GOOD, "text = ", 'shown_if = { question = "q14", any_of = ["Yes"] }\n  text = ', "q13")
    path = tmp_path / "cycle.toml"
    path.write_text(text, encoding="utf-8")
    faults = read(path).faults
    assert [(f.question, f.fault) for f in faults] == [
        ("q13", "its conditions form a cycle: q13 → q14 → q13"),
        ("q14", "its conditions form a cycle: q14 → q13 → q14"),
    ]
    assert faults[0].line == line_of(text, 'question = "q14"')


def test_every_fault_is_listed_in_file_order(tmp_path: Path) -> None:
    text = edited(GOOD, "number = 13", "number = 31", "q13")
    text = edited(text, 'kind = "single_choice"', 'kind = "multiple"', "q9")
    text = edited(text, 'slug = "taking-stock"', 'slug = "Taking Stock"', None)
    path = tmp_path / "several.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(QuestionnaireError) as caught:
        load(path)
    lines = [f.line for f in caught.value.faults]
    assert lines == sorted(lines) and len(lines) == 3
    assert (
        str(caught.value)
        == f"{path}:{lines[0]}: slug 'Taking Stock' must be lower-case letters, digits and hyphens"
    )


def test_missing_question_in_the_numbering(tmp_path: Path) -> None:
    start = GOOD.index('  [[sections.questions]]\n  id = "q12"')
    end = GOOD.index("[[sections]]", start)
    path = tmp_path / "gap.toml"
    path.write_text(
        GOOD[:start] + '  [[sections.questions]]\n  id = "q99"\n  number = 99\n  kind = "free_text"\n'
        '  text = "x"\n\n' + GOOD[end:],
        encoding="utf-8",
    )
    with pytest.raises(
        QuestionnaireError, match=re.escape("question q99: questions must be numbered")
    ) as caught:
        load(path)
    assert caught.value.line == line_of(path.read_text(encoding="utf-8"), 'id = "q99"')


def test_invalid_toml_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('slug = "x"\ntitle = = 3\n', encoding="utf-8")
    with pytest.raises(QuestionnaireError, match=r"bad\.toml:2: not valid TOML"):
        load(bad)
    bad.write_text('slug = "x"\ntitle = ', encoding="utf-8")
    with pytest.raises(QuestionnaireError, match=r"bad\.toml:2: not valid TOML"):
        load(bad)
    with pytest.raises(QuestionnaireError, match="file not found"):
        load(tmp_path / "absent.toml")
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"slug = '\xff'")
    with pytest.raises(QuestionnaireError, match="not UTF-8 text"):
        load(binary)
