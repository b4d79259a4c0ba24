"""Responses: reading and replacing a link's answers, exactly and atomically.

Every save replaces the link's working answers in one transaction under a lock on the
response row, so two saves through the same link are applied one after the other and a
stored response is never a mix of two. Answers to questions that a save makes hidden
are removed in that same save.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from consult.data.clock import today
from consult.data.driver import DriverStatement
from consult.data.links import Record
from consult.extensions import db
from consult.models import Answer, Channel, Consultation, Invitation, Response, Stage, Status
from questions import Questionnaire, Section


@dataclass(frozen=True)
class Profile:
    """The "About you" answers that a response carries (coarse categories only)."""

    role: str | None
    organisation_type: str | None
    region: str | None
    consent_to_be_named: bool | None
    organisation_name: str | None = None


@dataclass(frozen=True)
class LockedResponse:
    """A response row locked for this transaction: what a section save needs of it."""

    id: int
    status: str


# The respondent's save runs these on every save: built once, so each save only binds its
# values (Core statements, no ORM objects: the save is a fixed set of row operations), and
# run on the driver's cursor (`consult.data.driver`: most of their cost was SQLAlchemy's).
_answers_table = Answer.__table__
_response_table = Response.__table__
# Locks the row (an UPDATE takes the row lock on PostgreSQL; SQLite's write lock is already
# held) and moves the version on in the same statement, returning what the save needs.
_LOCK_FOR_SAVE = DriverStatement(
    update(_response_table)
    .where(_response_table.c.key_hash == bindparam("holder_key_hash"))
    .values(
        version=_response_table.c.version + 1,
        updated_on=bindparam("updated_on"),
        has_unsubmitted_changes=_response_table.c.status == Status.SUBMITTED.value,
    )
    .returning(_response_table.c.id, _response_table.c.status)
)
_STAGE_ANSWERS = DriverStatement(
    select(_answers_table.c.question_id, _answers_table.c.value).where(
        _answers_table.c.response_id == bindparam("response_id"),
        _answers_table.c.stage == bindparam("stage"),
    )
)
# Deletes a stage's answers and hands back what they were: the read and the delete of a
# replacement in one statement.
_TAKE_STAGE = DriverStatement(
    delete(_answers_table)
    .where(
        _answers_table.c.response_id == bindparam("response_id"),
        _answers_table.c.stage == bindparam("stage"),
    )
    .returning(_answers_table.c.question_id, _answers_table.c.value)
)
_INSERT_ANSWER = DriverStatement(
    insert(_answers_table).values(
        {name: bindparam(name) for name in ("response_id", "stage", "question_id", "value")}
    )
)


def find(key_hash: str) -> Response | None:
    return db.session.scalar(select(Response).where(Response.key_hash == key_hash))


def _lock(key_hash: str) -> Response | None:
    # SELECT … FOR UPDATE on PostgreSQL; on SQLite every transaction already holds the
    # write lock from its first statement (BEGIN IMMEDIATE, see consult.database).
    return db.session.scalar(
        select(Response)
        .where(Response.key_hash == key_hash)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def lock_or_create(
    consultation: Consultation | Record, key_hash: str, invitation: Invitation | Record
) -> Response:
    """The link's response, locked for this transaction, created on first use.

    Two first saves racing through one link both insert with ON CONFLICT DO NOTHING, so
    exactly one row is made and both then lock it.
    """
    response = _lock(key_hash)
    if response is not None:
        return response
    _create(consultation, key_hash, invitation, db.session.connection())
    response = _lock(key_hash)
    assert response is not None
    return response


def lock_row(
    connection: Connection,
    consultation: Consultation | Record,
    key_hash: str,
    invitation: Invitation | Record,
) -> LockedResponse:
    """`lock_or_create` for a section save, on `connection`: the row's id and status, locked.

    The row's version moves on by one and it is marked changed since submission where it
    was submitted, as `replace_section` (which follows in the same transaction) requires.
    No ORM object and no session: the save runs in a commit group (`consult.group_commit`).
    """
    values = {"holder_key_hash": key_hash, "updated_on": today()}
    rows = _LOCK_FOR_SAVE.rows(connection, values)
    if not rows:
        _create(consultation, key_hash, invitation, connection)
        rows = _LOCK_FOR_SAVE.rows(connection, values)
        assert rows
    ((response_id, status),) = rows
    return LockedResponse(response_id, status)


def _create(
    consultation: Consultation | Record,
    key_hash: str,
    invitation: Invitation | Record,
    connection: Connection,
) -> None:
    on = today()
    values = {
        "consultation_id": consultation.id,
        "public_id": secrets.token_hex(8),
        "key_hash": key_hash,
        "status": Status.DRAFT.value,
        "channel": Channel.WEB.value,
        "origin": invitation.kind,
        "role": invitation.role,
        "organisation_type": invitation.organisation_type,
        "region": invitation.region,
        "version": 0,
        "started_on": on,
        "updated_on": on,
        "has_unsubmitted_changes": False,
    }
    dialect = connection.dialect.name
    if dialect == "postgresql":
        statement = pg_insert(Response).values(values).on_conflict_do_nothing(index_elements=["key_hash"])
    elif dialect == "sqlite":
        statement = sqlite_insert(Response).values(values).on_conflict_do_nothing(index_elements=["key_hash"])
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        statement = insert(Response).values(values)
    connection.execute(statement)


def answers(
    response: Response | Record | LockedResponse | None, stage: Stage = Stage.DRAFT
) -> dict[str, str]:
    """{question_id: value} of one stage of a response (empty for no response)."""
    if response is None or response.id is None:
        return {}
    db.session.flush()  # what the ORM's autoflush did; a plain connection does not
    rows = _STAGE_ANSWERS.rows(db.session.connection(), {"response_id": response.id, "stage": stage.value})
    return dict(rows)


def _replace_stage(response: Response, stage: Stage, values: Mapping[str, str]) -> None:
    db.session.execute(delete(Answer).where(Answer.response_id == response.id, Answer.stage == stage))
    if values:
        db.session.execute(
            insert(Answer),
            [
                {"response_id": response.id, "stage": stage.value, "question_id": q, "value": v}
                for q, v in values.items()
            ],
        )


def replace_section(
    connection: Connection,
    locked: LockedResponse,
    questionnaire: Questionnaire,
    section: Section,
    posted: Mapping[str, str],
) -> dict[str, str]:
    """`save_section` for a response locked with `lock_row`, in Core statements on `connection`.

    The same replacement: the stage's answers are taken (read and deleted) under the lock
    and the visible result inserted; `lock_row` has already moved the version on.
    """
    stage = {"response_id": locked.id, "stage": Stage.DRAFT.value}
    current = dict(_TAKE_STAGE.rows(connection, stage))
    section_ids = {q.id for q in section.questions}
    merged = {q: v for q, v in current.items() if q not in section_ids}
    merged.update({q: v for q, v in posted.items() if q in section_ids and v != ""})
    stored = questionnaire.visible_answers(merged)
    if stored:
        _INSERT_ANSWER.run_many(
            connection,
            [
                {"response_id": locked.id, "stage": Stage.DRAFT.value, "question_id": q, "value": v}
                for q, v in stored.items()
            ],
        )
    return stored


def _touch(response: Response) -> None:
    response.version += 1
    response.updated_on = today()
    response.has_unsubmitted_changes = response.status == Status.SUBMITTED


def save_section(
    response: Response, questionnaire: Questionnaire, section: Section, posted: Mapping[str, str]
) -> dict[str, str]:
    """Replace the answers to `section` with `posted`; return the stored working answers.

    `posted` holds this section's answers, already validated; a question of the section
    missing from it (or empty) has no answer afterwards. Answers anywhere in the
    questionnaire that are hidden by the result are removed.
    """
    section_ids = {q.id for q in section.questions}
    current = answers(response)
    merged = {q: v for q, v in current.items() if q not in section_ids}
    merged.update({q: v for q, v in posted.items() if q in section_ids and v != ""})
    stored = questionnaire.visible_answers(merged)
    _replace_stage(response, Stage.DRAFT, stored)
    _touch(response)
    db.session.flush()
    return stored


_PROFILE_FIELDS = ("role", "organisation_type", "region", "consent_to_be_named", "organisation_name")


def profile_of(response: Response | Record | None) -> Profile | None:
    """The "About you" answers as the respondent last saved them (None before any save).

    For a submitted response with changes not yet submitted, that is the changed profile;
    everything that counts responses reads the response's own columns instead.
    """
    if response is None:
        return None
    draft = response.draft_profile
    if draft:
        return Profile(**{name: draft.get(name) for name in _PROFILE_FIELDS})
    return Profile(**{name: getattr(response, name) for name in _PROFILE_FIELDS})


def save_profile(response: Response, profile: Profile) -> None:
    """Save the "About you" answers; on a submitted response they count once it is submitted again."""
    # The organisation's name is kept only where its respondent consented to be named.
    name = profile.organisation_name if profile.consent_to_be_named else None
    values = {**asdict(profile), "organisation_name": name}
    if response.status == Status.SUBMITTED:
        response.draft_profile = values
    else:
        _apply_profile(response, values)
    _touch(response)
    db.session.flush()


def _apply_profile(response: Response, values: Mapping[str, object]) -> None:
    for name in _PROFILE_FIELDS:
        setattr(response, name, values.get(name))
    response.draft_profile = None


def submit(response: Response, questionnaire: Questionnaire) -> bool:
    """Make the working answers (and any changed "About you") the submitted response.

    Returns False if nothing had changed. Submitting twice, or replaying a submission,
    stores one version: a submission that changes nothing is acknowledged without a new
    version.
    """
    if response.status == Status.SUBMITTED and not response.has_unsubmitted_changes:
        return False
    _replace_stage(response, Stage.SUBMITTED, questionnaire.visible_answers(answers(response)))
    if response.draft_profile:
        _apply_profile(response, response.draft_profile)
    response.status = Status.SUBMITTED
    response.submitted_on = today()
    response.version += 1
    response.updated_on = today()
    response.has_unsubmitted_changes = False
    db.session.flush()
    return True


def counted_answers(response: Response, questionnaire: Questionnaire) -> dict[str, str]:
    """The answers that count: the submitted copy of a submitted response, else the draft."""
    stage = Stage.SUBMITTED if response.status == Status.SUBMITTED else Stage.DRAFT
    return questionnaire.visible_answers(answers(response, stage))
