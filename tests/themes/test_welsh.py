"""Answers in Welsh are told from English ones and set apart, never themed with them as noise."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.themes import theme_answers
from analysis.themes.welsh import WELSH_LABEL, is_welsh, welsh_stop_words
from questions import load_questionnaire

WELSH_ANSWERS = [
    "Mae angen mwy o arian ar gynghorau i wneud hyn yn iawn.",
    "Dylai'r LGA gefnogi cynghorau bach yn well.",
    "Cytuno'n llwyr gyda'r egwyddorion.",
    "Rwy'n credu bod craffu lleol yn hanfodol.",
    "Byddai adolygiad gan gymheiriaid bob pedair blynedd yn ddefnyddiol iawn i ni.",
    "Nid oes angen arolygiaeth newydd.",
    "Gormod o fiwrocratiaeth a dim digon o adnoddau.",
    "Diolch am y cyfle i ymateb.",
    "Rydym yn mynd â'r gwastraff i'r ganolfan ailgylchu.",
    "Ddim yn gwybod",
    "Dim sylw",
]
ENGLISH_ANSWERS = [
    "More funding is needed for councils to do this properly.",
    "Agree completely with the principles.",
    "No comment",
    "Odd question.",
    "Yes",
    "Peer challenge every four years would be very useful for us in Llanelli.",
    "Rhondda Cynon Taf and Caerphilly already work together on this.",
    "We in Ynys Môn think the WLGA should lead in Wales.",
    "Cymdeithas Llywodraeth Leol Cymru does this already.",
    "We take it to the tip at Llandudno Junction",
    "Always address the middle ground; swayed by politics, add ladders",
    "AI should be used to analyse the data, as well as LG Inform",
]


@pytest.mark.parametrize("text", WELSH_ANSWERS)
def test_welsh_answers_are_detected(text: str) -> None:
    assert is_welsh(text)


@pytest.mark.parametrize("text", ENGLISH_ANSWERS)
def test_english_answers_with_welsh_names_stay_english(text: str) -> None:
    assert not is_welsh(text)


def test_the_questionnaires_own_texts_are_told_apart() -> None:
    english = load_questionnaire("taking-stock")
    welsh = english.in_language("cy")
    assert all(is_welsh(q.text) for q in welsh.questions)
    assert not any(is_welsh(q.text) for q in english.questions)
    assert all(
        is_welsh(s.summary) and not is_welsh(e.summary)
        for s, e in zip(welsh.sections, english.sections, strict=True)
    )


def test_the_stop_word_list_is_package_data_with_its_source() -> None:
    from importlib.resources import files

    text = files("analysis").joinpath("data/welsh_stop_words.txt").read_text(encoding="utf-8")
    assert "Source:" in text and "techiaith/ataleiriau" in text
    stops = welsh_stop_words()
    assert {"yn", "mae", "ddim", "gyda", "hynny"} <= stops and len(stops) > 300
    assert not any(w.startswith("#") or w != w.strip() for w in stops)


ENGLISH_THEMED = [
    "More funding is needed for councils",
    "Councils need more funding now",
    "Funding is far too low for councils",
    "Scrutiny committees need training",
    "Training for scrutiny members please",
    "Better training for scrutiny",
]


def frame(rows: list[tuple[str, str, str]], status: str = "submitted") -> pd.DataFrame:
    return pd.DataFrame(
        [(rid, qid, text, status) for rid, qid, text in rows],
        columns=["response_id", "question_id", "text", "status"],
    )


def test_welsh_answers_are_set_apart_and_counted_in_the_base() -> None:
    rows = [(f"e{i}", "q3", t) for i, t in enumerate(ENGLISH_THEMED)]
    in_welsh = [*WELSH_ANSWERS[:3], "Does dim digon o arian gan y cyngor sir."]
    rows += [(f"w{i}", "q3", t) for i, t in enumerate(in_welsh)]
    rows += [("w-none", "q3", "Dim sylw"), ("q4-only", "q4", WELSH_ANSWERS[5])]
    answers = pd.concat([frame(rows), frame([("w-draft", "q3", WELSH_ANSWERS[6])], "draft")])
    report = theme_answers(answers)

    q3 = report.questions.set_index("question_id").loc["q3"]
    assert (q3["answers"], q3["no_answer"], q3["drafts"], q3["base"], q3["welsh"]) == (12, 1, 1, 10, 4)
    themes = report.themes.set_index("theme_id")
    welsh = themes.loc["q3-cy"]
    assert welsh["label"] == WELSH_LABEL and welsh["count"] == 4 and welsh["share"] == 0.4
    assert welsh["terms"] == ["arian"]  # used in two answers; "yn", "mae", "digon" … are stop words
    assert welsh["quotes"] and all(is_welsh(q) for q in welsh["quotes"])
    # Shares are of the whole base, Welsh answers included.
    english = themes[themes.index.str.startswith("q3-t")]
    assert (english["share"] == (english["count"] / 10).round(4)).all()
    # No Welsh answer is in an English theme; every one is in the Welsh group.
    assigned = report.assignments.set_index("response_id")["theme_id"]
    assert set(assigned[[f"w{i}" for i in range(4)]]) == {"q3-cy"}
    assert set(assigned[[f"e{i}" for i in range(6)]]) <= set(english.index) | {"q3-other"}
    assert set(report.excluded["response_id"]) >= {"w-none", "w-draft"}
    # A question answered only in Welsh has just its Welsh group.
    assert themes.loc["q4-cy", "count"] == 1 and themes.loc["q4-cy", "share"] == 1.0
    assert report.notes and "Answers in Welsh" in report.notes[0]


def test_english_only_answers_are_themed_as_before() -> None:
    report = theme_answers(frame([(f"e{i}", "q3", t) for i, t in enumerate(ENGLISH_THEMED)]))
    assert report.notes == [] and report.questions["welsh"].tolist() == [0]
    assert not report.themes["theme_id"].str.endswith("-cy").any()
