"""Disclosure control over everything `counts` publishes, checked by an independent attacker's LP."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import analysis.counts.family
from analysis.counts.counting import NOT_ANSWERED, count_responses
from analysis.counts.disclosure import Protection
from analysis.loading import load_database, load_export
from analysis.percentages import percent_value
from tests.analysis.builders import QUESTIONNAIRE, response, write_export
from tests.analysis.disclosure_audit import feasible_ranges, narrowed_cells
from tests.analysis.realistic import realistic_rows, small_skewed_rows


def cross_question_rows() -> list[dict[str, str]]:
    """Two roles; in the small one, q15 "Yes" = 9 and "Don't know" = 4, and q16 is asked of
    q15's "Yes": its base in that role is that 9, published unless protected together."""
    rows = []
    n = 0
    for role, answers in (
        ("Leader", {"Yes": 40, "No": 30, "Don't know": 25}),
        ("National stakeholder", {"Yes": 9, "No": 12, "Don't know": 4}),
    ):
        for answer, count in answers.items():
            for k in range(count):
                n += 1
                q16 = ("Yes", "No")[k % 2] if answer == "Yes" else ""
                rows.append(response(n, role=role, q8="Yes", q13="No", q15=answer, q16=q16))
    return rows


def published_small(result) -> pd.DataFrame:
    """Published figures from 1 to threshold - 1 (counts, bases, numbers answered)."""
    t = result.threshold
    table = result.table
    bad = pd.Series(False, index=table.index)
    for column in ("count", "base", "asked", "answered"):
        values = table[column]
        bad |= values.notna() & (values.fillna(0) > 0) & (values.fillna(0) < t)
    return table[bad]


def assert_safe(result) -> None:
    assert published_small(result).empty, published_small(result)
    assert narrowed_cells(result) == []
    shown = result.table["count"].notna()
    assert (result.table.loc[shown, "count"] == result.detail.loc[shown, "count"]).all()


def test_cross_question_attack_is_closed(tmp_path):
    loaded = load_export(write_export(tmp_path / "e.csv", cross_question_rows()), QUESTIONNAIRE)
    result = count_responses(loaded, by=("role",))
    assert_safe(result)
    q16 = result.table[
        (result.table["question_id"] == "q16") & (result.table["segment"] == "National stakeholder")
    ]
    assert q16["base"].isna().all()  # the base is 9: never published


def test_the_audit_finds_the_cross_question_leak_of_per_table_suppression(tmp_path, monkeypatch):
    """Hiding only the small figures (as a per-table check would accept) leaks: the audit sees it."""
    loaded = load_export(write_export(tmp_path / "e.csv", cross_question_rows()), QUESTIONNAIRE)

    def primary_only(values, equations, primary, *, threshold, **options):
        return Protection(hidden=np.asarray(primary).copy(), primary=np.asarray(primary))

    monkeypatch.setattr(analysis.counts.family, "protect_cells", primary_only)
    result = count_responses(loaded, by=("role",))
    leaked = {name for name, low, high, _ in narrowed_cells(result)}
    assert "('count', 'q15', 'role', 'National stakeholder', 'Yes')" in leaked


def region_rows() -> list[dict[str, str]]:
    """Big regions, a region of 3 (Wales), and regions nobody is in."""
    rows = []
    n = 0
    for region, size in (("South East", 60), ("North West", 45), ("Greater London", 30), ("Wales", 3)):
        for k in range(size):
            n += 1
            rows.append(response(n, region=region, q8=("Yes", "No", "Yes")[k % 3], q13="Yes", q14="Yes"))
    return rows


def check_regions(result) -> None:
    by_region = result.table[result.table["segment_by"] == "region"]
    segments = list(dict.fromkeys(by_region["segment"]))
    assert "Wales" not in segments and "North East" not in segments and "East Midlands" not in segments
    assert "Smaller regions, combined" in segments
    assert result.merged["region"]  # Wales, and the smallest region to make the group big enough
    south_east_yes = by_region[
        (by_region["question_id"] == "q8")
        & (by_region["segment"] == "South East")
        & (by_region["option"] == "Yes")
    ]
    assert south_east_yes["count"].tolist() == [40]
    # a true zero (nobody answered "Don't know") does not force large figures to be hidden
    overall = result.table[(result.table["question_id"] == "q8") & (result.table["segment_by"] == "all")]
    assert overall.set_index("option")["count"].to_dict() == {
        "Yes": 92,
        "No": 46,
        "Don't know": 0,
        NOT_ANSWERED: 0,
    }
    assert_safe(result)


def test_empty_region_and_region_of_three_from_an_export(tmp_path):
    loaded = load_export(write_export(tmp_path / "e.csv", region_rows()), QUESTIONNAIRE)
    check_regions(count_responses(loaded, by=("region", "role")))


def _store(app, rows) -> None:
    from consult.extensions import db
    from consult.models import Answer, Consultation, Response

    with app.app_context():
        consultation = db.session.execute(db.select(Consultation)).scalars().one()
        day = dt.date(2015, 2, 1)
        for row in rows:
            answer_rows = [
                Answer(stage="submitted", question_id=q, value=row[q])
                for q in QUESTIONNAIRE.question_ids
                if row[q]
            ]
            db.session.add(
                Response(
                    consultation_id=consultation.id,
                    public_id=row["response_id"],
                    status="submitted",
                    channel=row["channel"],
                    role=row["role"] or None,
                    organisation_type=row["organisation_type"] or None,
                    region=row["region"] or None,
                    started_on=day,
                    updated_on=day,
                    submitted_on=day,
                    version=1,
                )
            )
            db.session.flush()
            response_id = db.session.execute(
                db.select(Response.id).where(Response.public_id == row["response_id"])
            ).scalar_one()
            for answer in answer_rows:
                answer.response_id = response_id
                db.session.add(answer)
        db.session.commit()


def test_empty_region_region_of_three_and_cross_question_on_the_database(app, database_url):
    """The same cases read from the app's own database, SQLite and PostgreSQL."""
    rows = region_rows()
    extra = cross_question_rows()
    for k, row in enumerate(extra):
        row["response_id"] = f"x{k:04d}"
        row["region"] = "South West"
    _store(app, rows + extra)
    loaded = load_database(database_url)
    result = count_responses(loaded, by=("region", "role"))
    assert_safe(result)
    assert "Wales" not in set(result.table["segment"])
    q16 = result.table[
        (result.table["question_id"] == "q16") & (result.table["segment"] == "National stakeholder")
    ]
    assert q16["base"].isna().all()


@pytest.mark.slow
def test_realistic_export_is_safe_and_hides_little(tmp_path):
    loaded = load_export(write_export(tmp_path / "e.csv", realistic_rows()), QUESTIONNAIRE)
    result = count_responses(loaded, by=("region", "role"))
    assert_safe(result)
    cells = result.detail.attrs["cells"]
    share = cells["large_hidden"] / cells["large"]
    # 11.5% measured (docs/disclosure.md), within the target of 12%: Wales (3 respondents) is
    # protected by suppression, no region of four times the threshold or more being folded to
    # give it company.
    assert share <= 0.12, share
    large = result.detail["count"] >= 10
    counts_share = (result.detail["suppressed"] & large).sum() / large.sum()
    assert counts_share <= 0.10, counts_share  # 9.2% measured; the target is 10%
    overall = result.detail["segment_by"] == "all"
    # The overall row, which every reader and comparison uses, loses one large figure: in q18,
    # where nobody chose "A new inspectorate", Wales's zero for it can only rise with the
    # overall zero, which then needs a second hidden figure in its row.
    assert (result.detail["suppressed"] & overall & large).sum() <= 1
    assert "Wales" not in set(result.table["segment"])
    by_region = result.table[result.table["segment_by"] == "region"]
    assert "National / not applicable" in set(by_region["segment"])  # 72 respondents: never folded


@pytest.mark.slow
def test_small_skewed_export_is_safe_and_hides_less(tmp_path):
    """900 responses, skewed roles and regions, a region of 1 and one of 2, blank roles and
    regions: every figure of 10 or more the suppression hides is counted."""
    loaded = load_export(write_export(tmp_path / "e.csv", small_skewed_rows()), QUESTIONNAIRE)
    result = count_responses(loaded, by=("region", "role"))
    assert_safe(result)
    cells = result.detail.attrs["cells"]
    # 14.9% measured, of which 10.0 points are "answered" figures that must be hidden: from
    # 1 to 9 did not answer beside a published segment size; no pattern can hide fewer than
    # 14.5% under these rules (docs/disclosure.md).
    assert cells["large_hidden"] / cells["large"] <= 0.16
    large = result.detail["count"] >= 10
    counts_share = (result.detail["suppressed"] & large).sum() / large.sum()
    assert counts_share <= 0.10, counts_share  # 7.7% measured


def test_percentages_round_half_up_and_say_what_they_divide_by(tmp_path):
    assert percent_value(np.array([21, 1, 2]), np.array([80, 8, 3])).tolist() == [26.3, 12.5, 66.7]
    rows = [response(n, q8="Yes" if n <= 21 else "No") for n in range(1, 81)]
    rows += [response(80 + n) for n in range(1, 13)]  # 12 asked, no answer
    loaded = load_export(write_export(tmp_path / "e.csv", rows), QUESTIONNAIRE)
    table = count_responses(loaded).table
    yes = table[(table["question_id"] == "q8") & (table["option"] == "Yes")].iloc[0]
    assert (yes["count"], yes["asked"], yes["answered"], yes["percent"], yes["percent_of"]) == (
        21,
        92,
        80,
        26.3,
        "answered",
    )


def test_every_hidden_figure_has_a_wide_range(tmp_path):
    """The audit's ranges are at least half the threshold for every hidden figure."""
    extra = cross_question_rows()
    for k, row in enumerate(extra):
        row["response_id"] = f"x{k:04d}"
    loaded = load_export(write_export(tmp_path / "e.csv", region_rows() + extra), QUESTIONNAIRE)
    result = count_responses(loaded, by=("region", "role", "channel"))
    ranges = feasible_ranges(result)
    assert ranges, "this export must hide something"
    assert all(high - low >= 5 - 1e-6 for _, low, high, _ in ranges)


@pytest.mark.parametrize("hint", ["each cell alone", "all one part", "parts swapped"])
def test_a_misleading_parts_hint_costs_hiding_never_safety(tmp_path, monkeypatch, hint):
    """`parts` only makes the programmes smaller: whatever it says, the audit over the whole
    block decides, so a wrong hint may hide more but never leaves a figure narrowable."""
    extra = cross_question_rows()
    for k, row in enumerate(extra):
        row["response_id"] = f"x{k:04d}"
    loaded = load_export(write_export(tmp_path / "e.csv", region_rows() + extra), QUESTIONNAIRE)
    protect = analysis.counts.family.protect_cells

    def misleading(values, equations, primary, *, threshold, fixed=None, parts=None, **options):
        n = len(values)
        wrong = {
            "each cell alone": np.arange(n),
            "all one part": np.zeros(n, dtype=np.int64),
            "parts swapped": np.where(parts < 0, 0, -1),
        }[hint]
        # The hint shapes the programmes over a few primary cells at a time: use them.
        options["relations"] = False
        return protect(values, equations, primary, threshold=threshold, fixed=fixed, parts=wrong, **options)

    monkeypatch.setattr(analysis.counts.family, "protect_cells", misleading)
    result = count_responses(loaded, by=("region", "role", "channel"))
    assert result.suppressed_cells
    assert_safe(result)


@pytest.mark.slow
def test_realistic_export_with_four_breakdowns_is_safe(tmp_path):
    loaded = load_export(write_export(tmp_path / "e.csv", realistic_rows()), QUESTIONNAIRE)
    result = count_responses(loaded, by=("role", "region", "organisation_type", "channel"))
    assert_safe(result)
    cells = result.detail.attrs["cells"]
    assert cells["large_hidden"] / cells["large"] <= 0.15  # 14.2% measured: see docs/disclosure.md


def _two_by_three() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A table of two rows and three columns with its row and column totals (published):
    cells a b c / d e f, then R0 R1 C0 C1 C2; a (3) is the small one."""
    values = np.array([3, 20, 50, 30, 40, 60, 73, 130, 33, 60, 110])
    rows = [[0, 1, 2, 6], [3, 4, 5, 7], [0, 3, 8], [1, 4, 9], [2, 5, 10]]
    equations = np.zeros((len(rows), len(values)))
    for r, cells in enumerate(rows):
        equations[r, cells] = 1.0
        equations[r, cells[-1]] = -1.0
    fixed = np.zeros(len(values), dtype=bool)
    fixed[6:] = True
    return values, equations, fixed


def test_the_starting_pattern_hides_the_cheapest_rectangle_and_spares_precious_figures():
    from analysis.counts.cell_search import relation_pattern
    from analysis.counts.disclosure import protect_cells

    values, equations, fixed = _two_by_three()
    primary = np.zeros(len(values), dtype=bool)
    primary[0] = True
    cost = np.where(values < 10, 1.0, 10.0 + np.log1p(values))
    pattern = relation_pattern(equations, values, primary, fixed, cost, np.full(len(values), 5.0))
    assert np.flatnonzero(pattern).tolist() == [0, 1, 3, 4]  # a, b, d, e: the smallest complements
    hidden = protect_cells(values, equations, primary, threshold=10, fixed=fixed, relations=True).hidden
    assert np.flatnonzero(hidden).tolist() == [0, 1, 3, 4]
    # b and e are figures every reader relies on: the rectangle through c and f instead.
    precious = np.zeros(len(values), dtype=bool)
    precious[[1, 4]] = True
    hidden = protect_cells(
        values, equations, primary, threshold=10, fixed=fixed, precious=precious, relations=True
    ).hidden
    assert np.flatnonzero(hidden).tolist() == [0, 2, 3, 5]
