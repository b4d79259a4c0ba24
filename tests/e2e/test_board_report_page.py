"""The Board report page in Chromium: the words form (errors keep what was typed), the prepared downloads."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.board_report.reading import read_docx
from tests.browser import assert_accessible
from tests.conftest import add_officer
from tests.e2e.conftest import LiveServer
from tests.e2e.test_officer_journey import sign_in

pytestmark = pytest.mark.e2e

ANALYST = "analyst.board@lga.example"


def test_analyst_writes_the_words_and_downloads_the_report(server: LiveServer, new_context: Any) -> None:
    root = server.url
    add_officer(server.app, ANALYST, "analyst")
    context = new_context(bypass_csp=True, accept_downloads=True)
    page = context.new_page()
    sign_in(page, root, ANALYST)
    page.get_by_role("link", name="Write the officer’s words for the Board report").click()
    expect(page.locator("h1")).to_have_text("Board report")
    assert_accessible(page)

    page.get_by_label("Summary").fill("The sector values peer challenge.")
    page.get_by_label("Recommendations").fill("That the Board notes the results.")
    page.get_by_label("Email address").fill("not an email")
    page.get_by_role("button", name="Save the words").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("email address in the correct format")
    expect(page.get_by_label("Summary")).to_have_value("The sector values peer challenge.")
    assert page.title().startswith("Error:")
    assert_accessible(page)

    page.get_by_label("Email address").fill("dennis.skinner@local.gov.uk")
    page.get_by_label("Board", exact=True).fill("Improvement and Innovation Board")
    page.get_by_label("Day").fill("17")
    page.get_by_label("Month").fill("3")
    page.get_by_label("Year").fill("2027")
    page.get_by_label("For discussion").check()
    page.get_by_role("button", name="Save the words").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("have been saved")
    # What is still missing is listed for the team, never written into the paper.
    checklist = page.locator("h2:has-text('Before the report goes to the Board') + p + ul")
    expect(checklist).to_contain_text("Not given yet: item number")
    expect(checklist).to_contain_text("Not written yet: action, background")
    assert_accessible(page)

    # The report is prepared in the background: its page shows progress, then the file.
    page.get_by_role("button", name="Prepare Board report (Word)").click()
    expect(page.locator("h1")).to_have_text("Board report (DOCX)")
    link = page.get_by_role("link", name="Download taking-stock-board-report.docx")
    expect(link).to_be_visible(timeout=60_000)  # the page polls, then reloads when it is ready
    assert_accessible(page)
    with page.expect_download() as download:
        link.click()
    read = read_docx(open(download.value.path(), "rb").read())
    assert "The sector values peer challenge." in read.text
    assert "dennis.skinner@local.gov.uk" in read.text
    assert read.text.splitlines()[:2] == ["Improvement and Innovation Board", "17 March 2027"]
    assert "Not yet written" not in read.text

    page.get_by_role("link", name="Back to the Board report").click()
    page.get_by_role("button", name="Prepare Board report (HTML)").click()
    link = page.get_by_role("link", name="Download taking-stock-board-report.html")
    expect(link).to_be_visible(timeout=60_000)
    html = page.request.get(f"{root}{link.get_attribute('href')}")
    assert html.ok and html.headers["content-type"].startswith("text/html")
    report = context.new_page()
    report.set_content(html.text())
    expect(report.locator("h1")).to_contain_text("results of the consultation")
    assert_accessible(report)
