"""Statements run on the driver's cursor give what SQLAlchemy's execution gives, on both backends."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from sqlalchemy import bindparam, insert, select, update

from consult.data import links, responses
from consult.data.driver import DriverStatement
from consult.data.links import _INVITATION_AND_RESPONSE
from consult.extensions import db
from consult.models import Answer, Response, Status
from tests.conftest import issue_token

PROFILE = {"region": "North West", "consent_to_be_named": None}


def _respond(app: Flask) -> links.LinkHolder:
    """A link whose response has dates, a boolean, JSON and a binary key to read back."""
    token = issue_token(app, role="Council leader", organisation="Anytown Council")
    with app.app_context():
        holder = links.recognise(token)
        assert holder is not None
        invitation, consultation, _ = links.live_invitation_and_response(holder) or (None, None, None)
        assert invitation is not None and consultation is not None
        response = responses.lock_or_create(consultation, holder.response_key_hash, invitation)
        response.status = Status.SUBMITTED
        response.submitted_on = dt.date(2026, 3, 31)
        response.consent_to_be_named = True
        response.draft_profile = {"role": "Chief executive", "consent_to_be_named": False}
        db.session.commit()
    return holder


def test_a_select_reads_as_sqlalchemy_reads_it(app: Flask) -> None:
    holder = _respond(app)
    params = {"key_hash": holder.response_key_hash, "invitation_id": holder.invitation_id}
    with app.app_context():
        connection = db.session.connection()
        expected = [tuple(row) for row in connection.execute(_INVITATION_AND_RESPONSE.statement, params)]
        got = _INVITATION_AND_RESPONSE.rows(connection, params)
        assert got == expected and len(got) == 1
        values = set(map(type, got[0]))
        assert {dt.date, bool, dict, bytes} <= values  # converted by the column types, not left raw
        assert _INVITATION_AND_RESPONSE.rows(connection, {**params, "invitation_id": -1}) == []


def test_parameters_go_through_the_column_types(app: Flask) -> None:
    """Date, boolean and JSON parameters are bound as SQLAlchemy binds them; RETURNING is read back."""
    holder = _respond(app)
    table = Response.__table__
    statement = DriverStatement(
        update(table)
        .where(table.c.key_hash == bindparam("holder"))
        .values(
            updated_on=bindparam("on"),
            has_unsubmitted_changes=bindparam("changed"),
            draft_profile=bindparam("profile"),
        )
        .returning(
            table.c.updated_on, table.c.has_unsubmitted_changes, table.c.draft_profile, table.c.version + 1
        )
    )
    with app.app_context():
        connection = db.session.connection()
        rows = statement.rows(
            connection,
            {
                "holder": holder.response_key_hash,
                "on": dt.date(2026, 4, 1),
                "changed": True,
                "profile": PROFILE,
            },
        )
        assert rows == [(dt.date(2026, 4, 1), True, PROFILE, 1)]
        db.session.commit()
        response = db.session.scalars(select(Response)).one()
        assert (response.updated_on, response.has_unsubmitted_changes) == (dt.date(2026, 4, 1), True)
        assert response.draft_profile == PROFILE


def test_run_many_inserts_every_row(app: Flask) -> None:
    holder = _respond(app)
    table = Answer.__table__
    statement = DriverStatement(
        insert(table).values(
            {name: bindparam(name) for name in ("response_id", "stage", "question_id", "value")}
        )
    )
    with app.app_context():
        response = responses.find(holder.response_key_hash)
        assert response is not None
        rows = [
            {"response_id": response.id, "stage": "draft", "question_id": f"q{i}", "value": "é\n"}
            for i in (3, 4)
        ]
        statement.run_many(db.session.connection(), rows)
        db.session.commit()
        assert responses.answers(response) == {"q3": "é\n", "q4": "é\n"}
