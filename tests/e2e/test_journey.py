"""The respondent's journey in headless Chromium against the real app over HTTP.

Keyboard-only completion, save and return, overwrite from a second browser, conditional
clearing with JavaScript off, axe-core on every respondent page, and proof that neither
the link token nor a contact detail reaches the database files, the export or the log.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import sqlite3
from pathlib import Path

import pytest
from playwright.sync_api import expect

from consult.data import consultations
from consult.data.clock import today
from consult.data.export import write_csv
from tests.browser import assert_accessible
from tests.e2e.conftest import CONTACT, LEADER

pytestmark = pytest.mark.e2e

Q1_YES = "Yes, they are still all relevant exactly as they are"
Q1_CHANGES = "Yes they are generally relevant, but I suggest some changes"
Q1_NO = "No, none of them are relevant now"
DONT_KNOW = "Don't know"
SECTION_TITLES = {
    "principles": "Key principles and future challenges",
    "assurance": "Improvement, assurance and intervention",
    "support": "Improvement support",
    "childrens-adults-health": "Children's services, adult social services and health",
    "conclusion": "Conclusion",
}
CHECK_HEADING = "Check your answers before submitting your response"
UNICODE_TEXT = "Café – £5 ✓\nA second line,  with two spaces"


# --- helpers -------------------------------------------------------------------------


def heading(page, text: str) -> None:
    expect(page.locator("h1")).to_have_text(text)


def token_of(link: str) -> str:
    return link.rsplit("/r/", 1)[1]


def tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until the focused element matches `selector`, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector} on {page.url}")


def choose_by_keyboard(page, name: str, option: str) -> None:
    """Tab into a radio group, then select `option` with the arrow keys or Space."""
    radios = page.locator(f'input[type=radio][name="{name}"]')
    values = [radios.nth(i).get_attribute("value") for i in range(radios.count())]
    target = values.index(option)
    tab_to(page, f'input[type=radio][name="{name}"]')
    current = values.index(page.evaluate("document.activeElement.value"))
    if target == current:
        page.keyboard.press("Space")
    for _ in range(abs(target - current)):
        page.keyboard.press("ArrowDown" if target > current else "ArrowUp")
    expect(page.locator(f'input[name="{name}"]:checked')).to_have_value(option)


def type_by_keyboard(page, name: str, text: str) -> None:
    tab_to(page, f'textarea[name="{name}"]')
    page.keyboard.press("Control+A")
    page.keyboard.type(text)
    expect(page.locator(f'textarea[name="{name}"]')).to_have_value(text)


def press_button(page, value: str) -> None:
    """Tab to a form's button (`continue` or `later`) and press Enter."""
    tab_to(page, f'button[value="{value}"]')
    page.keyboard.press("Enter")


def fill_answers(page, answers: dict[str, str]) -> None:
    """Answer questions with the mouse: radios by clicking their label, text areas by typing."""
    for question, value in answers.items():
        group = page.locator(f"#{question}-group")
        group.wait_for()  # count() does not wait: the page may still be loading after a click
        if page.locator(f'input[type=radio][name="{question}"]').count():
            # By its own label: a question revealed inside an option has labels of its own.
            radio = page.locator(f'input[type=radio][name="{question}"][value="{value}"]')
            page.locator(f'label[for="{radio.get_attribute("id")}"]').click()
        else:
            group.locator("textarea").fill(value)


def save_and_continue(page) -> None:
    page.get_by_role("button", name="Save and continue").click()


def answer_about(page, consent: str = "No, do not name my organisation", **profile: str) -> None:
    heading(page, "About you")
    for value in profile.values():
        page.get_by_label(value, exact=True).check()
    page.get_by_label(consent, exact=True).check()
    save_and_continue(page)


def open_link(page, link: str) -> None:
    page.goto(link)
    # The token leaves the address bar at once: /r/<token> answers 303 to the start page.
    assert token_of(link) not in page.url
    assert page.url.endswith("/respond/")


def the_row(server) -> dict[str, str]:
    rows = server.export()
    assert len(rows) == 1, rows
    return rows[0]


# --- 1. keyboard only ----------------------------------------------------------------


KEYBOARD_ANSWERS = {
    "principles": [
        ("q1", DONT_KNOW),
        ("q3", "Through health and wellbeing boards."),
        ("q6", "Better training for scrutiny chairs."),
    ],
    "assurance": [
        ("q7", "Keep the focus on leadership."),
        ("q8", "Yes"),
        ("q9", "Yes – unless there are exceptional circumstances"),
        ("q10", "No"),
    ],
    "support": [("q12", "More help to share good practice.")],
    "childrens-adults-health": [
        ("q13", "Yes"),  # reveals q14 on the same page
        ("q14", DONT_KNOW),
        ("q15", "No"),
        ("q18", "A new inspectorate"),
        ("q19", "Bespoke peer review for children's services."),
    ],
    "conclusion": [("q21", "Thank you.")],
}


def test_invited_leader_completes_the_journey_by_keyboard_alone(server, page) -> None:
    link = server.link(**LEADER, organisation="Anytown Borough Council")
    open_link(page, link)
    heading(page, "Taking Stock: where next for sector-led improvement?")

    tab_to(page, "a.govuk-button--start")
    page.keyboard.press("Enter")
    heading(page, "About you")
    expect(page.locator("#progress")).to_have_text("Section 1 of 6")
    # The invitation's role, type and region are shown, not asked again.
    expect(page.locator(".govuk-summary-list")).to_contain_text("Leader")
    asked = "input[name=role], input[name=region], input[name=organisation_type]"
    expect(page.locator(asked)).to_have_count(0)
    choose_by_keyboard(page, "consent_to_be_named", "no")
    press_button(page, "continue")

    for number, (section_id, answers) in enumerate(KEYBOARD_ANSWERS.items(), start=2):
        heading(page, SECTION_TITLES[section_id])
        expect(page.locator("#progress")).to_have_text(f"Section {number} of 6")
        for question, value in answers:
            if question == "q14":
                # Revealed inside q13's "Yes" as soon as it is chosen (GOV.UK conditional reveal).
                expect(page.locator("#q14-group")).to_be_visible()
            if page.locator(f'textarea[name="{question}"]').count():
                type_by_keyboard(page, question, value)
            else:
                choose_by_keyboard(page, question, value)
        press_button(page, "continue")

    heading(page, CHECK_HEADING)
    summary = page.locator("main")
    for answers in KEYBOARD_ANSWERS.values():
        for _, value in answers:
            expect(summary).to_contain_text(value)
    tab_to(page, "main form button[type=submit]")
    page.keyboard.press("Enter")
    heading(page, "Response submitted")
    expect(page.locator("main")).to_contain_text("with answers to 14 questions")

    row = the_row(server)
    expected = {q: v for answers in KEYBOARD_ANSWERS.values() for q, v in answers}
    assert {q: row[q] for q in row if q.startswith("q") and row[q]} == expected
    assert (row["status"], row["role"], row["organisation_type"], row["region"]) == (
        "submitted",
        "Leader",
        "County",
        "Wales",
    )


# --- 2. save and come back later -------------------------------------------------------


def test_save_and_come_back_later_keeps_text_exactly_as_typed(server, new_context) -> None:
    link = server.link(**LEADER)
    first = new_context().new_page()
    open_link(first, link)
    first.get_by_role("button", name="Start now").click()
    answer_about(first)
    heading(first, SECTION_TITLES["principles"])
    fill_answers(first, {"q1": DONT_KNOW, "q3": UNICODE_TEXT, "q5": "Involve local people early."})
    first.get_by_role("button", name="Save and come back later").click()
    heading(first, "Your answers have been saved")
    first.context.close()
    assert the_row(server)["q3"] == UNICODE_TEXT  # stored exactly, line break as typed

    later = new_context().new_page()
    open_link(later, link)
    expect(later.locator("main")).to_contain_text("You have started your response")
    later.get_by_role("link", name=SECTION_TITLES["principles"]).click()
    heading(later, SECTION_TITLES["principles"])
    expect(later.locator("#q1-group input:checked")).to_have_value(DONT_KNOW)
    expect(later.locator("textarea[name=q3]")).to_have_value(UNICODE_TEXT)
    expect(later.locator("textarea[name=q5]")).to_have_value("Involve local people early.")

    fill_answers(later, {"q3": "Changed my mind – café culture ✓"})
    save_and_continue(later)
    heading(later, SECTION_TITLES["assurance"])
    later.goto(f"{server.url}/respond/check")
    heading(later, CHECK_HEADING)
    expect(later.locator("main")).to_contain_text("Changed my mind – café culture ✓")
    later.get_by_role("button", name="Submit your response").click()
    heading(later, "Response submitted")

    row = the_row(server)
    assert row["status"] == "submitted"
    assert (row["q1"], row["q3"], row["q5"]) == (
        DONT_KNOW,
        "Changed my mind – café culture ✓",
        "Involve local people early.",
    )


# --- 3. overwrite from a second browser ------------------------------------------------


def test_last_submission_through_a_link_overwrites_the_response_in_full(server, new_context) -> None:
    link = server.link(**LEADER)
    first = new_context().new_page()
    open_link(first, link)
    first.goto(f"{server.url}/respond/about")
    answer_about(first)
    fill_answers(first, {"q1": DONT_KNOW, "q3": "Answer X to three", "q4": "Answer X to four"})
    save_and_continue(first)
    first.goto(f"{server.url}/respond/check")
    first.get_by_role("button", name="Submit your response").click()
    heading(first, "Response submitted")
    assert the_row(server)["q3"] == "Answer X to three"

    # A colleague opens the same link in another browser and sees the submitted answers.
    second = new_context().new_page()
    open_link(second, link)
    banner = second.locator(".govuk-notification-banner--success")
    expect(banner).to_contain_text("You submitted your response")
    second.get_by_role("link", name="Check your answers").click()
    heading(second, CHECK_HEADING)
    expect(second.locator("main")).to_contain_text("Answer X to three")
    second.get_by_role("link", name="Change your answer to question 3").click()
    heading(second, SECTION_TITLES["principles"])
    expect(second.locator("textarea[name=q4]")).to_have_value("Answer X to four")
    fill_answers(second, {"q1": Q1_YES, "q3": "Answer Y to three", "q4": ""})
    save_and_continue(second)
    second.goto(f"{server.url}/respond/check")
    second.get_by_role("button", name="Submit your response").click()
    heading(second, "Response submitted")

    first.goto(f"{server.url}/respond/check")
    heading(first, CHECK_HEADING)
    main = first.locator("main")
    expect(main).to_contain_text("Answer Y to three")
    expect(main).not_to_contain_text("Answer X")

    row = the_row(server)  # one response for the link, holding Y only
    assert row["status"] == "submitted"
    assert (row["q1"], row["q3"], row["q4"]) == (Q1_YES, "Answer Y to three", "")
    assert "Answer X" not in repr(row)


# --- 4 and 7. conditional clearing, whole journey with JavaScript off ------------------


def test_whole_journey_without_javascript_clears_answers_that_become_hidden(server, new_context) -> None:
    page = new_context(java_script_enabled=False).new_page()
    link = server.link()  # self-service: About you asks everything
    open_link(page, link)
    page.get_by_role("button", name="Start now").click()
    answer_about(page, role="Other councillor", organisation_type="District", region="North East")

    # Q1 "No" reveals Q2: the server re-shows the page, saying why.
    heading(page, SECTION_TITLES["principles"])
    expect(page.locator("textarea[name=q2]")).to_have_count(0)
    fill_answers(page, {"q1": Q1_NO, "q3": "Partnerships matter."})
    save_and_continue(page)
    heading(page, SECTION_TITLES["principles"])
    expect(page.locator(".govuk-notification-banner")).to_contain_text("question 2 now applies to you")
    expect(page.locator("textarea[name=q3]")).to_have_value("Partnerships matter.")
    fill_answers(page, {"q2": "Alternative principles for Q2"})
    save_and_continue(page)
    heading(page, SECTION_TITLES["assurance"])
    assert the_row(server)["q2"] == "Alternative principles for Q2"

    # Back to Q1 and answer "Yes … exactly as they are": Q2 no longer applies.
    page.get_by_role("link", name="Back").click()
    heading(page, SECTION_TITLES["principles"])
    expect(page.locator("textarea[name=q2]")).to_have_value("Alternative principles for Q2")
    fill_answers(page, {"q1": Q1_YES})
    save_and_continue(page)
    heading(page, SECTION_TITLES["assurance"])
    assert the_row(server)["q2"] == ""
    page.get_by_role("link", name="Back").click()
    heading(page, SECTION_TITLES["principles"])
    expect(page.locator("#q2-group")).to_have_count(0)
    save_and_continue(page)

    fill_answers(page, {"q8": "No"})
    save_and_continue(page)
    heading(page, SECTION_TITLES["support"])
    save_and_continue(page)

    # Q14 is drawn inside Q13's "Yes" (conditional reveal): without JavaScript it is always
    # shown, and its answer is kept only while Q13 is "Yes".
    heading(page, SECTION_TITLES["childrens-adults-health"])
    expect(page.locator("#q14-group")).to_be_visible()
    fill_answers(page, {"q13": "Yes", "q14": "No", "q17": DONT_KNOW})
    save_and_continue(page)
    heading(page, SECTION_TITLES["conclusion"])
    assert the_row(server)["q14"] == "No"
    page.get_by_role("link", name="Back").click()
    expect(page.locator('input[name="q14"][value="No"]')).to_be_checked()
    fill_answers(page, {"q13": "No"})  # Q14's "No" is still chosen, and is posted
    save_and_continue(page)
    heading(page, SECTION_TITLES["conclusion"])
    fill_answers(page, {"q21": "No more to add."})
    save_and_continue(page)

    heading(page, CHECK_HEADING)
    main = page.locator("main")
    expect(main).not_to_contain_text("Alternative principles for Q2")
    expect(main.locator("dt", has_text=re.compile(r"^2\. "))).to_have_count(0)
    expect(main.locator("dt", has_text=re.compile(r"^14\. "))).to_have_count(0)
    expect(main).to_contain_text("No more to add.")
    page.get_by_role("button", name="Submit your response").click()
    heading(page, "Response submitted")

    row = the_row(server)
    assert row["status"] == "submitted"
    assert [row[k] for k in ("role", "organisation_type", "region")] == [
        "Other councillor",
        "District",
        "North East",
    ]
    assert [row[q] for q in ("q1", "q2", "q13", "q14")] == [Q1_YES, "", "No", ""]
    assert [row[q] for q in ("q3", "q8", "q17", "q21")] == [
        "Partnerships matter.",
        "No",
        DONT_KNOW,
        "No more to add.",
    ]
    db = sqlite3.connect(server.database, timeout=15)
    try:
        kept = {q for (q,) in db.execute("SELECT DISTINCT question_id FROM answer")}
    finally:
        db.close()
    assert kept and not kept & {"q2", "q14"}  # cleared from the draft and the submission


# --- 5. accessibility ------------------------------------------------------------------


def _checked(page, screenshot: str | None = None) -> None:
    """axe-core on the page as shown; optionally a full-page screenshot for a person to look at."""
    assert_accessible(page)
    folder = os.environ.get("CONSULT_E2E_SCREENSHOTS")
    if screenshot and folder:
        page.screenshot(path=str(Path(folder) / f"{screenshot}.png"), full_page=True)


def test_every_respondent_page_passes_axe(server, new_context) -> None:
    # axe is injected as an inline script, which the app's CSP rightly refuses.
    page = new_context(bypass_csp=True).new_page()

    page.goto(server.url + "/")
    _checked(page)
    response = page.goto(f"{server.url}/r/{'x' * 43}")
    assert response.status == 404
    heading(page, "This link is not valid")
    _checked(page)
    response = page.goto(f"{server.url}/respond/")
    assert response.status == 401
    heading(page, "Open your link again")
    _checked(page)

    link = server.link()
    open_link(page, link)
    heading(page, "Taking Stock: where next for sector-led improvement?")
    _checked(page, "start")
    page.get_by_role("button", name="Start now").click()
    heading(page, "About you")
    _checked(page, "about")
    save_and_continue(page)
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select your role")
    _checked(page, "about-errors")
    answer_about(page, role="Local partner", organisation_type="Local partner organisation", region="Wales")

    heading(page, SECTION_TITLES["principles"])
    _checked(page, "section")
    fill_answers(page, {"q1": Q1_CHANGES})
    save_and_continue(page)
    expect(page.locator(".govuk-notification-banner")).to_contain_text("question 2 now applies to you")
    _checked(page, "section-revealed")
    fill_answers(page, {"q2": "Some changes", "q3": "x" * 10_001})
    save_and_continue(page)
    expect(page.locator(".govuk-error-summary")).to_contain_text("must be 10,000 characters or fewer")
    expect(page.locator("textarea[name=q2]")).to_have_value("Some changes")
    _checked(page, "section-errors")
    page.locator(".govuk-error-summary a").first.click()
    expect(page.locator("textarea[name=q3]")).to_be_focused()
    fill_answers(page, {"q3": "Shorter now."})
    save_and_continue(page)

    for section_id in ("assurance", "support", "childrens-adults-health", "conclusion"):
        heading(page, SECTION_TITLES[section_id])
        _checked(page)
        if section_id == "assurance":
            page.get_by_role("button", name="Save and come back later").click()
            heading(page, "Your answers have been saved")
            _checked(page, "saved")
            page.get_by_role("link", name="Continue answering now").click()
            heading(page, "Taking Stock: where next for sector-led improvement?")
            _checked(page)
            page.get_by_role("link", name=SECTION_TITLES[section_id]).click()
            heading(page, SECTION_TITLES[section_id])
        fill_answers(page, {"q21": "Final words.\nOn two lines."} if section_id == "conclusion" else {})
        save_and_continue(page)

    heading(page, CHECK_HEADING)
    _checked(page, "check")
    page.get_by_role("button", name="Submit your response").click()
    heading(page, "Response submitted")
    _checked(page, "submitted")
    page.goto(f"{server.url}/respond/")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("You submitted your response")
    _checked(page)

    # A page posted after the session has gone shows what was typed, for copying.
    page.goto(f"{server.url}/respond/section/conclusion")
    page.context.clear_cookies()
    fill_answers(page, {"q21": "Typed after the session ended"})
    save_and_continue(page)
    heading(page, "Open your link again")
    expect(page.locator("main")).to_contain_text("Typed after the session ended")
    _checked(page)

    open_link(page, link)
    server.set_dates(today() - dt.timedelta(days=30), today() - dt.timedelta(days=1))
    page.reload()
    heading(page, "This consultation has closed")
    _checked(page, "closed")
    server.set_dates(today() + dt.timedelta(days=1), today() + dt.timedelta(days=30))
    page.reload()
    heading(page, "This consultation is not open yet")
    _checked(page)


# --- 6. anonymity ----------------------------------------------------------------------


def test_no_token_or_contact_detail_reaches_database_files_export_or_log(server, page) -> None:
    link = server.link(**CONTACT, **LEADER)
    token = token_of(link)
    answer_text = "Distinctive answer 7f3a about scrutiny"
    open_link(page, link)
    page.get_by_role("button", name="Start now").click()
    expect(page.locator("main")).to_contain_text(CONTACT["organisation"])  # shown to its holder
    answer_about(page, consent="No, do not name my organisation")
    fill_answers(page, {"q1": DONT_KNOW, "q6": answer_text})
    page.get_by_role("button", name="Save and come back later").click()
    open_link(page, link)
    page.goto(f"{server.url}/respond/check")
    page.get_by_role("button", name="Submit your response").click()
    heading(page, "Response submitted")
    contact = list(CONTACT.values())

    # The database files, byte for byte (main file and write-ahead log): no token.
    files = [server.database, server.database.with_name(server.database.name + "-wal")]
    raw = b"".join(p.read_bytes() for p in files if p.exists())
    assert answer_text.encode() in raw  # the right files, holding the response
    assert token.encode() not in raw
    # Contact details live in the invitation list and nowhere else: once it is destroyed
    # (and the file compacted, so no freed page remains) no trace of them is left.
    db = sqlite3.connect(server.database, timeout=15, isolation_level=None)
    try:
        db.execute("DELETE FROM invitation")
        db.execute("VACUUM")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()
    raw = b"".join(p.read_bytes() for p in files if p.exists())
    assert answer_text.encode() in raw
    for secret in (token, *contact):
        assert secret.encode() not in raw, f"{secret!r} is still in the database files"

    # The export, as written to CSV.
    with server.app.app_context():
        consultation = consultations.get_by_slug("taking-stock")
        questionnaire = consultations.questionnaire_of(consultation)
    out = io.StringIO()
    assert write_csv(server.export(), questionnaire, out) == 1
    exported = out.getvalue()
    assert answer_text in exported and ",submitted," in exported
    for secret in (token, *contact):
        assert secret not in exported

    # The server's request log saw the link opened twice, without the token.
    log = server.log()
    for secret in (token, *contact):
        assert secret not in log
    assert log.count("GET /r/[link] HTTP/1.1") == 2
    assert "POST /respond/check HTTP/1.1" in log
