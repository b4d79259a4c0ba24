"""The officers' whole journey in headless Chromium against the real app over HTTP.

Sign in, upload a 250-row list (first with three bad rows, rejected whole, then fixed),
send invitations through a real SMTP server on loopback, answer through three of the
emailed links, send reminders (only the other 247 get one), watch the dashboard, key in
a paper response, close, purge — then the downloads still work, the SQLite files hold no
address from the list, and an analyst is kept away from every contact-detail page.
axe-core runs on every officer page visited.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from consult.data.clock import today
from tests.browser import assert_accessible
from tests.conftest import OFFICER_PASSWORD, add_officer, invitee
from tests.e2e.conftest import LiveServer
from tests.mailserver import MailServer, links_in

pytestmark = pytest.mark.e2e

OFFICER = "officer@lga.example"
ANALYST = "analyst@lga.example"
HEADER = ["Name", "Email", "Organisation", "Role", "Organisation type", "Region"]
PEOPLE = 250
INVITATION_SUBJECT = "your link to respond"
REMINDER_SUBJECT = "Reminder:"


def csv_file(rows: list[list[str]], name: str) -> dict[str, Any]:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return {"name": name, "mimeType": "text/csv", "buffer": out.getvalue().encode("utf-8")}


@pytest.fixture
def mail_server(live_server: LiveServer) -> Iterator[MailServer]:
    """A loopback SMTP server, with the live app sending through it and linking to itself."""
    server = MailServer()
    server.start()
    server.configure(live_server.app)
    live_server.app.config.update(BASE_URL=live_server.url, MAIL_SEND_SECONDS=1)
    try:
        yield server
    finally:
        server.stop()
        live_server.app.config.update(MAIL_SERVER=None, MAIL_FROM=None, BASE_URL=None)


def overall_row(page: Any, label: str) -> list[str]:
    """The cells (invited, started, submitted, rate) of a row of the dashboard's responses table."""
    table = page.locator("table", has=page.locator('caption:text-is("Responses by where they came from")'))
    row = table.locator("tr", has=page.locator(f'th:text-is("{label}")'))
    return [cell.strip() for cell in row.locator("td").all_inner_texts()]


def flash(page: Any) -> str:
    return page.locator(".govuk-notification-banner__content").first.inner_text()


def continue_sending(page: Any) -> int:
    """Select "Continue sending" on the invitation list until it goes; how many times."""
    rounds = 0
    while page.get_by_role("button", name="Continue sending").count():
        assert rounds < 40, "sending never finished"
        with page.expect_navigation():
            page.get_by_role("button", name="Continue sending").click()
        rounds += 1
    return rounds


def sign_in(page: Any, root: str, email: str) -> None:
    page.goto(f"{root}/sign-in")
    page.fill("#email", email)
    page.fill("#password", OFFICER_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{root}/officer/")


def respond_through(context: Any, link: str) -> None:
    """About you (consent), one section, check answers, submit — as the link's holder."""
    page = context.new_page()
    page.goto(link)
    assert page.url.endswith("/respond/")
    page.get_by_role("button", name="Start now").click()
    expect(page.locator("h1")).to_have_text("About you")
    page.get_by_label("No, do not name my organisation", exact=True).check()
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator("h1")).to_have_text("Key principles and future challenges")
    page.locator("#q1-group").get_by_label("Don't know", exact=True).check()
    page.locator("textarea[name=q3]").fill("Through health and wellbeing boards.")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator("h1")).to_have_text("Improvement, assurance and intervention")
    page.goto(link.rsplit("/r/", 1)[0] + "/respond/check")
    expect(page.locator("h1")).to_have_text("Check your answers before submitting your response")
    page.get_by_role("button", name="Submit your response").click()
    expect(page.locator("h1")).to_have_text("Response submitted")


def test_officers_run_the_consultation_end_to_end(
    server: LiveServer, mail_server: MailServer, new_context: Any
) -> None:
    root = server.url
    add_officer(server.app, OFFICER, "officer")
    add_officer(server.app, ANALYST, "analyst")
    mailbox = mail_server.mailbox
    addresses = [invitee(i)[1] for i in range(PEOPLE)]

    # axe is injected as an inline script, which the app's CSP rightly refuses.
    officer = new_context(bypass_csp=True, accept_downloads=True)
    page = officer.new_page()

    # --- sign in --------------------------------------------------------------------
    page.goto(f"{root}/sign-in")
    assert_accessible(page)
    sign_in(page, root, OFFICER)
    expect(page.locator("h1")).to_have_text("Taking Stock: where next for sector-led improvement?")
    # Nothing yet; while open, even the zeroes are shown as "fewer than 10".
    assert overall_row(page, "Invitation list") == ["fewer than 10"] * 3 + ["not shown"]
    assert_accessible(page)

    # --- upload a list with three bad rows: rejected whole, with the reasons ---------------
    page.get_by_role("link", name="Invitations", exact=True).click()
    expect(page.locator("h1")).to_have_text("Invitation list")
    assert_accessible(page)
    page.get_by_role("link", name="Upload an invitation list").first.click()
    expect(page.locator("h1")).to_have_text("Upload an invitation list")
    assert_accessible(page)
    rows = [invitee(i) for i in range(PEOPLE)]
    bad = [list(r) for r in rows]
    bad[9][5] = "Atlantis"  # row 11: unknown region
    bad[99][1] = "not-an-email"  # row 101: malformed email
    bad[199][1] = bad[4][1].upper()  # row 201: the address of row 6 again, in capitals
    page.set_input_files("#file", files=[csv_file(bad, "leaders.csv")])
    page.get_by_role("button", name="Upload and check").click()
    problems = page.locator(".govuk-error-summary")
    expect(problems).to_contain_text("The list was not uploaded: 3 rows have problems")
    cells = [
        [c.strip() for c in row.locator("td").all_inner_texts()]
        for row in page.locator("#row-errors + table tbody tr").all()
    ]
    where = [(row, column) for row, column, _ in cells]
    assert where == [("11", "Region"), ("101", "Email"), ("201", "Email")]
    assert "Atlantis" in cells[0][2] and "region" in cells[0][2]
    assert cells[1][2] == "Enter an email address in the correct format, like name@example.org"
    assert "also in row 6" in cells[2][2]
    assert_accessible(page)
    page.goto(f"{root}/officer/invitations")
    expect(page.locator(".govuk-summary-list").first).to_contain_text("On the list0")

    # --- fix and upload again: all 250 imported ---------------------------------------------
    page.goto(f"{root}/officer/invitations/upload")
    page.set_input_files("#file", files=[csv_file(rows, "leaders-fixed.csv")])
    page.get_by_role("button", name="Upload and check").click()
    page.wait_for_url(f"{root}/officer/invitations")
    assert flash(page).startswith("250 people added to the invitation list. 0 already on the list")
    expect(page.locator("main")).to_contain_text("Person 0")
    assert_accessible(page)
    page.get_by_role("link", name="Dashboard").click()
    page.wait_for_url(f"{root}/officer/")
    assert overall_row(page, "Invitation list") == ["250", "fewer than 10", "fewer than 10", "not shown"]
    page.get_by_role("link", name="Invitations", exact=True).click()

    # --- send invitations, continuing until the outbox is empty -------------------------------
    page.get_by_role("link", name="Send invitations by email").click()
    expect(page.locator("h1")).to_have_text("Send invitations")
    expect(page.locator("main")).to_contain_text("250 people are due an invitation")
    assert_accessible(page)
    page.get_by_role("button", name="Send invitations").click()
    page.wait_for_url(f"{root}/officer/invitations")
    assert continue_sending(page) >= 1  # 250 emails take longer than one request may send for
    emails = page.locator(".govuk-summary-list").nth(1)
    expect(emails).to_contain_text("Sent250")
    expect(emails).to_contain_text("Waiting to be sent0")
    expect(emails).to_contain_text("Refused by the mail server0")
    invitations = list(mailbox.messages)
    assert len(invitations) == PEOPLE
    assert sorted(mailbox.recipients()) == sorted(addresses)
    assert all(INVITATION_SUBJECT in str(m["Subject"]) for m in invitations)
    tokens = [links_in(m) for m in invitations]
    assert all(len(t) == 1 for t in tokens), "each invitation carries exactly one link"
    assert len({t[0] for t in tokens}) == PEOPLE
    for message, (token,) in zip(invitations, tokens, strict=True):
        assert f"{root}/r/{token}" in message.get_body(preferencelist=("plain",)).get_content()

    # --- three people answer through their emailed links ------------------------------------
    chosen = [invitations[i] for i in (3, 150, 249)]
    for message in chosen:
        respond_through(new_context(), f"{root}/r/{links_in(message)[0]}")
    responders = {str(m["To"]) for m in chosen}

    # --- the dashboard moves, small counts hidden while open ----------------------------------
    page.get_by_role("link", name="Dashboard").click()
    page.wait_for_url(f"{root}/officer/")
    invited_row = overall_row(page, "Invitation list")
    assert invited_row == ["250", "fewer than 10", "fewer than 10", "not shown"], invited_row
    expect(page.locator(".govuk-inset-text")).to_contain_text("fewer than 10")
    assert_accessible(page)

    # --- reminders: only the 247 who have not submitted --------------------------------------
    page.goto(f"{root}/officer/invitations")
    expect(page.locator(".govuk-summary-list").first).to_contain_text("Responded3")
    page.get_by_role("link", name="Send reminders to people who have not responded").click()
    expect(page.locator("h1")).to_have_text("Send reminders")
    expect(page.locator("main")).to_contain_text("247 people are due a reminder")
    assert_accessible(page)
    page.get_by_role("button", name="Send reminders").click()
    page.wait_for_url(f"{root}/officer/invitations")
    continue_sending(page)
    reminders = mailbox.messages[PEOPLE:]
    assert len(reminders) == PEOPLE - 3
    assert all(str(m["Subject"]).startswith(REMINDER_SUBJECT) for m in reminders)
    reminded = [str(m["To"]) for m in reminders]
    assert len(set(reminded)) == PEOPLE - 3
    assert set(reminded) == set(addresses) - responders
    expect(page.locator(".govuk-summary-list").first).to_contain_text("Sent a reminder247")

    # --- the mail-merge page (looked at, not used: it would re-issue links) -------------------
    page.get_by_role("link", name="Download a mail-merge file").click()
    expect(page.locator("h1")).to_have_text("Download a mail-merge file")
    assert_accessible(page)

    # --- key in a paper response, first with errors ------------------------------------------
    page.get_by_role("link", name="Key in a response").click()
    expect(page.locator("h1")).to_have_text("Key in a response")
    assert_accessible(page)
    page.get_by_role("button", name="Save response").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select how the response arrived")
    assert_accessible(page)
    page.locator("#channel-group").get_by_label("On paper", exact=True).check()
    page.locator("#role-group").get_by_label("Chief executive", exact=True).check()
    page.locator("#organisation_type-group").get_by_label("District", exact=True).check()
    page.locator("#region-group").get_by_label("North West", exact=True).check()
    page.locator("#consent_to_be_named-group").get_by_label("No, do not name my organisation").check()
    page.locator("#q1-group").get_by_label("Don't know", exact=True).check()
    page.locator("#q8-group").get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Save response").click()
    saved = page.locator(".govuk-notification-banner--success")
    expect(saved).to_contain_text("Response saved and counted as submitted.")
    expect(page.locator(".govuk-error-summary")).to_have_count(0)
    assert_accessible(page)

    # --- close the consultation from the dates page -------------------------------------------
    page.get_by_role("link", name="Dates").click()
    expect(page.locator("h1")).to_have_text("Change the dates")
    assert_accessible(page)
    yesterday = today() - dt.timedelta(days=1)
    page.fill("#closes_on_day", str(yesterday.day))
    page.fill("#closes_on_month", str(yesterday.month))
    page.fill("#closes_on_year", str(yesterday.year))
    page.get_by_role("button", name="Save dates").click()
    page.wait_for_url(f"{root}/officer/")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Dates changed")
    # Closed: the exact numbers appear.
    assert overall_row(page, "Invitation list") == ["250", "3", "3", "1.2%"]
    assert overall_row(page, "Keyed in from email or paper") == ["not applicable", "1", "1", "not applicable"]
    assert overall_row(page, "All responses") == ["not applicable", "4", "4", "not applicable"]
    expect(page.locator("main")).not_to_contain_text("fewer than 10")
    assert_accessible(page)
    # A link now shows the closed page.
    closed = new_context().new_page()
    closed.goto(f"{root}/r/{links_in(invitations[0])[0]}")
    expect(closed.locator("h1")).to_have_text("This consultation has closed")

    # --- purge: a wrong confirmation first, then the right one ---------------------------------
    page.get_by_role("link", name="Delete contact details").click()
    expect(page.locator("h1")).to_have_text("Delete contact details")
    assert_accessible(page)
    page.fill("#confirm", "taking stock")
    page.get_by_role("button", name="Delete contact details").last.click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Type taking-stock exactly")
    assert_accessible(page)
    page.fill("#confirm", "taking-stock")
    page.get_by_role("button", name="Delete contact details").last.click()
    page.wait_for_url(f"{root}/officer/")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        f"Contact details deleted: {PEOPLE} invitations"
    )
    expect(page.locator("main")).to_contain_text("Contact details were deleted on")
    assert_accessible(page)

    # --- the anonymised export and the counts still download, with the officer's session -------
    export = page.request.get(f"{root}/officer/downloads/responses.csv")
    assert export.status == 200 and export.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(export.text().lstrip("\ufeff"))))
    assert len(table) == 4
    assert sorted(r["status"] for r in table) == ["submitted"] * 4
    assert sorted(r["q1"] for r in table) == ["Don't know"] * 4
    exported = export.text()
    assert "@" not in exported
    page.get_by_role("button", name="Prepare counts (CSV)").click()
    expect(page.locator("h1")).to_have_text("Counts (CSV)")
    link = page.get_by_role("link", name="Download taking-stock-counts.csv")
    expect(link).to_be_visible(timeout=60_000)  # the page polls, then reloads when it is ready
    assert_accessible(page)
    counts = page.request.get(f"{root}{link.get_attribute('href')}")
    assert counts.status == 200 and counts.headers["content-type"].startswith("text/csv")
    counted = counts.text()
    q1 = {
        r["option"]: r
        for r in csv.DictReader(io.StringIO(counted.lstrip("\ufeff")))
        if (r["question_id"], r["segment_by"]) == ("q1", "all")
    }
    # Four were asked: under 10, so every figure of the row is hidden, the base and the zero too.
    assert q1["Don't know"]["base"] == "" and q1["Don't know"]["suppressed"] == "True"
    assert q1["Not answered"]["count"] == "" and q1["Not answered"]["suppressed"] == "True"
    assert "@" not in counted

    # --- the database files hold no address from the list --------------------------------------
    files = [server.database, server.database.with_name(server.database.name + "-wal")]
    raw = b"".join(p.read_bytes() for p in files if p.exists())
    assert b"Through health and wellbeing boards." in raw  # the right files, holding responses
    found = sorted({a for a in addresses if a.encode() in raw})
    assert not found, f"{len(found)} addresses are still in the database files, e.g. {found[:3]}"
    assert not re.search(rb"person\d+@council\d+\.gov\.uk", raw, re.IGNORECASE)

    # --- the audit log --------------------------------------------------------------------------
    page.get_by_role("link", name="Audit log").click()
    expect(page.locator("h1")).to_have_text("Audit log")
    audit = page.locator("main table").inner_text()
    for action in (
        "signed in",
        "imported invitation list",
        "sent emails",
        "keyed in a response",
        "changed the closing date",
        "purged contact details",
        "exported",
    ):
        assert action in audit, action
    assert "person0@" not in audit
    assert_accessible(page)

    # --- an analyst sees the dashboard and nothing with a contact detail ------------------------
    analyst = new_context().new_page()
    sign_in(analyst, root, ANALYST)
    expect(analyst.locator("h1")).to_have_text("Taking Stock: where next for sector-led improvement?")
    expect(analyst.get_by_role("link", name="Invitations", exact=True)).to_have_count(0)
    for path in (
        "/officer/invitations",
        "/officer/invitations/upload",
        "/officer/invitations/mail-merge",
        "/officer/responses/new",
        "/officer/purge",
    ):
        response = analyst.goto(root + path)
        assert response is not None and response.status == 403, path
    response = analyst.goto(f"{root}/officer/")
    assert response is not None and response.status == 200
    assert overall_row(analyst, "All responses") == ["not applicable", "4", "4", "not applicable"]
    # The counts file prepared above is on record as a release of the four responses.
    caption = analyst.locator('caption:text-is("Releases of this consultation, newest first")')
    releases = analyst.locator("table", has=caption)
    expect(releases.locator("tbody tr")).to_have_count(1)
    release = [cell.strip() for cell in releases.locator("tbody tr td").all_inner_texts()]
    assert release[1:5] == ["Counts (CSV)", "10", "role, organisation type, region, channel", "4"], release
