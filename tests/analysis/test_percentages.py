"""Percentages from counts: half up, in whole numbers, the same in every output."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis.percentages import percent_text, percent_units, percent_value


def _exact(count: int, base: int, places: int) -> int:
    return math.floor(Fraction(100 * count * 10**places, base) + Fraction(1, 2))


@pytest.mark.parametrize(
    ("count", "base", "places", "text"),
    [
        (131, 270, 1, "48.5"),
        (131, 270, 0, "49"),  # not 48, as rounding 48.5 again, half to even, would give
        (21, 80, 1, "26.3"),  # 26.25: half to even would give 26.2
        (1, 8, 0, "13"),  # 12.5
        (1, 8, 1, "12.5"),
        (3, 8, 0, "38"),  # 37.5
        (0, 5, 1, "0.0"),
        (5, 5, 0, "100"),
        (1, 3, 2, "33.33"),
        (2, 3, 1, "66.7"),
    ],
)
def test_half_up_from_the_counts(count: int, base: int, places: int, text: str) -> None:
    assert percent_text(count, base, places) == text


@given(st.integers(0, 10**7), st.integers(1, 10**7), st.integers(0, 3))
def test_agrees_with_exact_fractions(count: int, base: int, places: int) -> None:
    assert percent_units(count, base, places) == _exact(count, base, places)
    array = percent_units(np.array([count, 0]), np.array([base, 0]), places)
    assert array.tolist() == [_exact(count, base, places), -1]


def test_values_for_data_files_and_bad_input() -> None:
    values = percent_value(np.array([131, 21, 3]), np.array([270, 80, 0]), 1)
    assert values[:2].tolist() == [48.5, 26.3] and math.isnan(values[2])
    for bad in ((1, 0, 0), (-1, 5, 0), (1, 5, -1)):
        with pytest.raises(ValueError):
            percent_units(*bad)


def test_counts_tables_use_the_same_rule(tmp_path) -> None:
    """The tidy table's per cent is the rule's, and the people's table shows it as text."""
    from analysis.counts.counting import count_responses
    from analysis.counts.tables import crosstab_for_people
    from analysis.loading import load_export
    from tests.analysis.builders import QUESTIONNAIRE, response, write_export

    # 131 of 270 said Yes to q8: 48.5 per cent, one place.
    rows = [response(i, q8="Yes" if i < 131 else "No") for i in range(270)]
    result = count_responses(load_export(write_export(tmp_path / "e.csv", rows), QUESTIONNAIRE))
    yes = result.table[(result.table["question_id"] == "q8") & (result.table["option"] == "Yes")].iloc[0]
    assert float(yes["percent"]) == 48.5
    table = crosstab_for_people(result, "q8", "all")
    assert table.loc[0, "Yes"] == "131 (48.5%)" and table.loc[0, "No"] == "139 (51.5%)"
