"""Comparing a group with everyone else: tested, corrected for the number of comparisons, safe to say."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy.stats import chi2_contingency

from analysis.errors import AnalysisError
from analysis.findings import compare_groups


def _frame(*rows: tuple) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["name", "group_count", "group_base", "overall_count", "overall_base"])
    for column in frame.columns[1:]:
        frame[column] = frame[column].astype("Int64")
    return frame


def test_a_large_difference_is_reported_with_the_others_figures() -> None:
    # 189 of 270 leaders against 192 of the 641 others: 70 against 30 per cent.
    out = compare_groups(_frame(("leaders", 189, 270, 381, 911)), threshold=10).iloc[0]
    assert (out["others_count"], out["others_base"]) == (192, 641)
    assert out["tested"] and out["reported"] and out["direction"] == "more"
    assert math.isclose(out["difference"], 100 * (189 / 270 - 192 / 641))
    # The same p-value by another road: chi-square on the 2 × 2 table, no continuity correction.
    expected = chi2_contingency([[189, 81], [192, 449]], correction=False)[1]
    assert math.isclose(out["p_value"], expected, rel_tol=1e-6)


def test_the_correction_counts_every_comparison() -> None:
    # 55 of 200 against 35 of 200: 27.5 against 17.5 per cent, p ≈ 0.02 on its own.
    one = _frame(("a", 55, 200, 90, 400))
    alone = compare_groups(one, threshold=10).iloc[0]
    assert 0.01 < alone["p_value"] < 0.05 and alone["reported"]
    # Among 60 comparisons (the rest showing nothing), Holm's correction no longer passes it.
    many = pd.concat([one, *[_frame((f"n{i}", 50, 200, 100, 400)) for i in range(59)]], ignore_index=True)
    out = compare_groups(many, threshold=10)
    assert out.loc[0, "p_value"] == alone["p_value"] and out.loc[0, "p_adjusted"] > 0.05
    assert not out["reported"].any()
    # Benjamini–Hochberg is offered too, and never stricter than Holm.
    bh = compare_groups(many, threshold=10, correction="fdr_bh")
    assert (bh["p_adjusted"] <= out["p_adjusted"] + 1e-12).all()


def test_small_but_significant_differences_are_not_reported() -> None:
    # 520 of 1000 against 440 of 1000: 8 points, highly significant, below the 10 points.
    out = compare_groups(_frame(("big", 520, 1000, 960, 2000)), threshold=10).iloc[0]
    assert out["significant"] and not out["reported"]


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (("hidden", None, 200, 100, 500), "a figure is not published"),
        (("few", 10, 20, 100, 500), "fewer than 30 in the group answered"),
        (("rest", 100, 480, 110, 500), "fewer than 30 others answered"),
        # The others would be 5 of 300 who said it: a figure about 5 people no table shows.
        (("small others", 150, 200, 155, 500), "it would show a figure from 1 to 9"),
        # 195 of 200: the 5 in the group who did not.
        (("small rest", 195, 200, 300, 500), "it would show a figure from 1 to 9"),
        (("none", 0, 200, 0, 500), "everyone or no one gave this answer"),
    ],
)
def test_comparisons_not_made_say_why(row: tuple, reason: str) -> None:
    out = compare_groups(_frame(row, ("leaders", 189, 270, 381, 911)), threshold=10)
    assert out.loc[0, "not_tested"] == reason and not out.loc[0, "tested"] and not out.loc[0, "reported"]
    assert pd.isna(out.loc[0, "others_count"]) and math.isnan(out.loc[0, "p_value"])
    assert out.loc[1, "tested"] and out.loc[0, "name"] == row[0]  # rows kept, in order


def test_bad_input_is_an_analysis_error() -> None:
    with pytest.raises(AnalysisError, match="correction"):
        compare_groups(_frame(("a", 1, 2, 3, 4)), threshold=10, correction="bonferroni-ish")
    with pytest.raises(AnalysisError, match="overall_base"):
        compare_groups(_frame(("a", 1, 2, 3, 4)).drop(columns="overall_base"), threshold=10)
    with pytest.raises(AnalysisError, match="do not belong together"):
        compare_groups(_frame(("a", 50, 100, 40, 500)), threshold=10)


def test_the_report_compares_only_published_figures(tmp_path) -> None:
    """`comparisons` takes the family's published cells: where a count is hidden, it is missing."""
    from analysis.board_report.group_findings import comparisons
    from analysis.counts.counting import OTHER_SEGMENT, count_responses
    from analysis.loading import load_export
    from tests.analysis.builders import QUESTIONNAIRE, write_export
    from tests.analysis.realistic import realistic_rows

    loaded = load_export(write_export(tmp_path / "e.csv", realistic_rows(600)), QUESTIONNAIRE)
    counts = count_responses(loaded, by=("role",), threshold=10)
    frame = comparisons(counts)
    table = counts.table.set_index(["question_id", "segment_by", "segment", "option"])
    keys = list(
        zip(frame["question_id"], frame["segment_by"], frame["segment"], frame["option"], strict=True)
    )
    assert frame["group_count"].isna().to_numpy().tolist() == table.loc[keys, "count"].isna().tolist()
    assert frame["group_count"].isna().any(), "the export should have hidden cells"
    assert not frame["segment"].isin([*OTHER_SEGMENT.values(), "Not stated"]).any()
