"""Publishing again: every release protected together, checked by an attacker holding them all.

The attacker (`tests/analysis/disclosure_audit.attack_releases`) is written apart from the
engine: from the published tables, the merged groups' members and the order in which the
responses arrived, it solves linear programmes over everything and reports any hidden
figure narrowed below half the threshold and any figure of a late group it can read.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from analysis.cli import main
from analysis.counts.counting import count_responses
from analysis.loading import load_export
from analysis.releases.publish import with_counts_release
from analysis.releases.record import empty_record, from_json
from tests.analysis.builders import QUESTIONNAIRE, response, write_export
from tests.analysis.disclosure_audit import narrowed_across_releases
from tests.analysis.realistic import small_skewed_rows

REGIONS = {"South East": 38, "North West": 30, "Greater London": 22, "East Midlands": 12, "Wales": 3}
ROLES = ("Leader", "Chief executive", "Other councillor")


def base_rows() -> list[dict[str, str]]:
    """~105 responses over five regions (one of 3) and three roles, answering q8, q13–q16."""
    rows = []
    n = 0
    for region, size in REGIONS.items():
        for k in range(size):
            n += 1
            q13 = ("Yes", "No", "Yes", "Don't know")[(n * 7) % 4]
            q15 = ("Yes", "No", "Don't know")[(n * 5) % 3]
            rows.append(
                response(
                    n,
                    region=region,
                    role=ROLES[(n * 3 + k) % 3],
                    channel=("web", "web", "email")[n % 3],
                    q8=("Yes", "No", "Yes", "Don't know", "")[(n * 11) % 5],
                    q13=q13,
                    q14=("Yes", "No", "")[n % 3] if q13 == "Yes" else "",
                    q15=q15,
                    q16=("Yes", "No")[n % 2] if q15 == "Yes" else "",
                )
            )
    return rows


def late_rows() -> list[dict[str, str]]:
    """Four late responses, one of them alone in a region nobody was in before."""
    rows = [
        response(900 + k, region="South East", role="Leader", q8="No", q13="No", q15="No") for k in range(3)
    ]
    rows.append(
        response(
            999,
            region="North East",
            role="Chief executive",
            q8="Yes",
            q13="Yes",
            q14="Yes",
            q15="Yes",
            q16="No",
        )
    )
    return rows


def publish(plan, frames_rows, tmp_path, *, record=True):
    """Make each release of `plan` ((by, threshold, epoch), …) against one record (or none)."""
    loaded = []
    for epoch in range(len(frames_rows)):
        rows = [r for part in frames_rows[: epoch + 1] for r in part]
        loaded.append(load_export(write_export(tmp_path / f"e{epoch}.csv", rows), QUESTIONNAIRE))
    releases = []
    current = empty_record(QUESTIONNAIRE)
    for by, threshold, epoch in plan:
        result = count_responses(
            loaded[epoch], by=by, threshold=threshold, releases=current if record else None
        )
        if record:
            current = with_counts_release(result, output="counts", fmt="csv", file="x.csv")
        releases.append((result, epoch))
    frames = [
        load_export(write_export(tmp_path / f"part{e}.csv", part), QUESTIONNAIRE).responses
        for e, part in enumerate(frames_rows)
    ]
    return releases, frames


def test_another_threshold_is_protected_with_the_first(tmp_path):
    plan = [(("region", "role"), 10, 0), (("region", "role"), 15, 0)]
    releases, frames = publish(plan, [base_rows()], tmp_path)
    assert narrowed_across_releases(releases, frames, QUESTIONNAIRE) == []
    second = releases[1][0]
    assert second.releases["printed_again"] > 0  # figures of 10 to 14 the first already printed


def test_a_stricter_threshold_on_a_small_skewed_export_gives_nothing_away(tmp_path):
    # Threshold 15 folds "Local partner" (21) in with the two roles threshold 10 combined;
    # the new group's "Don't know" to q10 is then the sum of two figures the first release
    # hid in one column, known from its total through several equations at once. Hidden
    # again it would be read exactly; it is printed again instead, as known figures are.
    plan = [(("region", "role"), 10, 0), (("region", "role"), 15, 0)]
    releases, frames = publish(plan, [small_skewed_rows()], tmp_path)
    assert releases[1][0].merged["role"] != releases[0][0].merged["role"]
    assert narrowed_across_releases(releases, frames, QUESTIONNAIRE) == []


def test_the_same_counts_again_are_the_same_figures_without_a_programme(tmp_path, monkeypatch):
    """A second file of the same counts (HTML after CSV, say) prints exactly what the first
    printed and hides what it hid; nothing new is published, so no programme is needed."""
    import analysis.counts.disclosure

    loaded = load_export(write_export(tmp_path / "e.csv", small_skewed_rows()), QUESTIONNAIRE)
    first = count_responses(loaded, by=("region", "role"), releases=empty_record(QUESTIONNAIRE))
    record = with_counts_release(first, output="counts", fmt="csv", file="x.csv")

    def no_programme(*args, **kwargs):
        raise AssertionError("nothing new to protect")

    monkeypatch.setattr(analysis.counts.disclosure, "protect_cells", no_programme)
    again = count_responses(loaded, by=("region", "role"), releases=record)
    assert again.table.equals(first.table)  # every figure, percentage and blank the same
    assert first.table["suppressed"].any() and not first.table["suppressed"].all()
    # Another threshold is not a repeat: its programmes run.
    with pytest.raises(AssertionError, match="nothing new"):
        count_responses(loaded, by=("region", "role"), threshold=12, releases=record)


def test_without_the_record_another_threshold_gives_figures_away(tmp_path):
    """The attack is not blind: two runs made apart leak, as an outside auditor found."""
    plan = [(("region", "role"), 10, 0), (("region", "role"), 15, 0)]
    releases, frames = publish(plan, [base_rows()], tmp_path, record=False)
    assert narrowed_across_releases(releases, frames, QUESTIONNAIRE)


def test_other_breakdowns_are_protected_with_the_first(tmp_path):
    plan = [(("region",), 10, 0), (("role", "channel"), 10, 0)]
    releases, frames = publish(plan, [base_rows()], tmp_path)
    assert narrowed_across_releases(releases, frames, QUESTIONNAIRE) == []


def test_late_responses_are_not_readable_as_the_difference(tmp_path):
    plan = [(("region", "role"), 10, 0), (("region", "role"), 10, 1)]
    releases, frames = publish(plan, [base_rows(), late_rows()], tmp_path)
    assert narrowed_across_releases(releases, frames, QUESTIONNAIRE) == []
    update = releases[1][0]
    assert update.releases["responses_arrived"] == 4
    held = {s["segment"] for s in update.releases["segments_not_updated"]}
    assert "All respondents" in held  # 4 arrived: fewer than the threshold, so nothing is updated
    overall = update.table[(update.table["segment_by"] == "all") & (update.table["question_id"] == "q8")]
    assert overall["count"].isna().all()


def test_without_the_record_the_late_respondent_alone_in_a_region_is_read(tmp_path):
    plan = [(("region", "role"), 10, 0), (("region", "role"), 10, 1)]
    releases, frames = publish(plan, [base_rows(), late_rows()], tmp_path, record=False)
    leaks = narrowed_across_releases(releases, frames, QUESTIONNAIRE)
    assert any(what.startswith("late epoch 1") for what, *_ in leaks)


# ---- The record as a file, at the command line ------------------------------------------


@pytest.fixture
def export(tmp_path):
    return str(write_export(tmp_path / "export.csv", base_rows()))


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_counts_without_a_record_says_only_this_output_is_protected(export, tmp_path):
    result = run("counts", export, "--by", "region", "-q", "--format", "json", "--out", tmp_path / "c.json")
    assert result.exit_code == 0, result.output
    assert "only this output is protected" in result.stderr
    methods = json.loads((tmp_path / "c.json").read_text())["methods"]
    assert "only this output is protected" in methods["releases"].lower()


def test_counts_records_each_release_in_the_file_and_protects_the_next(export, tmp_path):
    record = tmp_path / "releases.json"
    first = run("counts", export, "--by", "region", "-q", "--releases", record, "--out", tmp_path / "a.csv")
    assert first.exit_code == 0, first.output
    second = run(
        "counts",
        export,
        "--by",
        "region",
        "--threshold",
        "15",
        "-q",
        "--releases",
        record,
        "--format",
        "json",
        "--out",
        tmp_path / "b.json",
    )
    assert second.exit_code == 0, second.output
    kept = from_json(record.read_text(), QUESTIONNAIRE, source="test")
    assert [r.file for r in kept.releases] == ["a.csv", "b.json"]
    assert [r.threshold for r in kept.releases] == [10, 15]
    methods = json.loads((tmp_path / "b.json").read_text())["methods"]
    assert "1 earlier release" in methods["releases"]


def test_a_damaged_record_is_refused_and_left_as_it_was(export, tmp_path):
    record = tmp_path / "releases.json"
    record.write_text('{"format": "consult-release-record", "version": 1, "groups": [')
    before = record.read_bytes()
    result = run("counts", export, "-q", "--releases", record, "--out", tmp_path / "c.csv")
    assert result.exit_code == 1
    assert "damaged release record" in result.stderr
    assert record.read_bytes() == before
    assert not (tmp_path / "c.csv").exists()


def test_a_record_of_another_consultation_is_refused(export, tmp_path):
    record = tmp_path / "releases.json"
    other = [dict(r, response_id="z" + r["response_id"]) for r in base_rows()]
    other_export = write_export(tmp_path / "other.csv", other)
    assert run("counts", other_export, "-q", "--releases", record, "--out", tmp_path / "o.csv").exit_code == 0
    before = record.read_bytes()
    result = run("counts", export, "-q", "--releases", record, "--out", tmp_path / "c.csv")
    assert result.exit_code == 1
    assert "another consultation" in result.stderr
    assert record.read_bytes() == before


def test_nothing_is_recorded_when_the_output_cannot_be_written(export, tmp_path):
    record = tmp_path / "releases.json"
    assert run("counts", export, "-q", "--releases", record, "--out", tmp_path / "a.csv").exit_code == 0
    before = record.read_bytes()
    result = run("counts", export, "-q", "--releases", record, "--out", tmp_path / "missing" / "b.csv")
    assert result.exit_code == 1
    assert record.read_bytes() == before


def test_a_record_is_kept_per_questionnaire_layout(export, tmp_path):
    record = tmp_path / "releases.json"
    assert run("counts", export, "-q", "--releases", record, "--out", tmp_path / "a.csv").exit_code == 0
    body = json.loads(record.read_text())
    body["layout"] = "0" * 16
    record.write_text(json.dumps(body))
    result = run("counts", export, "-q", "--releases", record, "--out", tmp_path / "b.csv")
    assert result.exit_code == 1 and "other options" in result.stderr
