"""Theme labels and key terms keep the answers' own capitalisation ("LG Inform", "NHS")."""

from __future__ import annotations

import io
import re
from collections import Counter
from pathlib import Path

import pandas as pd

from analysis.themes import ThemeOptions, theme_answers, write_report
from analysis.themes.describe import key_terms, label_phrase, word_casing
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


def test_capitals_inside_words_are_not_a_spelling() -> None:
    casing = word_casing(
        [
            "AppoIntment tImes would help for plannIng our other vIsIts.",
            "Good to be forewarned of vIsIt.",  # one such word, but "vIsIt" is no spelling
            "I booked it on my iPad",
            "We met McDonald at the LGA",
        ]
    )
    assert "visit" not in casing and "appointment" not in casing and "times" not in casing
    assert casing["ipad"] == "iPad" and casing["mcdonald"] == "McDonald" and casing["lga"] == "LGA"


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


def test_label_phrases_and_key_terms_are_cased() -> None:
    answer = [["data", "through", "lg", "inform"], ["the", "nhs", "does", "not", "listen"]]
    theme = [answer] * 6
    casing = {"lg": "LG", "inform": "Inform", "nhs": "NHS"}
    # The commonest short phrase holding the first two label words, as the answers write it.
    assert label_phrase(["lg", "data"], theme, casing) == "Data through LG"
    assert label_phrase(["nhs", "listen"], theme, casing) == "NHS, listen"  # no short phrase joins them
    assert label_phrase(["listen", "zebra"], theme, casing) == "Not listen, zebra"
    assert label_phrase(["zebra", "giraffe"], theme, casing) == "Zebra, giraffe"  # no phrase: the words
    assert label_phrase([], theme, casing) == ""
    answers_no = [[["no", "not", "really"]], [["no", "not", "really"]], [["no"]], [["no", "not", "really"]]]
    assert label_phrase(["no"], answers_no, {}) == "No"  # never a phrase ending on a bare "not"
    stems = Counter({"lg": 6, "inform": 6, "data": 6})
    terms = key_terms(stems, stems + Counter({"data": 40}), 6, 50, {}, casing=casing)
    assert terms[:2] == ["Inform", "LG"] and "data" in terms
    assert key_terms(stems, stems + Counter({"data": 40}), 6, 50, {})[:2] == ["inform", "lg"]
    assert "Inform" not in key_terms(stems, stems, 6, 50, {}, casing=casing, eligible=lambda w: w != "inform")


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


def test_fixture_labels_keep_acronyms_and_leave_out_names(export_csv: Path) -> None:
    loaded = load_free_text(export_csv)
    report = theme_answers(loaded.answers, ThemeOptions())
    terms = {t for ts in report.themes["terms"] for t in ts}
    assert "LG" in terms and not {"lg", "inform"} & terms
    # "Inform" is written with a capital inside sentences: a name (of a product, here),
    # which is never a key term or label word, like a place or a person.
    assert "Inform" not in terms
    assert not any(re.search(r"\blg\b", label) for label in report.themes["label"])
