"""Theme labels and key terms keep the answers' own capitalisation ("LG Inform", "NHS")."""

from __future__ import annotations

import io
import re
from collections import Counter
from pathlib import Path

import pandas as pd

from analysis.themes import ThemeOptions, theme_answers, write_report
from analysis.themes.describe import key_terms, phrase_labels, word_casing
from analysis.themes.sources import load_free_text


def test_word_casing_takes_the_commonest_written_form() -> None:
    casing = word_casing(
        [
            "We use LG Inform every week and the NHS data.",
            "LG Inform is useful. Our GP surgeries and the NHS agree.",
            "The LGA's offer is good, and GPs say so",
            "Data from lg inform",  # one person's lower case does not outvote the rest
        ]
    )
    assert casing["lg"] == "LG" and casing["inform"] == "Inform"
    assert casing["nhs"] == "NHS" and casing["gp"] == "GP" and casing["gps"] == "GPs"
    assert casing["lga"] == "LGA"  # possessive "'s" dropped, as the tokens drop it
    assert "data" not in casing and "we" not in casing  # lower case is not listed


def test_sentence_starts_shouting_and_lower_case_typing_are_not_evidence() -> None:
    casing = word_casing(
        [
            "Funding is short. Funding matters: Peer challenge helps",
            "PLEASE STOP CUTTING FUNDING FOR PEER CHALLENGE NOW",
            "funding and peer challenge, all typed in lower case",
            "More funding for Ofsted work",
        ]
    )
    assert "funding" not in casing and "peer" not in casing and "please" not in casing
    assert casing["ofsted"] == "Ofsted"
    assert word_casing(["The NHS and the nhs."]) == {}  # a tie goes to lower case
    assert word_casing(["Nothing here", "", "n/a"]) == {}


def test_word_casing_is_deterministic_whatever_the_order() -> None:
    texts = ["An NHS trust", "An Nhs trust", "The nhs. And NHS again", "Our Nhs"]
    assert word_casing(texts) == word_casing(list(reversed(texts))) == {"nhs": "NHS"}


def test_phrase_labels_and_key_terms_are_cased() -> None:
    answer = [["data", "through", "lg", "inform"], ["the", "nhs", "does", "not", "listen"]]
    theme = [answer] * 6
    casing = {"lg": "LG", "inform": "Inform", "nhs": "NHS"}
    labels = phrase_labels(theme, {}, ["inform", "lg"], casing=casing)
    assert "LG Inform" in labels and "Data through LG" in labels
    assert "Doesn't listen" in labels  # contractions still shown as people write them
    assert labels[-1] == "Inform, lg"  # the fallback shows the key terms as they were given
    assert phrase_labels(theme, {}, ["Inform", "LG"], casing=casing)[-1] == "Inform, LG"
    stems = Counter({"lg": 6, "inform": 6, "data": 6})
    terms = key_terms(stems, stems + Counter({"data": 40}), 6, 50, {}, casing=casing)
    assert terms[:2] == ["Inform", "LG"] and "data" in terms
    assert key_terms(stems, stems + Counter({"data": 40}), 6, 50, {})[:2] == ["inform", "lg"]


def _health_answers() -> pd.DataFrame:
    texts = []
    for i in range(60):
        texts += [
            f"Waiting times at A&E and for a GP appointment are too long ({i})",
            f"The NHS and social care must work together on discharge {i}",
            f"Peer challenge from the LGA helped our council improve {i}",
        ]
    texts = [t.lower() if i % 5 == 0 else t for i, t in enumerate(texts)]
    return pd.DataFrame(
        {"response_id": [f"r{i:03d}" for i in range(len(texts))], "question_id": "q19", "text": texts}
    )


def test_reports_show_acronyms_as_written() -> None:
    report = theme_answers(_health_answers(), ThemeOptions(min_themes=3, max_themes=3))
    shown = " ".join(report.themes["label"]) + " " + " ".join(t for ts in report.themes["terms"] for t in ts)
    assert re.search(r"\b(NHS|GP|LGA)\b", shown), shown
    assert not re.search(r"\b(nhs|gp|lga)\b", shown), shown
    assert all(label[:1].isupper() for label in report.themes["label"])
    first, second = io.StringIO(), io.StringIO()
    write_report(report, "json", first)
    write_report(theme_answers(_health_answers(), ThemeOptions(min_themes=3, max_themes=3)), "json", second)
    assert first.getvalue() == second.getvalue()


def test_fixture_labels_keep_lg_inform(export_csv: Path) -> None:
    loaded = load_free_text(export_csv)
    report = theme_answers(loaded.answers, ThemeOptions())
    terms = {t for ts in report.themes["terms"] for t in ts}
    assert {"LG", "Inform"} <= terms and not {"lg", "inform"} & terms
    assert not any(re.search(r"\blg\b", label) for label in report.themes["label"])
