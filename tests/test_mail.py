"""Invitations and reminders through a real SMTP server on loopback: links, resumability, reminders."""

from __future__ import annotations

import asyncio

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from consult.cli import main
from consult.data import consultations
from consult.extensions import db
from consult.mail import sending as mail
from consult.mail import smtp
from consult.models import AuditEvent, Invitation, OutboxMessage
from tests.conftest import csrf_token, invitee, save_about, submit
from tests.mailserver import MailServer, links_in, mail_server, plain_text
from tests.test_invitations import csv_bytes, upload

__all__ = ["mail_server"]


def post_form(client: FlaskClient, path: str, **data: str) -> object:
    page = client.get(path)
    return client.post(path, data={"csrf_token": csrf_token(page.data), **data})


def send_invitations(client: FlaskClient) -> object:
    return post_form(client, "/officer/invitations/send")


def send_reminders(client: FlaskClient, content: str = "same_link") -> object:
    return post_form(client, "/officer/invitations/reminders", content=content)


def outbox(app: Flask) -> list[tuple[str, str, str]]:
    with app.app_context():
        rows = db.session.execute(
            select(Invitation.email, OutboxMessage.kind, OutboxMessage.status)
            .join(Invitation, Invitation.id == OutboxMessage.invitation_id)
            .order_by(OutboxMessage.id)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


def respond_and_submit(app: Flask, token: str) -> None:
    client = app.test_client()
    assert client.get(f"/r/{token}").status_code == 303
    save_about(client, {"consent_to_be_named": "no"})
    assert submit(client).headers["Location"] == "/respond/submitted"


def test_each_person_gets_one_email_with_only_their_own_working_link(
    app: Flask, officer_client: FlaskClient, mail_server: MailServer
) -> None:
    rows = [invitee(i) for i in range(12)]
    upload(officer_client, csv_bytes(rows))
    page = officer_client.get("/officer/invitations/send")
    assert b"<strong>12</strong> people are due an invitation" in page.data
    response = send_invitations(officer_client)
    assert response.status_code == 303
    assert "12 emails sent." in officer_client.get("/officer/invitations").data.decode()

    assert sorted(mail_server.mailbox.recipients()) == sorted(r[1] for r in rows)
    tokens = set()
    for row in rows:
        (message,) = mail_server.mailbox.to(row[1])
        found = links_in(message)
        assert len(found) == 1, "each email carries exactly one link"
        tokens.add(found[0])
        text = plain_text(message)
        assert text.startswith(f"Dear {row[0]},")
        assert "closes at the end of" in text and message["Subject"].endswith("your link to respond")
        assert not any(other[1] in text or f"{other[0]}," in text for other in rows if other is not row)
        assert message.get_body(preferencelist=("html",)) is not None
        visitor = app.test_client()
        redeemed = visitor.get(f"/r/{found[0]}")
        assert redeemed.status_code == 303 and redeemed.headers["Location"].endswith("/respond/")
    assert len(tokens) == 12

    with app.app_context():
        people = list(db.session.scalars(select(Invitation)))
        assert all(p.sent_on is not None and p.token_digest for p in people)
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "sent emails"))
        assert (
            event is not None and "12 sent" in event.detail and event.officer_email == "officer@lga.example"
        )
        assert not any(t in event.detail for t in tokens)

    # Sending again sends nothing: no one is invited twice.
    assert b"There is no one to send to" in officer_client.get("/officer/invitations/send").data
    send_invitations(officer_client)
    assert len(mail_server.messages) == 12


def test_reminders_go_only_to_those_who_have_not_submitted(
    app: Flask, officer_client: FlaskClient, mail_server: MailServer
) -> None:
    rows = [invitee(i) for i in range(6)]
    rows.append(["Not sent", "notsent@x.gov.uk", "X", "Leader", "County", "Wales"])
    upload(officer_client, csv_bytes(rows[:6]))
    send_invitations(officer_client)
    upload(officer_client, csv_bytes(rows))  # one more, never sent a link
    token_of = {r[1]: links_in(mail_server.mailbox.to(r[1])[0])[0] for r in rows[:6]}
    for r in rows[:3]:
        respond_and_submit(app, token_of[r[1]])
    mail_server.messages.clear()

    page = officer_client.get("/officer/invitations/reminders")
    assert b"<strong>3</strong> people are due a reminder" in page.data
    assert send_reminders(officer_client).status_code == 303
    assert sorted(mail_server.mailbox.recipients()) == sorted(r[1] for r in rows[3:6])
    for message in mail_server.messages:
        assert links_in(message) == []  # points to the link already sent, which still works
        assert "Use the link in the email we sent you on" in plain_text(message)
    for r in rows[3:6]:
        assert app.test_client().get(f"/r/{token_of[r[1]]}").status_code == 303

    # Not again today; a new-link reminder is a separate choice and replaces the old link.
    mail_server.messages.clear()
    send_reminders(officer_client)
    assert mail_server.messages == []
    with app.app_context():
        db.session.execute(Invitation.__table__.update().values(reminded_on=None))
        db.session.commit()
    send_reminders(officer_client, content="new_link")
    assert sorted(mail_server.mailbox.recipients()) == sorted(r[1] for r in rows[3:6])
    for r in rows[3:6]:
        (message,) = mail_server.mailbox.to(r[1])
        (new_token,) = links_in(message)
        assert app.test_client().get(f"/r/{token_of[r[1]]}").status_code == 404
        assert app.test_client().get(f"/r/{new_token}").status_code == 303


def test_a_refused_address_fails_alone_and_is_sent_once_when_accepted(
    app: Flask, officer_client: FlaskClient, mail_server: MailServer
) -> None:
    rows = [invitee(i) for i in range(5)]
    upload(officer_client, csv_bytes(rows))
    mail_server.mailbox.refuse.add(rows[2][1])
    send_invitations(officer_client)
    assert sorted(mail_server.mailbox.recipients()) == sorted(r[1] for i, r in enumerate(rows) if i != 2)
    page = officer_client.get("/officer/invitations").data.decode()
    assert "Refused by the mail server" in page and rows[2][1] in page and "550" in page
    with app.app_context():
        refused = db.session.scalar(select(Invitation).where(Invitation.email == rows[2][1]))
        assert refused.token_digest is None and refused.sent_on is None  # the unsent link was withdrawn

    mail_server.mailbox.refuse.clear()
    send_invitations(officer_client)
    recipients = mail_server.mailbox.recipients()
    assert sorted(recipients) == sorted(r[1] for r in rows)  # each exactly once


def test_a_dropped_connection_mid_batch_resumes_without_sending_twice(
    app: Flask, officer_client: FlaskClient, mail_server: MailServer
) -> None:
    rows = [invitee(i) for i in range(8)]
    upload(officer_client, csv_bytes(rows))
    handler = mail_server.mailbox
    accept = handler.handle_DATA
    dropped: list[str] = []

    async def drop_after_three(server, session, envelope):  # type: ignore[no-untyped-def]
        if len(handler.messages) == 3 and not dropped:
            dropped.append(envelope.rcpt_tos[0])
            server.transport.close()  # hang up before saying whether the message was accepted
            await asyncio.sleep(0)
            return "421 closing"
        return await accept(server, session, envelope)

    handler.handle_DATA = drop_after_three  # type: ignore[method-assign]
    send_invitations(officer_client)
    assert len(handler.messages) == 3
    statuses = [status for _, _, status in outbox(app)]
    assert statuses == ["sent"] * 3 + ["sending"] + ["pending"] * 4
    page = officer_client.get("/officer/invitations").data.decode()
    assert "may or may not have arrived" in page and dropped[0] in page and "Continue sending" in page

    # Resuming sends the rest, but not the unconfirmed one.
    token = csrf_token(officer_client.get("/officer/invitations").data)
    officer_client.post("/officer/invitations/outbox/continue", data={"csrf_token": token})
    assert len(handler.messages) == 7 and dropped[0] not in handler.recipients()
    assert sorted(handler.recipients()) == sorted(r[1] for r in rows if r[1] != dropped[0])

    # Only when an officer says so is it sent again.
    officer_client.post("/officer/invitations/outbox/release", data={"csrf_token": token})
    officer_client.post("/officer/invitations/outbox/continue", data={"csrf_token": token})
    assert sorted(handler.recipients()) == sorted(r[1] for r in rows)
    (message,) = handler.to(dropped[0])
    assert app.test_client().get(f"/r/{links_in(message)[0]}").status_code == 303


def test_a_stopped_server_leaves_the_batch_pending_and_resumes_it(
    app: Flask, officer_client: FlaskClient, mail_server: MailServer
) -> None:
    rows = [invitee(i) for i in range(10)]
    upload(officer_client, csv_bytes(rows))
    with app.app_context():
        consultation = consultations.get_by_slug("taking-stock")
        settings = smtp.settings_from(app.config)
        assert settings is not None
        _batch, queued = mail.queue(consultation, mail.INVITATION)
        db.session.commit()
        assert queued == 10
        report = mail.send_pending(consultation, settings, "http://consult.example", time_budget=None)
        assert report.sent == 10
    # Queue again with the server stopped part way through a second list.
    upload(officer_client, csv_bytes([invitee(i) for i in range(16)]))
    mail_server.stop()
    response = send_invitations(officer_client)
    assert response.status_code == 303
    assert "Could not connect to the mail server" in officer_client.get("/officer/invitations").data.decode()
    assert [s for _, _, s in outbox(app)].count("pending") == 6
    mail_server.start()
    token = csrf_token(officer_client.get("/officer/invitations").data)
    officer_client.post("/officer/invitations/outbox/continue", data={"csrf_token": token})
    assert sorted(mail_server.mailbox.recipients()) == sorted(invitee(i)[1] for i in range(16))
    assert {s for _, _, s in outbox(app)} == {"sent"}


def test_sending_stops_after_its_time_budget_and_continues(
    app: Flask, officer_client: FlaskClient, mail_server: MailServer
) -> None:
    upload(officer_client, csv_bytes([invitee(i) for i in range(4)]))
    app.config["MAIL_SEND_SECONDS"] = 1e-9
    send_invitations(officer_client)
    assert len(mail_server.messages) == 0
    assert "4 still to send" in officer_client.get("/officer/invitations").data.decode()
    app.config["MAIL_SEND_SECONDS"] = 20
    token = csrf_token(officer_client.get("/officer/invitations").data)
    officer_client.post("/officer/invitations/outbox/continue", data={"csrf_token": token})
    assert len(mail_server.messages) == 4


def test_without_mail_settings_nothing_is_sent_and_the_page_says_so(
    app: Flask, officer_client: FlaskClient
) -> None:
    upload(officer_client, csv_bytes([invitee(i) for i in range(2)]))
    page = officer_client.get("/officer/invitations/send")
    assert b"Email is not set up" in page.data and b"Send invitations</button>" not in page.data
    response = send_invitations(officer_client)
    assert response.status_code == 400
    assert outbox(app) == []


def test_nothing_is_sent_after_the_closing_date(
    app: Flask, officer_client: FlaskClient, mail_server: MailServer
) -> None:
    import datetime as dt

    upload(officer_client, csv_bytes([invitee(i) for i in range(2)]))
    with app.app_context():
        consultation = consultations.get_by_slug("taking-stock")
        consultations.set_dates(consultation, dt.date(2015, 1, 1), dt.date(2015, 3, 31))
        db.session.commit()
    response = send_invitations(officer_client)
    assert response.status_code == 400 and b"The consultation has closed" in response.data
    assert mail_server.messages == [] and outbox(app) == []


def test_the_command_queues_and_sends_and_is_safe_to_rerun(
    app: Flask, officer_client: FlaskClient, mail_server: MailServer
) -> None:
    upload(officer_client, csv_bytes([invitee(i) for i in range(3)]))
    runner = app.test_cli_runner()
    result = runner.invoke(main, ["mail", "send", "--invitations"])
    assert result.exit_code == 0, result.output
    assert "Sent 3; refused 0; still to send 0" in result.output
    again = runner.invoke(main, ["mail", "send", "--invitations"])
    assert again.exit_code == 0 and "Queued 0" in again.output
    assert len(mail_server.messages) == 3
    assert all(links_in(m)[0] for m in mail_server.messages)
