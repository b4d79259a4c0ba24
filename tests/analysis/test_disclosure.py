"""Suppression: cases built to be re-identifiable if suppression were wrong, checked by an attacker's LP."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.counts import NOT_ANSWERED, count_responses
from analysis.disclosure import protect_question
from analysis.loading import load_export
from tests.analysis.builders import QUESTIONNAIRE, response, write_export
from tests.analysis.disclosure_audit import feasible_ranges, recovered_cells


def test_one_small_cell_in_a_row_gets_a_complement():
    overall = np.array([40, 35, 3])  # "3" alone hidden would be 78 - 40 - 35
    top, _ = protect_question(overall, [], 10)
    assert top.tolist() == [False, True, True]
    assert recovered_cells(overall, top, [], []) == []


def test_hidden_zeros_need_a_positive_partner():
    overall = np.array([50, 0, 0, 30])  # two hidden zeros alone would add to 80 - 80 = 0
    top, _ = protect_question(overall, [], 10)
    assert top.tolist() == [False, True, True, True]  # 30 is the smallest positive partner
    assert recovered_cells(overall, top, [], []) == []


def test_crosstab_single_small_cell_is_protected_in_row_and_column():
    table = np.array([[20, 20, 1], [30, 25, 15], [25, 12, 14]])
    overall = table.sum(axis=0)  # 75, 57, 30: all published
    top, (mask,) = protect_question(overall, [table], 10)
    assert not top.any()
    assert mask[0, 2] and mask[0].sum() >= 2 and mask[:, 2].sum() >= 2
    assert recovered_cells(overall, top, [table], [mask]) == []


def test_small_segment_in_one_breakdown_is_not_recoverable_through_another():
    # Region A has one "No"; roles split the same people differently. Overall is published.
    region = np.array([[30, 1, 12], [25, 20, 11]])
    role = np.array([[40, 11, 10], [15, 10, 13]])
    overall = region.sum(axis=0)
    assert (role.sum(axis=0) == overall).all()
    top, masks = protect_question(overall, [region, role], 10)
    assert masks[0][0, 1]
    assert recovered_cells(overall, top, [region, role], masks) == []


@pytest.mark.parametrize("seed", range(4))
def test_random_tables_leave_no_small_cell_recoverable(seed):
    rng = np.random.default_rng(seed)
    for _ in range(15):
        n, k = int(rng.integers(5, 90)), int(rng.integers(3, 5))
        answers = rng.choice(k, n, p=rng.dirichlet(np.ones(k) * 0.7))
        tables = []
        for segments in rng.integers(2, 6, size=int(rng.integers(1, 4))):
            who = rng.choice(segments, n, p=rng.dirichlet(np.ones(segments) * 0.7))
            table = np.zeros((segments, k), dtype=int)
            np.add.at(table, (who, answers), 1)
            tables.append(table)
        overall = np.bincount(answers, minlength=k)
        zeros = bool(rng.integers(0, 2))
        top, masks = protect_question(overall, tables, 10, suppress_zeros=zeros)
        for t, m in zip(tables, masks, strict=True):
            small = (t < 10) & ((t > 0) | zeros)
            assert m[small].all()  # primary suppression is complete
        if (overall > 0).sum() < 2:
            continue  # everyone gave the same answer: each segment's count is its published total
        for name, least, greatest, value in feasible_ranges(overall, top, tables, masks):
            key = eval(name)  # ("all", j) or (table, i, j)
            if value >= 10:
                continue  # a complementary cell: publishable anyway
            if key[0] != "all" and tables[key[0]][key[1]].sum() == 0:
                continue  # a segment where nobody answered: its zeros are no secret
            if key[0] != "all" and overall[key[2]] == 0 and not top[key[2]]:
                continue  # an option nobody chose, published as 0 (show-zeros)
            assert greatest - least >= 1, (name, least, greatest, value, overall, tables, masks)


def published_system(result, question_id):
    """What an attacker sees: the published tidy table, turned back into arrays."""
    t = result.table[result.table["question_id"] == question_id]
    options = [o for o in dict.fromkeys(t["option"]) if o != NOT_ANSWERED]

    def grid(segment_by):
        part = t[t["segment_by"] == segment_by]
        segments = list(dict.fromkeys(part["segment"]))
        counts = np.zeros((len(segments), len(options)), dtype=int)
        hidden = np.zeros_like(counts, dtype=bool)
        answered = np.zeros(len(segments), dtype=int)
        for i, segment in enumerate(segments):
            rows = part[part["segment"] == segment].set_index("option")
            answered[i] = int(rows.loc[NOT_ANSWERED, "base"]) - int(rows.loc[NOT_ANSWERED, "count"])
            for j, option in enumerate(options):
                hidden[i, j] = bool(rows.loc[option, "suppressed"])
                counts[i, j] = 0 if hidden[i, j] else int(rows.loc[option, "count"])
        return counts, hidden, answered

    return grid, options


def test_published_table_reveals_no_suppressed_count(tmp_path):
    # 61 respondents: one Leader in Wales answered "No" to q8; everyone else is in big groups.
    rows, n = [], 0
    for role, region, answer, times in [
        ("Leader", "Wales", "No", 1),
        ("Leader", "North East", "Yes", 20),
        ("Leader", "North East", "No", 12),
        ("Chief executive", "North East", "Yes", 15),
        ("Chief executive", "Wales", "Don't know", 13),
    ]:
        for _ in range(times):
            n += 1
            rows.append(response(n, role=role, region=region, q8=answer))
    loaded = load_export(write_export(tmp_path / "e.csv", rows), QUESTIONNAIRE)
    result = count_responses(loaded, by=["role", "region"])
    detail = result.detail
    lone = detail[(detail.question_id == "q8") & (detail.segment == "Wales") & (detail.option == "No")]
    assert lone["suppressed"].all() and lone["count"].tolist() == [1]

    grid, options = published_system(result, "q8")
    _, overall_hidden, _ = grid("all")
    truth = {
        b: detail[(detail.question_id == "q8") & (detail.segment_by == b) & detail.is_option]["count"]
        .to_numpy()
        .reshape(-1, len(options))
        for b in ("all", "role", "region")
    }
    tables, masks = [], []
    for b in ("role", "region"):
        counts, hidden, answered = grid(b)
        assert (answered == truth[b].sum(axis=1)).all()  # row totals an attacker can read
        tables.append(truth[b])  # true values, used only to report what was recovered
        masks.append(hidden)
        assert (counts[~hidden] == truth[b][~hidden]).all()
    for name, least, greatest, value in feasible_ranges(truth["all"][0], overall_hidden[0], tables, masks):
        key = eval(name)
        if key[0] != "all" and tables[key[0]][key[1]].sum() == 0:
            continue  # a role or region with no respondents: its zeros are no secret
        assert greatest - least >= 1, (name, value)
    # and the percentages shown in Wales's row do not give its small cell away
    wales = result.table[(result.table.question_id == "q8") & (result.table.segment == "Wales")]
    assert wales[wales.option == "No"]["percent"].isna().all()
