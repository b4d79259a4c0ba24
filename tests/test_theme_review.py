"""Reviewing themes in the web app: every action, its audit entry, version conflicts, and
late answers that keep the review (suggestions until accepted)."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from consult.extensions import db
from consult.models import AuditEvent, Theme, ThemeAnswer, ThemeAnswerTheme, ThemeSet
from tests.conftest import add_officer, sign_in
from tests.test_theme_jobs import add_answers, start_run, wait_embedded


@pytest.fixture
def themed(app: Flask, analyst_client: FlaskClient) -> Flask:
    """40 answers to q3, themed (a draft theme set, version 1)."""
    add_answers(app, 40)
    start_run(analyst_client)
    wait_embedded(app)
    return app


def themes_of(app: Flask) -> list[tuple[int, str, int]]:
    """(id, name, count) of q3's themes in order."""
    with app.app_context():
        rows = []
        for theme in db.session.query(Theme).order_by(Theme.position):
            count = db.session.query(ThemeAnswerTheme).filter_by(theme_id=theme.id).count()
            rows.append((theme.id, theme.name, count))
        return rows


def version(app: Flask) -> int:
    with app.app_context():
        return db.session.query(ThemeSet).one().version


def answer_ids(app: Flask, theme_id: int | None = None) -> list[str]:
    with app.app_context():
        query = db.session.query(ThemeAnswer.response_public_id).order_by(ThemeAnswer.id)
        if theme_id is not None:
            query = query.join(ThemeAnswerTheme, ThemeAnswerTheme.theme_answer_id == ThemeAnswer.id).filter(
                ThemeAnswerTheme.theme_id == theme_id
            )
        return [r[0] for r in query]


def audit_details(app: Flask) -> list[str]:
    with app.app_context():
        return [
            e.detail
            for e in db.session.query(AuditEvent).filter_by(action="theme review").order_by(AuditEvent.id)
        ]


def page_token(client: FlaskClient, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.data[:300]
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.data.decode())
    assert match
    return match.group(1)


def hidden_fields(html: str, action: str) -> dict[str, str]:
    """The hidden inputs (token, versions) of the page's first form posting to `action`."""
    for form in re.findall(r"<form[^>]*>.*?</form>", html, re.S):
        if f'action="{action}"' in form.split(">", 1)[0]:
            return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    raise AssertionError(f"no form posting to {action}")


def post(client: FlaskClient, path: str, page: str, **data: Any) -> Any:
    """Post `data` to `path` with the hidden fields of its form on `page`, as a browser would."""
    shown = client.get(page)
    assert shown.status_code == 200, shown.data[:300]
    return client.post(path, data={**hidden_fields(shown.data.decode(), path), **data})


def text(response: Any) -> str:
    """The page's words, as a reader sees them (tags removed, entities decoded)."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.data.decode())))


def test_overview_lists_themes_with_counts_and_key_terms(themed: Flask, analyst_client: FlaskClient) -> None:
    page = text(analyst_client.get("/officer/themes/q3"))
    for _, name, count in themes_of(themed):
        assert f"{name} {count}" in page
    assert "Reviewed answers 0" in page and "Unthemed" in page
    assert analyst_client.get("/officer/themes/q99").status_code == 404
    assert analyst_client.get("/officer/themes/q1").status_code == 404  # single choice


def test_rename_create_merge_move_approve_flag_each_audited(
    themed: Flask, analyst_client: FlaskClient
) -> None:
    (first, first_name, first_count), (second, second_name, second_count), *_ = themes_of(themed)
    theme_page = f"/officer/themes/q3/themes/{first}"
    # Rename and describe.
    response = post(
        analyst_client,
        f"/officer/themes/q3/themes/{first}",
        theme_page,
        name="Learning from peers",
        description="Councils value peer challenge.",
    )
    assert response.status_code == 303
    assert "Learning from peers" in text(analyst_client.get(theme_page))
    # A description of two sentences is refused, keeping what was typed.
    response = post(
        analyst_client,
        f"/officer/themes/q3/themes/{first}",
        theme_page,
        name="Peer",
        description="One. Two more.",
    )
    assert response.status_code == 400 and "Write the description as one sentence" in text(response)
    assert 'value="One. Two more."' in response.data.decode()
    # Create.
    response = post(
        analyst_client,
        "/officer/themes/q3/new-theme",
        "/officer/themes/q3",
        name="Housing",
        description="",
    )
    assert response.status_code == 303
    created = next(t for t in themes_of(themed) if t[1] == "Housing")
    assert created[2] == 0
    # Merge the second theme into the first.
    response = post(
        analyst_client,
        "/officer/themes/q3/merge",
        "/officer/themes/q3",
        themes=[str(second)],
        into=str(first),
    )
    assert response.status_code == 303
    names = {t[1]: t[2] for t in themes_of(themed)}
    assert second_name not in names and names["Learning from peers"] == first_count + second_count
    # Move two answers of the first theme into the new one; add one to it as well.
    in_first = answer_ids(themed, first)
    response = post(
        analyst_client,
        f"/officer/themes/q3/themes/{first}/move",
        theme_page,
        answers=in_first[:2],
        action="move",
        to_theme=str(created[0]),
    )
    assert response.status_code == 303
    response = post(
        analyst_client,
        f"/officer/themes/q3/themes/{first}/move",
        theme_page,
        answers=[in_first[2]],
        action="add",
        to_theme=str(created[0]),
    )
    assert response.status_code == 303
    assert set(answer_ids(themed, created[0])) == set(in_first[:3])
    assert in_first[2] in answer_ids(themed, first) and in_first[0] not in answer_ids(themed, first)
    # One answer to several themes, approved as a quote; another flagged and in no theme.
    quoted, flagged = in_first[3], in_first[4]
    form = analyst_client.get(f"/officer/themes/q3/answers/{quoted}").data.decode()
    assert 'name="quote" type="radio" value="yes"' in form
    assert 'name="flag" type="radio" value="abusive"' in form
    assert f'id="themes" name="themes" type="checkbox" value="{first}" checked' in form
    assert f'name="themes" type="checkbox" value="{created[0]}"' in form
    page = f"/officer/themes/q3/answers/{quoted}"
    response = post(
        analyst_client,
        page,
        page,
        themes=[str(first), str(created[0])],
        quote="yes",
        flag="",
    )
    assert response.status_code == 303
    page = f"/officer/themes/q3/answers/{flagged}"
    response = post(analyst_client, page, page, quote="yes", flag="abusive")
    assert response.status_code == 400 and "A flagged answer cannot be approved as a quote" in text(response)
    response = post(analyst_client, page, page, quote="no", flag="abusive")
    assert response.status_code == 303
    with themed.app_context():
        rows = {a.response_public_id: a for a in db.session.query(ThemeAnswer)}
        assert rows[quoted].quote_approved and rows[quoted].state == "reviewed" and rows[quoted].flag is None
        assert rows[flagged].flag == "abusive" and not rows[flagged].quote_approved
        links = db.session.query(ThemeAnswerTheme).filter_by(theme_answer_id=rows[flagged].id).count()
        assert links == 0
        assert db.session.query(ThemeSet).one().version == 8
    details = audit_details(themed)
    assert len(details) == 7
    assert f"renamed theme '{first_name}' -> 'Learning from peers'" in details[0]
    assert "description of 'Learning from peers': none -> 'Councils value peer challenge.'" in details[0]
    assert "created theme 'Housing'" in details[1]
    assert (
        f"merged '{second_name}' ({second_count}), 'Learning from peers' ({first_count}) "
        "-> 'Learning from peers'" in details[2]
    )
    assert "moved 2 answer(s) from 'Learning from peers' to 'Housing'" in details[3]
    assert "added 1 answer(s) in 'Learning from peers' to 'Housing'" in details[4]
    assert (
        f"answer {quoted}: themes 'Learning from peers' -> 'Learning from peers', 'Housing'; quote approved"
        in details[5]
    )
    assert f"answer {flagged}: themes 'Learning from peers' -> no theme; flag none -> abusive" in details[6]
    with themed.app_context():
        who = {e.officer_email for e in db.session.query(AuditEvent).filter_by(action="theme review")}
    assert who == {"analyst@lga.example"}
    # Filters and search find them.
    assert f"Answer {quoted}" in text(analyst_client.get("/officer/themes/q3/answers?show=approved"))
    assert f"Answer {flagged}" in text(analyst_client.get("/officer/themes/q3/answers?show=flagged"))


def test_answers_are_paged_and_searched_by_words(themed: Flask, analyst_client: FlaskClient) -> None:
    response = analyst_client.get("/officer/themes/q3/answers")
    page = text(response)
    assert "40 answers" in page and 'aria-label="Page 2"' in response.data.decode()
    assert (
        len(
            re.findall(r"Answer [0-9a-f]{16} ", text(analyst_client.get("/officer/themes/q3/answers?page=2")))
        )
        == 20
    )
    found = text(analyst_client.get("/officer/themes/q3/answers?words=PEER+challenge"))
    count = int(re.search(r"(\d+) answers? containing", found).group(1))
    assert 0 < count < 40 and "Peer challenge" in found
    assert "0 answers containing “zanzibar”" in text(
        analyst_client.get("/officer/themes/q3/answers?words=zanzibar")
    )
    # LIKE wildcards are searched as themselves.
    assert "0 answers containing “%”" in text(analyst_client.get("/officer/themes/q3/answers?words=%25"))
    first = themes_of(themed)[0]
    theme_page = text(analyst_client.get(f"/officer/themes/q3/themes/{first[0]}?words=point"))
    assert f"{first[2]} answer" in theme_page


def _second_analyst(app: Flask) -> FlaskClient:
    other = app.test_client()
    assert sign_in(other, add_officer(app, "second@lga.example", "analyst")).status_code == 303
    return other


def _opened(client: FlaskClient, path: str, action: str | None = None) -> dict[str, str]:
    """The hidden fields of a form as `client`'s page showed them (the page left open)."""
    page = client.get(path)
    assert page.status_code == 200
    return hidden_fields(page.data.decode(), action or path)


def test_two_analysts_changing_different_themes_and_answers_both_succeed(
    themed: Flask, analyst_client: FlaskClient
) -> None:
    other = _second_analyst(themed)
    (first, *_), (second, *_), *_ = themes_of(themed)
    one, two = f"/officer/themes/q3/themes/{first}", f"/officer/themes/q3/themes/{second}"
    answer_one, answer_two = answer_ids(themed, first)[0], answer_ids(themed, second)[0]
    pages = {
        "rename one": _opened(analyst_client, one),
        "rename two": _opened(other, two),
        "answer one": _opened(analyst_client, f"/officer/themes/q3/answers/{answer_one}"),
        "answer two": _opened(other, f"/officer/themes/q3/answers/{answer_two}"),
        "move": _opened(other, two, f"{two}/move"),
    }
    # Every page was opened before any save; each save changes something the others don't.
    assert analyst_client.post(one, data={**pages["rename one"], "name": "Renamed by one"}).status_code == 303
    assert other.post(two, data={**pages["rename two"], "name": "Renamed by two"}).status_code == 303
    answer = f"/officer/themes/q3/answers/{answer_one}"
    saved = analyst_client.post(answer, data={**pages["answer one"], "themes": [str(first)], "quote": "yes"})
    assert saved.status_code == 303
    answer = f"/officer/themes/q3/answers/{answer_two}"
    saved = other.post(
        answer, data={**pages["answer two"], "themes": [str(second)], "quote": "no", "flag": "abusive"}
    )
    assert saved.status_code == 303
    moving = [a for a in answer_ids(themed, second) if a != answer_two][:2]
    moved = other.post(
        f"{two}/move", data={**pages["move"], "answers": moving, "action": "move", "to_theme": str(first)}
    )
    assert moved.status_code == 303
    names = {t[0]: t[1] for t in themes_of(themed)}
    assert names[first] == "Renamed by one" and names[second] == "Renamed by two"
    assert set(moving) <= set(answer_ids(themed, first))
    assert len(audit_details(themed)) == 5


def test_changing_the_same_theme_conflicts_naming_the_change(
    themed: Flask, analyst_client: FlaskClient
) -> None:
    other = _second_analyst(themed)
    first = themes_of(themed)[0][0]
    path = f"/officer/themes/q3/themes/{first}"
    seen_one, seen_two = _opened(analyst_client, path), _opened(other, path)
    saved = analyst_client.post(path, data={**seen_one, "name": "First analyst's name"})
    assert saved.status_code == 303
    stale = other.post(
        path,
        data={**seen_two, "name": "Second analyst's name", "description": "What the second analyst wrote."},
    )
    assert stale.status_code == 409
    page = text(stale)
    # Who, when and what: the change that came first, as the audit log has it.
    assert re.search(
        r"analyst@lga\.example changed this theme at \d\d:\d\d on \d{1,2} \w+ \d{4} \(UK time\), after you "
        r"opened this page: renamed theme '[^']+' -> 'First analyst's name'\. Your change has not been saved",
        page,
    ), page
    assert (
        "Second analyst&#39;s name" in stale.data.decode() or "Second analyst's name" in stale.data.decode()
    )
    assert "What the second analyst wrote." in stale.data.decode()
    assert themes_of(themed)[0][1] == "First analyst's name"  # the first edit stays
    # The form shown again carries the theme's current version: saving it again goes through.
    again = other.post(
        path, data={**hidden_fields(stale.data.decode(), path), "name": "Second analyst's name"}
    )
    assert again.status_code == 303 and themes_of(themed)[0][1] == "Second analyst's name"
    details = audit_details(themed)
    assert len(details) == 2 and "-> 'First analyst's name'" in details[0]
    assert "'First analyst's name' -> 'Second analyst's name'" in details[1]


@pytest.mark.parametrize("number", [2**31, 2**63])
def test_a_version_past_the_database_range_is_an_expired_page(
    themed: Flask, analyst_client: FlaskClient, number: int
) -> None:
    first, name, _ = themes_of(themed)[0]
    path = f"/officer/themes/q3/themes/{first}"
    shown = _opened(analyst_client, path)
    renamed = analyst_client.post(path, data={**shown, "version": str(number), "name": "Renamed"})
    assert renamed.status_code == 400 and "The page had expired: try again" in text(renamed)
    answer = answer_ids(themed)[0]
    review = f"/officer/themes/q3/answers/{answer}"
    reviewed = analyst_client.post(
        review, data={**_opened(analyst_client, review), "version": str(number), "quote": "yes"}
    )
    assert reviewed.status_code == 400
    accepted = analyst_client.post(
        "/officer/themes/q3/accept",
        data={"csrf_token": shown["csrf_token"], "answer": answer, "version": str(number)},
    )
    assert accepted.status_code == 400
    # Theme ids chosen in a form are checked against the page's choices before any query.
    merge = _opened(analyst_client, "/officer/themes/q3", "/officer/themes/q3/merge")
    merged = analyst_client.post(
        "/officer/themes/q3/merge", data={**merge, "themes": [str(number)], "into": str(number)}
    )
    assert merged.status_code == 400
    moved = analyst_client.post(
        f"{path}/move",
        data={**_opened(analyst_client, path, f"{path}/move"), "answers": [answer], "action": "move",
              "to_theme": str(number)},
    )  # fmt: skip
    assert moved.status_code == 400
    assert themes_of(themed)[0][1] == name  # nothing was changed


def test_a_theme_name_with_a_control_character_is_refused(themed: Flask, analyst_client: FlaskClient) -> None:
    first, name, _ = themes_of(themed)[0]
    path = f"/officer/themes/q3/themes/{first}"
    refused = analyst_client.post(path, data={**_opened(analyst_client, path), "name": "Peer\x0cchallenge"})
    assert refused.status_code == 400
    assert "Name must not contain control characters" in text(refused) and "U+000C" in text(refused)
    described = analyst_client.post(
        path, data={**_opened(analyst_client, path), "name": "Peer", "description": "Valued\x01."}
    )
    assert described.status_code == 400
    assert "Description must not contain control characters" in text(described)
    created = post(analyst_client, "/officer/themes/q3/new-theme", "/officer/themes/q3", name="New\x01")
    assert created.status_code == 400
    assert themes_of(themed)[0][1] == name and all("\x01" not in t[1] for t in themes_of(themed))


def test_same_answer_and_merged_theme_conflict(themed: Flask, analyst_client: FlaskClient) -> None:
    other = _second_analyst(themed)
    (first, *_), (second, *_), *_ = themes_of(themed)
    public_id = answer_ids(themed, first)[0]
    answer = f"/officer/themes/q3/answers/{public_id}"
    seen_one, seen_two = _opened(analyst_client, answer), _opened(other, answer)
    merge_form = _opened(other, "/officer/themes/q3", "/officer/themes/q3/merge")
    assert (
        analyst_client.post(answer, data={**seen_one, "quote": "yes", "themes": [str(first)]}).status_code
        == 303
    )
    stale = other.post(answer, data={**seen_two, "quote": "no", "flag": "abusive"})
    assert stale.status_code == 409
    assert f"changed answer {public_id} at" in text(stale) and "quote approved" in text(stale)
    # A merge of a theme renamed since the page was opened is refused, naming the rename.
    path = f"/officer/themes/q3/themes/{second}"
    assert post(analyst_client, path, path, name="Renamed meanwhile").status_code == 303
    merged = other.post(
        "/officer/themes/q3/merge", data={**merge_form, "themes": [str(second)], "into": str(first)}
    )
    assert merged.status_code == 409
    assert "changed theme 'Renamed meanwhile' at" in text(merged) and "renamed theme" in text(merged)
    assert second in {t[0] for t in themes_of(themed)}  # not merged


def test_a_change_to_a_finished_review_opens_it_again(themed: Flask, analyst_client: FlaskClient) -> None:
    status = post(analyst_client, "/officer/themes/q3/status", "/officer/themes/q3", status="reviewed")
    assert status.status_code == 303
    first = themes_of(themed)[0][0]
    path = f"/officer/themes/q3/themes/{first}"
    saved = post(analyst_client, path, path, name="Renamed after finishing")
    assert saved.status_code == 303
    after = text(analyst_client.get(saved.headers["Location"]))
    assert "this change has opened it again" in after
    with themed.app_context():
        assert db.session.query(ThemeSet).one().status == "draft"
    assert "the review, marked finished, is open again" in audit_details(themed)[-1]
    assert "Draft" in text(analyst_client.get("/officer/themes/q3"))


def test_officers_review_too_and_signed_out_cannot(themed: Flask, officer_client: FlaskClient) -> None:
    first = themes_of(themed)[0][0]
    path = f"/officer/themes/q3/themes/{first}"
    response = post(officer_client, path, path, name="Named by an officer")
    assert response.status_code == 303
    anonymous = themed.test_client()
    assert anonymous.get(path).status_code == 302
    assert anonymous.post(path, data={"name": "x", "version": 9}).status_code in (302, 400)


def test_late_answers_keep_the_review_and_get_suggestions(themed: Flask, analyst_client: FlaskClient) -> None:
    first = themes_of(themed)[0][0]
    second = themes_of(themed)[1][0]
    path = f"/officer/themes/q3/themes/{first}"
    post(analyst_client, path, path, name="Reviewed name")
    moved = answer_ids(themed, first)[0]
    page = f"/officer/themes/q3/answers/{moved}"
    assert post(analyst_client, page, page, themes=[str(second)], quote="yes", flag="").status_code == 303
    before = {t[0]: t[1] for t in themes_of(themed)}
    add_answers(themed, 10, start=40)
    start_run(analyst_client)
    wait_embedded(themed)
    after = {t[0]: t[1] for t in themes_of(themed)}
    assert after == before  # the same themes, names kept
    with themed.app_context():
        rows = {a.response_public_id: a for a in db.session.query(ThemeAnswer)}
        theme_set = db.session.query(ThemeSet).one()
        assert theme_set.answers_included == 50
        assert rows[moved].state == "reviewed" and rows[moved].quote_approved
        links = {
            t
            for (t,) in db.session.query(ThemeAnswerTheme.theme_id).filter_by(theme_answer_id=rows[moved].id)
        }
        assert links == {second}
        suggested = [a for a in rows.values() if a.state == "suggested"]
        assert len(suggested) == 10
    overview = text(analyst_client.get("/officer/themes/q3"))
    assert "Reviewed answers 1" in overview and "Suggested (new since the review) 10" in overview
    # Accept one, then all.
    one = suggested[0].response_public_id
    response = post(
        analyst_client,
        "/officer/themes/q3/accept",
        "/officer/themes/q3/answers?show=suggested",
        answer=one,
    )
    assert response.status_code == 303
    assert "Suggested (new since the review) 9" in text(analyst_client.get("/officer/themes/q3"))
    response = post(analyst_client, "/officer/themes/q3/accept", "/officer/themes/q3")
    assert response.status_code == 303
    overview = text(analyst_client.get("/officer/themes/q3"))
    assert "Reviewed answers 11" in overview and "Suggested (new since the review) 0" in overview
    details = audit_details(themed)
    assert "accepted the suggested theme of 1 answer(s)" in details[-2]
    assert "accepted the suggested theme of 9 answer(s)" in details[-1]


def test_an_untouched_set_is_replaced_by_a_new_run(themed: Flask, analyst_client: FlaskClient) -> None:
    add_answers(themed, 5, start=40)
    start_run(analyst_client)
    wait_embedded(themed)
    with themed.app_context():
        theme_set = db.session.query(ThemeSet).one()
        assert theme_set.version == 1 and theme_set.answers_included == 45
        assert {a.state for a in db.session.query(ThemeAnswer)} == {"machine"}


def test_mark_review_finished(themed: Flask, analyst_client: FlaskClient) -> None:
    response = post(
        analyst_client,
        "/officer/themes/q3/status",
        "/officer/themes/q3",
        status="reviewed",
    )
    assert response.status_code == 303
    with themed.app_context():
        assert db.session.query(ThemeSet).one().status == "reviewed"
    assert "review status draft -> reviewed" in audit_details(themed)[-1]
