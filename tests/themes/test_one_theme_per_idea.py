"""One theme per idea, named by the words its answers use: campaigns, duplicates, labels,
placeholders, on a campaign-heavy set made at test time (both engines where installed)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from analysis.stored_answers import says_something
from analysis.themes import ThemeOptions, theme_answers
from analysis.themes.clustering import Clusters
from analysis.themes.coherence import _move_to_words, coherent_themes, label_word_ok
from analysis.themes.engines import semantic_available
from analysis.themes.evaluation import coverage_summary, label_coverage, label_words
from analysis.themes.text import STOP_WORDS, stem, words
from tests.themes.campaign_set import SIZES, campaign_heavy_answers

ENGINES = ["core", *(["semantic"] if semantic_available() else [])]


@pytest.fixture(scope="module", params=ENGINES)
def themed(request: pytest.FixtureRequest) -> tuple[pd.DataFrame, dict[str, str], object]:
    answers, campaign_of = campaign_heavy_answers()
    return answers, campaign_of, theme_answers(answers, ThemeOptions(engine=request.param))


def _members(report: object) -> dict[str, set[str]]:
    assignments = report.assignments
    themes = assignments[~assignments["theme_id"].str.endswith("-other")]
    return {t: set(g["response_id"]) for t, g in themes.groupby("theme_id")}


def test_each_campaign_is_one_theme_with_its_size(themed: tuple) -> None:
    _, campaign_of, report = themed
    primary = report.assignments[report.assignments["primary"]].set_index("response_id")["theme_id"]
    themes = report.themes.set_index("theme_id")
    for name, size in SIZES.items():
        ids = [r for r, c in campaign_of.items() if c == name]
        theme_ids = set(primary[ids])
        assert len(theme_ids) == 1, (name, theme_ids)  # never split over themes
        theme = themes.loc[theme_ids.pop()]
        assert theme["campaign_size"] == size
        assert theme["count"] >= size
    found = report.campaigns.sort_values("size", ascending=False).head(3)
    assert sorted(found["size"]) == sorted(SIZES.values())
    assert set(found["theme_id"]) <= set(themes.index)


# Short answers about something else, each sharing a word or none with a campaign: the core
# engine puts most of them in a campaign's theme, the nearest it has.
STRAYS = [
    "The bandages cut into her leg",
    "Nice local hospital",
    "I cannot think of anything",
    "Stop the alarms at night",
    "More comfy chairs",
    "Older lift needs fixing",
    "Young doctor was kind",
    "Open the windows please",
    "Safe and clean ward",
]


def test_a_campaign_theme_quotes_only_answers_saying_what_it_says() -> None:
    # Beside the campaign's own text, a quote must use two words of the theme's label: not an
    # answer that joined the theme only by being nearer the campaign than any other theme.
    answers, campaign_of = campaign_heavy_answers(organic=200)
    ids = [f"s{i}" for i in range(len(STRAYS))]
    strays = pd.DataFrame({"response_id": ids, "question_id": "q3", "text": STRAYS})
    report = theme_answers(pd.concat([answers, strays], ignore_index=True), ThemeOptions(engine="core"))
    campaign_texts = set(answers.loc[answers["response_id"].isin(campaign_of), "text"])
    campaign_themes = report.themes[report.themes["campaign_size"] * 2 >= report.themes["count"]]
    assert len(campaign_themes) == len(SIZES)
    joined = report.assignments.merge(campaign_themes[["theme_id"]])["response_id"]
    assert joined.isin(strays["response_id"]).sum() >= 3  # the case this test is about
    for theme in campaign_themes.itertuples():
        label = {stem(w) for w in words(theme.label) if w not in STOP_WORDS}
        for quote in theme.quotes:
            used = label & {stem(w) for w in words(quote)}
            assert quote in campaign_texts or len(used) >= min(2, len(label)), (theme.label, quote)


def test_no_two_themes_share_half_their_answers(themed: tuple) -> None:
    _, _, report = themed
    members = _members(report)
    for a, b in itertools.combinations(members, 2):
        shared = len(members[a] & members[b])
        assert shared <= 0.5 * min(len(members[a]), len(members[b])), (a, b, shared)
    terms = {t.theme_id: set(t.terms[:6]) for t in report.themes.itertuples() if t.terms}
    for a, b in itertools.combinations(terms, 2):
        assert len(terms[a] & terms[b]) <= 3, (a, b)
    # A secondary theme is never the answer's primary theme, and never listed twice.
    rows = report.assignments
    assert not rows.duplicated(["response_id", "question_id", "theme_id"]).any()
    assert rows.groupby("response_id")["primary"].sum().eq(1).all()


def test_labels_are_words_most_answers_use(themed: tuple) -> None:
    answers, _, report = themed
    coverage = label_coverage(report.themes, report.assignments, answers)
    summary = coverage_summary(coverage)
    assert summary["themes"] >= 5
    assert summary["half_or_more"] >= 0.9 * summary["themes"] and summary["under_quarter"] == 0, coverage
    labels = report.themes.loc[~report.themes["theme_id"].str.endswith("-other"), "label"]
    assert labels.is_unique
    for label in labels:
        assert label_words(label), label
        assert "Auckland" not in label and "Bishop" not in label  # a place name is never a label


def test_placeholders_are_never_a_theme(themed: tuple) -> None:
    answers, _, report = themed
    placeholders = answers[~answers["text"].map(says_something)]
    assert len(placeholders) == 6
    assert set(placeholders["response_id"]) == set(report.excluded["response_id"])
    assert not set(placeholders["response_id"]) & set(report.assignments["response_id"])


@pytest.mark.parametrize(
    ("word", "ok"),
    [
        ("auckland", False),
        ("xxxx", False),
        ("nhs", True),
        ("staff", True),
        ("not", False),
        ("the", False),
        ("no", True),  # a bare "No" says "nothing to improve": a theme of them is "No complaints"
    ],
)
def test_label_words_leave_out_names_masks_and_stop_words(word: str, ok: bool) -> None:
    casing = {"auckland": "Auckland", "nhs": "NHS"}
    assert label_word_ok(word, casing) is ok


def test_answers_fitting_no_theme_go_to_other() -> None:
    places = ["car park", "hospital", "clinic", "surgery", "ward", "centre"]
    costs = ["too expensive", "far too dear", "a rip off", "costly", "overpriced"]
    texts = [f"Parking at the {p} is {c}" for p in places for c in costs]
    staff = ["nurses", "doctors", "porters", "receptionists", "carers", "midwives"]
    kinds = ["kind and caring", "caring and patient", "kind to me", "gentle and kind", "caring"]
    texts += [f"The {s} were {k}" for s in staff for k in kinds]
    texts += ["Quixotic zebras", "Mauve umbrella yesterday", "Bicycle tyres elsewhere"]
    answers = pd.DataFrame(
        {"response_id": [f"r{i}" for i in range(len(texts))], "question_id": "q1", "text": texts}
    )
    report = theme_answers(answers, ThemeOptions(engine="core", min_themes=2, max_themes=4))
    primary = report.assignments[report.assignments["primary"]].set_index("response_id")["theme_id"]
    assert set(primary[["r60", "r61", "r62"]]) == {"q1-other"}
    labels = set(report.themes["label"])
    assert any("arking" in label for label in labels) and any(
        "urses" in label or "kind" in label.lower() for label in labels
    )


def test_answers_leave_a_well_named_theme_only_when_its_words_are_in_under_half() -> None:
    # Theme 0: four answers, three use its words; theme 1: four answers, one uses its words.
    # Answers 3 and 7 use neither theme's own words but do use the other theme's.
    primary = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    similarity = np.full((8, 2), 0.5)
    uses = np.array([[1, 0], [1, 0], [1, 0], [0, 1], [0, 1], [0, 0], [0, 0], [1, 0]], dtype=bool)
    moved = _move_to_words(primary, similarity, uses, np.ones(8))
    assert moved[3] == 0  # its theme's words are in 3 of 4 answers: it stays where grouping put it
    assert moved[7] == 0  # its theme's words are in 1 of 4: it goes to the theme whose words it uses
    assert list(moved[[5, 6]]) == [1, 1]  # no theme's words: left for the let-go rule


def test_themes_of_answers_saying_only_nothing_are_one_idea() -> None:
    # Three groups a grouping might make: "Nothing", "None"/"No", and parking. The first two
    # say the same thing in different words; parking is another idea.
    texts = [{"nothing"}] * 6 + [{"none"}] * 3 + [{"no"}] * 3 + [{"parking", "cost"}] * 6
    primary = np.repeat([0, 1, 2], 6)
    similarity = np.full((18, 3), 0.1)
    similarity[np.arange(18), primary] = 0.9
    clusters = Clusters(primary, similarity, similarity > 0.5)
    words = [frozenset(t) for t in texts]
    coherent = coherent_themes(clusters, words, np.ones(18), {w: w for t in texts for w in t})
    found = coherent.clusters.primary
    assert len(set(found[:12])) == 1 and found[0] != found[12]
    assert coherent.clusters.k == 2
