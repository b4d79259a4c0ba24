"""One invitation, at most one counted response: reissuing or withdrawing a link ends every
session opened through an earlier one, on every path that reissues or withdraws."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from consult.cli import main
from consult.data import links
from consult.extensions import db
from consult.models import Invitation, Response, Status
from tests.conftest import csrf_token, invitee, issue_token, save_about, save_section, shown_questions, submit
from tests.mailserver import MailServer, links_in, mail_server
from tests.test_invitations import csv_bytes, upload
from tests.test_mail import send_invitations, send_reminders

__all__ = ["mail_server"]

REPLACED = b"This link has been replaced"


@dataclass
class OpenSession:
    """A browser part-way through a response on one link, its pages loaded before the reissue."""

    client: FlaskClient
    section_page: bytes
    check_page: bytes


def open_session(app: Flask, token: str) -> OpenSession:
    client = app.test_client()
    assert client.get(f"/r/{token}").status_code == 303
    save_about(client, {"consent_to_be_named": "no"})
    assert save_section(client, "assurance", {"q8": "Yes"}).status_code == 303
    return OpenSession(
        client, client.get("/respond/section/assurance").data, client.get("/respond/check").data
    )


def assert_session_ended(session: OpenSession) -> None:
    """Every page refuses the old session, GET and POST; the save and the submission are not made."""
    for path in ("/respond/", "/respond/about", "/respond/check", "/respond/section/assurance"):
        page = session.client.get(path)
        assert page.status_code == 401 and REPLACED in page.data, path
    saved = session.client.post(
        "/respond/section/assurance",
        data={
            "csrf_token": csrf_token(session.section_page),
            "shown": shown_questions(session.section_page),
            "q8": "No",
            "action": "continue",
        },
    )
    assert saved.status_code == 401 and REPLACED in saved.data
    submitted = session.client.post("/respond/check", data={"csrf_token": csrf_token(session.check_page)})
    assert submitted.status_code == 401 and REPLACED in submitted.data


def counted_responses(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(Response).where(Response.status == Status.SUBMITTED)
        )


def submit_on(app: Flask, token: str) -> None:
    client = app.test_client()
    assert client.get(f"/r/{token}").status_code == 303
    save_about(client, {"consent_to_be_named": "no"})
    assert submit(client).headers["Location"] == "/respond/submitted"


def _mail_merge(client: FlaskClient, scope: str) -> list[str]:
    page = client.get("/officer/invitations/mail-merge")
    response = client.post(
        "/officer/invitations/mail-merge",
        data={"csrf_token": csrf_token(page.data), "scope": scope, "confirm": "y"},
    )
    assert response.status_code == 200, response.data[:300]
    return [row["link"].rsplit("/r/", 1)[1] for row in csv.DictReader(io.StringIO(response.data.decode()))]


def test_a_mail_merge_reissue_ends_the_session_on_the_old_link(
    app: Flask, officer_client: FlaskClient
) -> None:
    upload(officer_client, csv_bytes([invitee(1)]))
    (first,) = _mail_merge(officer_client, "new")
    old = open_session(app, first)
    (second,) = _mail_merge(officer_client, "not_responded")
    assert_session_ended(old)
    submit_on(app, second)
    assert counted_responses(app) == 1
    # The old session cannot come back by submitting again after the new link's submission.
    assert (
        old.client.post("/respond/check", data={"csrf_token": csrf_token(old.check_page)}).status_code == 401
    )
    assert counted_responses(app) == 1


def test_a_reminder_with_a_new_link_ends_the_session_on_the_old_link(
    app: Flask, officer_client: FlaskClient, mail_server: MailServer
) -> None:
    upload(officer_client, csv_bytes([invitee(2)]))
    send_invitations(officer_client)
    (first,) = links_in(mail_server.messages[-1])
    old = open_session(app, first)
    send_reminders(officer_client, content="new_link")
    (second,) = links_in(mail_server.messages[-1])
    assert second != first
    assert_session_ended(old)
    submit_on(app, second)
    assert counted_responses(app) == 1


def test_the_command_reminder_with_a_new_link_ends_the_session_on_the_old_link(
    app: Flask, officer_client: FlaskClient, mail_server: MailServer
) -> None:
    upload(officer_client, csv_bytes([invitee(3)]))
    runner = app.test_cli_runner()
    assert runner.invoke(main, ["mail", "send", "--invitations"]).exit_code == 0
    (first,) = links_in(mail_server.messages[-1])
    old = open_session(app, first)
    result = runner.invoke(main, ["mail", "send", "--reminders", "--new-link"])
    assert result.exit_code == 0, result.output
    (second,) = links_in(mail_server.messages[-1])
    assert_session_ended(old)
    submit_on(app, second)
    assert counted_responses(app) == 1


def test_withdrawing_a_link_ends_the_session_opened_through_it(app: Flask) -> None:
    token = issue_token(app)
    old = open_session(app, token)
    with app.app_context():
        links.revoke(db.session.scalars(select(Invitation)).one())
        db.session.commit()
    assert_session_ended(old)
    assert counted_responses(app) == 0


def test_a_submission_racing_a_reissue_is_refused_at_the_write(app: Flask) -> None:
    """The session was checked, then the link was reissued before the submission was recorded."""
    token = issue_token(app)
    with app.app_context():
        holder = links.recognise(token)
        assert holder is not None
        invitation = db.session.get(Invitation, holder.invitation_id)
        links.mint_link(invitation)
        db.session.commit()
        assert links.mark_responded(invitation, holder) is False
        assert db.session.get(Invitation, holder.invitation_id).responded is False


def test_no_new_link_once_the_invitation_has_responded(app: Flask, officer_client: FlaskClient) -> None:
    """A submitted response is keyed by its link: a new link would start a second, counted one."""
    upload(officer_client, csv_bytes([invitee(4), invitee(5)]))
    first = _mail_merge(officer_client, "new")
    submit_on(app, first[0])
    with app.app_context():
        responded = db.session.scalars(select(Invitation).where(Invitation.responded.is_(True))).one()
        with pytest.raises(links.AlreadyResponded):
            links.mint_link(responded)
        db.session.rollback()
    reissued = _mail_merge(officer_client, "not_responded")
    assert len(reissued) == 1  # only the one who has not responded
    assert app.test_client().get(f"/r/{first[0]}").status_code == 303  # the responder's link still works
    submit_on(app, reissued[0])
    assert counted_responses(app) == 2
