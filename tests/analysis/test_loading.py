"""Loading the export and the database: validation names row and column; nothing dropped silently."""

from __future__ import annotations

import pytest

from analysis.errors import AnalysisError
from analysis.loading import load_database, load_export, load_responses
from tests.analysis.builders import (
    COLUMNS,
    QUESTIONNAIRE,
    hand_counted_rows,
    response,
    write_database,
    write_export,
)


def test_drafts_excluded_by_default_and_listed(tmp_path):
    loaded = load_export(write_export(tmp_path / "e.csv", hand_counted_rows()), QUESTIONNAIRE)
    assert len(loaded.responses) == 12
    drafts = loaded.excluded[loaded.excluded["reason"] == "draft (not submitted)"]
    assert sorted(drafts["response_id"]) == ["r0013", "r0014", "r0015"]


def test_drafts_included_on_request(tmp_path):
    loaded = load_export(
        write_export(tmp_path / "e.csv", hand_counted_rows()), QUESTIONNAIRE, include_drafts=True
    )
    assert len(loaded.responses) == 15
    assert loaded.excluded.empty


def test_single_choice_columns_are_categoricals_of_the_options_in_order(tmp_path):
    loaded = load_export(write_export(tmp_path / "e.csv", hand_counted_rows()), QUESTIONNAIRE)
    assert list(loaded.responses["q18"].cat.categories) == list(QUESTIONNAIRE.question("q18").options)
    assert list(loaded.responses["role"].cat.categories) == list(QUESTIONNAIRE.profile.roles)
    assert "q2" not in loaded.responses.columns  # free text is not read for counts


def test_unknown_column_is_named(tmp_path):
    rows = [dict(response(1), q22="x")]
    path = write_export(tmp_path / "e.csv", rows, [*COLUMNS, "q22"])
    with pytest.raises(AnalysisError, match=r"unknown column 'q22'"):
        load_export(path, QUESTIONNAIRE)


def test_missing_column_is_named(tmp_path):
    columns = [c for c in COLUMNS if c != "q9"]
    rows = [{k: v for k, v in response(1).items() if k != "q9"}]
    with pytest.raises(AnalysisError, match=r"missing column 'q9'"):
        load_export(write_export(tmp_path / "e.csv", rows, columns), QUESTIONNAIRE)


def test_answer_not_an_option_names_row_and_column(tmp_path):
    rows = [response(1, q8="Yes"), response(2, q8="Yes"), response(3, q8="Maybe")]
    with pytest.raises(AnalysisError) as caught:
        load_export(write_export(tmp_path / "e.csv", rows), QUESTIONNAIRE)
    message = str(caught.value)
    assert "row 3 (line 4)" in message
    assert "column q8" in message
    assert "'Maybe'" in message


def test_look_alike_answer_is_rejected_not_merged(tmp_path):
    rows = [response(1, q10="N\u03bf")]  # Greek omicron, as in the paper's text
    with pytest.raises(AnalysisError, match=r"row 1 .*column q10"):
        load_export(write_export(tmp_path / "e.csv", rows), QUESTIONNAIRE)


def test_unknown_region_and_status_are_rejected(tmp_path):
    with pytest.raises(AnalysisError, match=r"row 2 .*column region: 'Narnia'"):
        load_export(
            write_export(tmp_path / "e.csv", [response(1), response(2, region="Narnia")]), QUESTIONNAIRE
        )
    with pytest.raises(AnalysisError, match=r"row 1 .*column status: 'sent'"):
        load_export(write_export(tmp_path / "f.csv", [response(1, status="sent")]), QUESTIONNAIRE)


def test_duplicate_response_id_is_rejected(tmp_path):
    with pytest.raises(AnalysisError, match=r"row 2 .*'r0001' appears twice"):
        load_export(write_export(tmp_path / "e.csv", [response(1), response(1)]), QUESTIONNAIRE)


def test_answer_to_hidden_question_is_cleared_and_listed(tmp_path):
    rows = [response(1, q13="No", q14="Yes"), response(2, q13="Yes", q14="Yes")]
    loaded = load_export(write_export(tmp_path / "e.csv", rows), QUESTIONNAIRE)
    assert loaded.responses["q14"].isna().tolist() == [True, False]
    cleared = loaded.excluded[loaded.excluded["question_id"] == "q14"]
    assert cleared["response_id"].tolist() == ["r0001"]


def test_export_apostrophe_is_undone_only_before_a_trigger(tmp_path):
    rows = [
        response(1, q2="'=SUM(A1)", q1="No, none of them are relevant now", q3="'-minus", q4="'plain quote"),
        response(2, q3="'\tTab", q5="'@at", q6="'+plus", q7="''=twice"),
    ]
    loaded = load_export(write_export(tmp_path / "e.csv", rows), QUESTIONNAIRE, free_text=True)
    r = loaded.responses
    assert r.loc[0, "q2"] == "=SUM(A1)"
    assert r.loc[0, "q3"] == "-minus"
    assert r.loc[0, "q4"] == "'plain quote"
    assert r.loc[1, "q3"] == "\tTab"
    assert r.loc[1, "q5"] == "@at"
    assert r.loc[1, "q6"] == "+plus"
    assert r.loc[1, "q7"] == "''=twice"  # did not start with a trigger, so was never prefixed


def test_empty_file_and_missing_file(tmp_path):
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(AnalysisError, match="empty"):
        load_export(tmp_path / "empty.csv", QUESTIONNAIRE)
    with pytest.raises(AnalysisError, match="not found"):
        load_export(tmp_path / "nope.csv", QUESTIONNAIRE)


def test_database_matches_export(tmp_path):
    rows = hand_counted_rows()
    url = write_database(tmp_path / "db.sqlite", rows)
    from_db = load_database(url)
    from_csv = load_export(write_export(tmp_path / "e.csv", rows), QUESTIONNAIRE)
    for column in ("response_id", "role", "q8", "q13", "q14"):
        assert (
            from_db.responses[column].astype(object).tolist()
            == from_csv.responses[column].astype(object).tolist()
        )
    assert sorted(from_db.excluded["response_id"]) == ["r0013", "r0014", "r0015"]


def test_database_uses_the_stage_matching_the_status(tmp_path):
    url = write_database(tmp_path / "db.sqlite", hand_counted_rows())
    loaded = load_database(url, include_drafts=True)
    by_id = dict(zip(loaded.responses["response_id"], loaded.responses["q8"].astype(object), strict=True))
    assert by_id["r0001"] == "Yes"  # submitted answer, not the stale draft "No"
    assert by_id["r0013"] == "No"  # draft answer
    assert by_id["r0011"] != by_id["r0011"]  # NaN: the stale draft answer is not used


def test_database_with_several_consultations_needs_a_choice(tmp_path):
    url = write_database(tmp_path / "db.sqlite", hand_counted_rows(), slugs=("one", "two"))
    with pytest.raises(AnalysisError, match=r"several consultations \(one, two\).*--consultation"):
        load_responses(url)
    assert len(load_responses(url, consultation="one").responses) == 12
    with pytest.raises(AnalysisError, match=r"no consultation 'three'"):
        load_responses(url, consultation="three")


def test_database_bad_answer_names_response_and_question(tmp_path):
    url = write_database(tmp_path / "db.sqlite", [response(1, q9="Perhaps")])
    with pytest.raises(AnalysisError, match=r"response r0001, column q9: 'Perhaps'"):
        load_database(url)


def test_database_without_tables_is_a_clear_error(tmp_path):
    with pytest.raises(AnalysisError, match="cannot read responses"):
        load_database(f"sqlite:///{tmp_path / 'blank.sqlite'}")
