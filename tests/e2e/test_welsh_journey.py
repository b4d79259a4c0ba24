"""The respondent journey in Welsh, in headless Chromium against the real app over HTTP.

The language switch, `lang="cy"`, the questionnaire's Welsh text, a conditional reveal,
a submitted response that counts together with an English one, the confirmation in
Welsh, and axe-core (WCAG 2.2 AA) on every page drawn in Welsh. Taking Stock's Welsh is a
draft, so the server offers it as a test consultation does (OFFER_DRAFT_TRANSLATIONS).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from analysis.counts.counting import count_answers
from analysis.loading import load_responses
from consult.data.clock import today
from consult.data.export import write_csv
from questions import load_questionnaire
from tests.browser import assert_accessible
from tests.conftest import save_about, save_section, submit
from tests.e2e.conftest import LEADER, LiveServer

pytestmark = pytest.mark.e2e

WELSH = load_questionnaire("taking-stock").in_language("cy")


@pytest.fixture
def welsh_server(server: LiveServer) -> Iterator[LiveServer]:
    server.app.config["OFFER_DRAFT_TRANSLATIONS"] = True
    try:
        yield server
    finally:
        server.app.config["OFFER_DRAFT_TRANSLATIONS"] = False


def in_welsh(page, heading: str) -> None:
    """The page is in Welsh, says `heading`, and axe finds nothing on it."""
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    expect(page.locator("h1")).to_have_text(heading)
    assert_accessible(page)


def save(page) -> None:
    page.get_by_role("button", name="Cadw a pharhau").click()


def test_a_welsh_response_from_switch_to_confirmation_counts_with_an_english_one(
    welsh_server: LiveServer, new_context, tmp_path
) -> None:
    server = welsh_server
    # axe is injected as an inline script, which the app's CSP rightly refuses.
    page = new_context(bypass_csp=True, locale="en-GB").new_page()

    page.goto(server.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("link", name="Cymraeg").click()  # the switch, as a link to the same page
    in_welsh(page, WELSH.title)
    page.get_by_role("link", name="cael eich dolen eich hun i ymateb").click()
    in_welsh(page, "Cael eich dolen eich hun i ymateb")
    page.goto(f"{server.url}/r/{'x' * 43}")
    in_welsh(page, "Nid yw’r ddolen hon yn ddilys")

    link = server.link(**LEADER)
    page.goto(link)  # opening a link keeps the language chosen
    in_welsh(page, WELSH.title)
    page.get_by_role("button", name="Dechrau nawr").click()
    in_welsh(page, "Amdanoch chi")
    expect(page.locator(".govuk-summary-list")).to_contain_text(WELSH.profile.region_label("Wales"))
    save(page)  # nothing chosen: the error summary, in Welsh
    expect(page.locator(".govuk-error-summary")).to_contain_text("Mae problem")
    in_welsh(page, "Amdanoch chi")
    page.get_by_label("Na chewch, peidiwch ag enwi fy sefydliad", exact=True).check()
    save(page)

    for section in WELSH.sections:
        in_welsh(page, section.title)
        if section.id == "principles":
            q1 = WELSH.question("q1")
            expect(page.locator("main")).to_contain_text(f"Cwestiwn 1. {q1.text}")
            page.get_by_label(q1.option_label("Don't know"), exact=True).check()
            page.locator("textarea[name=q3]").fill("Drwy fyrddau iechyd a llesiant.")
        if section.id == "childrens-adults-health":
            q13, q14 = WELSH.question("q13"), WELSH.question("q14")
            expect(page.locator("#q14-group")).to_be_hidden()
            page.locator("#q13-group").get_by_label(q13.option_label("Yes"), exact=True).check()
            expect(page.locator("#q14-group")).to_be_visible()  # revealed in place
            assert_accessible(page)
            page.locator("#q14-group").get_by_label(q14.option_label("No"), exact=True).check()
        save(page)

    in_welsh(page, "Gwiriwch eich atebion cyn cyflwyno eich ymateb")
    expect(page.locator("main")).to_contain_text("Drwy fyrddau iechyd a llesiant.")
    page.get_by_role("button", name="Cyflwyno eich ymateb").click()
    in_welsh(page, "Ymateb wedi’i gyflwyno")
    expect(page.locator(".govuk-panel")).to_contain_text(f"Diolch am ymateb i {WELSH.title}")

    # An English respondent answers q13 the same way, through the app itself.
    english = server.app.test_client()
    english.get("/r/" + server.link(**LEADER).rsplit("/r/", 1)[1])
    save_about(english, {"consent_to_be_named": "yes", "organisation_name": "Anytown Council"})
    save_section(english, "childrens-adults-health", {"q13": "Yes", "q14": "Yes"})
    assert submit(english).status_code == 303

    rows = server.export()
    assert sorted(row["q13"] for row in rows) == ["Yes", "Yes"]
    assert sorted(row["q14"] for row in rows) == ["No", "Yes"]
    export = tmp_path / "responses.csv"
    with export.open("w", encoding="utf-8", newline="") as out:
        write_csv(rows, load_questionnaire("taking-stock"), out)
    counts = count_answers(load_responses(export).responses, load_questionnaire("taking-stock"))
    yes = counts[(counts["question_id"] == "q13") & (counts["option"] == "Yes")]
    assert yes["count"].tolist() == [2]  # the Welsh "Oes" and the English "Yes" are one answer

    # The pages a respondent meets when the consultation is not open, in Welsh too.
    page.goto(f"{server.url}/respond/")
    server.set_dates(today() - dt.timedelta(days=30), today() - dt.timedelta(days=1))
    page.reload()
    in_welsh(page, "Mae’r ymgynghoriad hwn wedi cau")
    page.context.clear_cookies()
    page.goto(f"{server.url}/respond/")
    expect(page.locator("html")).to_have_attribute("lang", "en")  # the choice went with the cookie
