"""An analyst reviews the themes of ~1,000 answers in headless Chromium, over HTTP.

Run themes as a background job and watch its progress; rename a theme and describe it,
merge two, move answers, approve a quote, flag an answer (with the keyboard only); a
second analyst renaming another theme meanwhile saves without trouble, but saving over a
newer change to the same theme gets a message naming that change (who, when, what) and
keeps what they typed; an officer's audit log shows each change. axe-core on every review
page.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser import assert_accessible
from tests.conftest import OFFICER_PASSWORD, add_officer
from tests.e2e.conftest import LiveServer
from tests.theme_seed import insert_submitted_answers

pytestmark = pytest.mark.e2e

ANALYST = "analyst@lga.example"
SECOND = "second.analyst@lga.example"
OFFICER = "officer@lga.example"
ANSWERS = 1_000


def sign_in(page: Any, root: str, email: str) -> None:
    # The machine may be busy (a theme run in the background, other tests): be patient.
    page.set_default_timeout(30_000)
    page.goto(f"{root}/sign-in")
    page.fill("#email", email)
    page.fill("#password", OFFICER_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{root}/officer/")


def tab_to(page: Any, selector: str, most: int = 150) -> None:
    """Press Tab until `selector` has the focus, as a keyboard user would."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"never reached {selector} with Tab")


def flash(page: Any) -> str:
    return page.locator(".govuk-notification-banner__content").first.inner_text()


def test_analyst_reviews_themes_of_a_thousand_answers(server: LiveServer, new_context: Any) -> None:
    root = server.url
    for email, role in ((ANALYST, "analyst"), (SECOND, "analyst"), (OFFICER, "officer")):
        try:
            add_officer(server.app, email, role)
        except Exception:  # already there from an earlier test in this module
            pass
    insert_submitted_answers(server.app, "q3", ANSWERS, seed=3)

    page = new_context(bypass_csp=True).new_page()
    sign_in(page, root, ANALYST)
    page.get_by_role("link", name="Themes", exact=True).first.click()
    page.wait_for_url(f"{root}/officer/themes")
    assert "1000 submitted answers" in page.content()
    page.get_by_role("button", name="Find themes for question 3").click()
    page.wait_for_url(re.compile(r".*/officer/themes/runs/\d+$"))
    # The request has returned while the run goes on: its page shows where it has got to.
    status = page.locator("#run-status").inner_text()
    assert any(word in status for word in ("Waiting to start", "Running", "Finished")), status
    assert_accessible(page)
    # Without JavaScript the Refresh link reloads; here the page polls and reloads itself.
    expect(page.locator("#run-status")).to_contain_text("Finished", timeout=120_000)
    assert_accessible(page)
    page.get_by_role("link", name="Question 3").click()
    page.wait_for_url(f"{root}/officer/themes/q3")
    expect(page.locator("h1")).to_have_text("Themes")
    assert "Machine draft, not yet reviewed" in page.content()
    assert_accessible(page)

    # Rename and describe the first theme.
    rows = page.locator("table.govuk-table tbody tr")
    first_name = rows.nth(0).locator("a").inner_text()
    second_name = rows.nth(1).locator("a").inner_text()
    rows.nth(0).locator("a").click()
    theme_url = page.url
    assert_accessible(page)
    page.get_by_text("Rename or describe this theme").click()
    page.fill("#name", "Peer support and challenge")
    page.fill("#description", "Councils value challenge from their peers.")
    page.get_by_role("button", name="Save name and description").click()
    expect(page.locator("h1")).to_have_text("Peer support and challenge")
    assert "Theme saved" in flash(page)

    # A second analyst opens the same theme, and the last one in the list in another tab,
    # before the first analyst's next change.
    other = new_context(bypass_csp=True).new_page()
    sign_in(other, root, SECOND)
    other.goto(f"{root}/officer/themes/q3")
    last_url = other.locator("table.govuk-table tbody tr").last.locator("a").get_attribute("href")
    elsewhere = other.context.new_page()
    elsewhere.goto(f"{root}{last_url}")
    elsewhere.get_by_text("Rename or describe this theme").click()
    other.goto(theme_url)
    other.get_by_text("Rename or describe this theme").click()

    # Merge the second theme into the first.
    page.goto(f"{root}/officer/themes/q3")
    page.get_by_role("checkbox", name=re.compile(rf"^{re.escape(second_name)} \(\d+\)$")).first.check()
    into = page.locator("#into option", has_text="Peer support and challenge").first.get_attribute("value")
    page.select_option("#into", value=into)
    page.get_by_role("button", name="Merge themes").click()
    assert "Themes merged into ‘Peer support and challenge’" in flash(page)
    assert second_name not in page.locator("table.govuk-table").inner_text()
    assert_accessible(page)

    # Move two answers of the merged theme to another theme.
    target = page.locator("table.govuk-table tbody tr").nth(1).locator("a").inner_text()
    page.goto(theme_url)
    boxes = page.locator("input[name=answers]")
    moved = [boxes.nth(0).get_attribute("value"), boxes.nth(1).get_attribute("value")]
    boxes.nth(0).check()
    boxes.nth(1).check()
    to_theme = page.locator("#to_theme option", has_text=f"{target} (").first.get_attribute("value")
    page.select_option("#to_theme", value=to_theme)
    page.get_by_role("button", name="Save the selected answers").click()
    assert "2 answers saved" in flash(page)
    assert moved[0] not in page.content()
    assert_accessible(page)

    # Search for a word of an answer on the page (which words a theme holds depends on the
    # engine's grouping), then approve a quote.
    shown = page.locator(".consult-answer-text").first.inner_text()
    word = max(re.findall(r"[A-Za-z]{4,}", shown), key=len)
    page.fill("#words", word)
    page.get_by_role("button", name="Search").click()
    assert re.search(rf"[1-9]\d* answers? containing “{word}”", page.content())
    page.locator("a", has_text="Review answer").first.click()
    quoted = page.url.rsplit("/", 1)[1]
    assert_accessible(page)
    page.check("input[name=quote][value=yes]")
    page.get_by_role("button", name="Save answer").click()
    assert "Answer saved" in flash(page)
    assert "Quote approved" in page.content()

    # Flag another answer, keyboard only.
    page.goto(theme_url)
    page.locator("a", has_text="Review answer").nth(1).click()
    flagged = page.url.rsplit("/", 1)[1]
    # Tab reaches a radio group at its chosen radio; the arrow keys choose another.
    tab_to(page, "input[name=flag]:checked")
    page.keyboard.press("ArrowDown")
    assert page.is_checked("input[name=flag][value=identifying]")
    tab_to(page, "button[type=submit].govuk-button:not(.govuk-button--secondary)")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert "Answer saved" in flash(page)
    assert "Flagged: identifying" in page.content()

    # The second analyst renames the other theme: nobody changed it, so it is saved.
    elsewhere.fill("#name", "Named by the second analyst")
    elsewhere.get_by_role("button", name="Save name and description").click()
    assert "Theme saved" in flash(elsewhere)
    expect(elsewhere.locator("h1")).to_have_text("Named by the second analyst")

    # The second analyst saves the stale form of the merged theme: a message naming the
    # change that came first, and what they typed, kept.
    other.fill("#name", "Sector-led peer work")
    other.fill("#description", "What the second analyst wrote.")
    other.get_by_role("button", name="Save name and description").click()
    problem = other.locator(".govuk-error-summary").inner_text()
    assert re.search(
        rf"{re.escape(ANALYST)} changed this theme at \d\d:\d\d on .* \(UK time\), after you opened this "
        rf"page: merged '{re.escape(second_name)}'",
        problem,
    ), problem
    assert "Your change has not been saved" in problem
    expect(other.locator("#name")).to_have_value("Sector-led peer work")
    expect(other.locator("#description")).to_have_value("What the second analyst wrote.")
    assert_accessible(other)
    expect(page.locator("h1")).to_have_text(re.compile("Answer"))
    page.goto(theme_url)
    expect(page.locator("h1")).to_have_text("Peer support and challenge")  # the first edit stays

    # The officer's audit log shows each change, by whom.
    officer = new_context(bypass_csp=True).new_page()
    sign_in(officer, root, OFFICER)
    officer.goto(f"{root}/officer/audit")
    log = officer.locator("table").inner_text()
    assert f"renamed theme '{first_name}' -> 'Peer support and challenge'" in log
    assert "merged" in log and f"'{second_name}'" in log
    assert f"moved 2 answer(s) from 'Peer support and challenge' to '{target}'" in log
    assert f"answer {quoted}:" in log and "quote approved" in log
    assert f"answer {flagged}:" in log and "flag none -> identifying" in log
    assert f"{ANALYST}\ttheme review" in log
    assert "-> 'Named by the second analyst'" in log
    assert "Sector-led peer work" not in log  # the stale save changed nothing
    assert_accessible(officer)

    # The reviewed, suggested and unthemed counts; the answers lists pass axe too.
    page.goto(f"{root}/officer/themes/q3")
    assert_accessible(page)
    page.goto(f"{root}/officer/themes/q3/answers?show=unthemed")
    assert_accessible(page)
