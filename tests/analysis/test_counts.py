"""Counts against hand-computed expectations (see builders.hand_counted_rows)."""

from __future__ import annotations

import math

import pytest

from analysis.counts.counting import NOT_ANSWERED, NOT_STATED, TIDY_COLUMNS, count_responses
from analysis.errors import AnalysisError
from analysis.loading import load_export
from tests.analysis.builders import QUESTIONNAIRE, hand_counted_rows, write_export


@pytest.fixture
def export(tmp_path):
    return write_export(tmp_path / "export.csv", hand_counted_rows())


def rows_for(result, question_id, segment_by="all", segment=None):
    table = result.table
    chosen = table[(table["question_id"] == question_id) & (table["segment_by"] == segment_by)]
    if segment is not None:
        chosen = chosen[chosen["segment"] == segment]
    return {
        r.option: (
            None if r.count is None or str(r.count) == "<NA>" else int(r.count),
            None if str(r.percent) == "<NA>" else float(r.percent),
            None if str(r.base) == "<NA>" else int(r.base),
            bool(r.suppressed),
        )
        for r in chosen.itertuples(index=False)
    }


def unsuppressed(export, **kwargs):
    return count_responses(
        load_export(export, QUESTIONNAIRE, include_drafts=kwargs.pop("drafts", False)),
        suppression=False,
        **kwargs,
    )


def test_tidy_columns_and_only_single_choice_questions(export):
    result = unsuppressed(export)
    assert tuple(result.table.columns) == TIDY_COLUMNS
    assert list(dict.fromkeys(result.table["question_id"])) == [
        "q1",
        "q8",
        "q9",
        "q10",
        "q13",
        "q14",
        "q15",
        "q16",
        "q17",
        "q18",
    ]


def test_q8_overall_counts_percentages_and_not_answered(export):
    q8 = rows_for(unsuppressed(export), "q8")
    # 8 Yes, 2 No, 1 Don't know, 1 asked but not answered; percentages of the 11 who answered.
    assert q8 == {
        "Yes": (8, 72.7, 12, False),
        "No": (2, 18.2, 12, False),
        "Don't know": (1, 9.1, 12, False),
        NOT_ANSWERED: (1, None, 12, False),
    }


def test_q14_base_is_those_asked(export):
    q14 = rows_for(unsuppressed(export), "q14")
    # Asked only if q13 = Yes: responses 1-7 and 12 (8). 5 Yes, 1 No, 2 not answered; % of 6.
    assert q14 == {
        "Yes": (5, 83.3, 8, False),
        "No": (1, 16.7, 8, False),
        "Don't know": (0, 0.0, 8, False),
        NOT_ANSWERED: (2, None, 8, False),
    }


def test_zero_count_options_listed_in_questionnaire_order(export):
    q18 = rows_for(unsuppressed(export), "q18")
    assert list(q18) == [*QUESTIONNAIRE.question("q18").options, NOT_ANSWERED]
    assert [v[0] for v in q18.values()] == [0, 0, 0, 0, 12]
    assert all(v[1] is None for v in q18.values())  # nobody answered: no percentages


def test_crosstab_by_role_has_every_role_and_not_stated(export):
    result = unsuppressed(export, by=["role"])
    segments = list(dict.fromkeys(result.table[result.table["segment_by"] == "role"]["segment"]))
    assert segments == [*QUESTIONNAIRE.profile.roles, NOT_STATED]
    assert rows_for(result, "q14", "role", "Leader") == {
        "Yes": (5, 100.0, 7, False),
        "No": (0, 0.0, 7, False),
        "Don't know": (0, 0.0, 7, False),
        NOT_ANSWERED: (2, None, 7, False),
    }
    ce = rows_for(result, "q14", "role", "Chief executive")
    assert ce == {o: (0, None, 0, False) for o in ["Yes", "No", "Don't know", NOT_ANSWERED]}
    assert rows_for(result, "q8", "role", NOT_STATED)["Don't know"] == (1, 100.0, 1, False)


def test_crosstab_columns_add_up_to_overall(export):
    result = unsuppressed(export, by=["role", "region", "organisation_type", "channel"])
    t = result.table
    overall = t[t["segment_by"] == "all"].set_index(["question_id", "option"])["count"]
    for segment_by in ("role", "region", "organisation_type", "channel"):
        sums = t[t["segment_by"] == segment_by].groupby(["question_id", "option"], sort=False)["count"].sum()
        assert (sums == overall.loc[sums.index]).all(), segment_by


def test_drafts_included_on_request(export):
    q8 = rows_for(unsuppressed(export, drafts=True), "q8")
    assert q8["No"] == (5, 35.7, 15, False)
    q14 = rows_for(unsuppressed(export, drafts=True), "q14")
    assert q14["Yes"] == (8, 88.9, 11, False)


def test_default_threshold_suppresses_everything_small(export):
    result = count_responses(load_export(export, QUESTIONNAIRE))
    table = result.table
    for column in ("count", "base", "answered"):
        shown = table[column].dropna()
        assert ((shown == 0) | (shown >= 10)).all(), column  # nothing from 1 to 9
    q14 = rows_for(result, "q14")  # 8 asked: its zeros say something about 8 people, so hidden too
    assert all(count is None and base is None for count, _, base, _ in q14.values())
    q1 = rows_for(result, "q1")  # 12 asked, nobody answered: zeros of 12 people are published
    assert {o: v[0] for o, v in q1.items()} == {
        **{o: 0 for o in QUESTIONNAIRE.question("q1").options},
        NOT_ANSWERED: 12,
    }
    assert result.for_publication


def test_show_zeros_publishes_zero_counts(export):
    result = count_responses(load_export(export, QUESTIONNAIRE), show_zeros=True)
    q14 = rows_for(result, "q14")
    assert q14["Don't know"] == (0, None, None, False)  # zero shown; base 8 hidden, so no %
    assert q14["Yes"][3] and q14["No"][3]


def test_threshold_one_hides_nothing_but_is_for_publication(export):
    result = count_responses(load_export(export, QUESTIONNAIRE), threshold=1, show_zeros=True)
    assert not result.table["suppressed"].any()
    assert result.for_publication


def test_bad_breakdown_and_threshold_are_errors(export):
    loaded = load_export(export, QUESTIONNAIRE)
    with pytest.raises(AnalysisError, match="cannot break down by 'updated_on'"):
        count_responses(loaded, by=["updated_on"])
    with pytest.raises(AnalysisError, match="threshold"):
        count_responses(loaded, threshold=0)


def test_percentages_sum_to_about_100(export):
    result = unsuppressed(export)
    t = result.table.dropna(subset=["percent"])
    sums = t.groupby("question_id")["percent"].sum()
    assert all(math.isclose(v, 100, abs_tol=0.2) for v in sums)
