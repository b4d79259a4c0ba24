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

from consult.data.clock import today
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


# A respondent's save runs these every time: Core statements built once, so that each
# save only binds its values.
_answers, _responses = Answer.__table__, Response.__table__
# SELECT … FOR UPDATE on PostgreSQL; on SQLite every write transaction already holds the
# write lock from its first statement (BEGIN IMMEDIATE, see consult.database).
_LOCK = select(_responses.c.id).where(_responses.c.key_hash == bindparam("holder_key_hash")).with_for_update()
_STAGE_ANSWERS = select(_answers.c.question_id, _answers.c.value).where(
    _answers.c.response_id == bindparam("response_id"), _answers.c.stage == bindparam("stage")
)
# Deletes a stage's answers and hands back what they were: a replacement's read and delete
# in one statement.
_TAKE_STAGE = (
    delete(_answers)
    .where(_answers.c.response_id == bindparam("response_id"), _answers.c.stage == bindparam("stage"))
    .returning(_answers.c.question_id, _answers.c.value)
)
_INSERT_ANSWER = insert(_answers)
# Every change moves the version on; a change to a submitted response waits for the next submission.
_TOUCH = (
    update(_responses)
    .where(_responses.c.id == bindparam("response_id"))
    .values(
        version=_responses.c.version + 1,
        updated_on=bindparam("updated_on"),
        has_unsubmitted_changes=_responses.c.status == Status.SUBMITTED.value,
    )
)


def find(key_hash: str) -> Response | None:
    return db.session.scalar(select(Response).where(Response.key_hash == key_hash))


def lock_id_or_create(
    consultation: Consultation | Record, key_hash: str, invitation: Invitation | Record
) -> int:
    """The id of the link's response, its row locked for this transaction; created on first use.

    Two first saves racing through one link both insert with ON CONFLICT DO NOTHING, so
    exactly one row is made and both then lock it.
    """
    response_id = db.session.execute(_LOCK, {"holder_key_hash": key_hash}).scalar()
    if response_id is None:
        _create(consultation, key_hash, invitation)
        response_id = db.session.execute(_LOCK, {"holder_key_hash": key_hash}).scalar()
    assert response_id is not None
    return response_id


def lock_or_create(
    consultation: Consultation | Record, key_hash: str, invitation: Invitation | Record
) -> Response:
    """`lock_id_or_create`, as the ORM object (read afresh under the lock)."""
    response_id = lock_id_or_create(consultation, key_hash, invitation)
    response = db.session.get(Response, response_id, populate_existing=True)
    assert response is not None
    return response


def _create(
    consultation: Consultation | Record,
    key_hash: str,
    invitation: Invitation | Record,
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
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        statement = pg_insert(Response).values(values).on_conflict_do_nothing(index_elements=["key_hash"])
    elif dialect == "sqlite":
        statement = sqlite_insert(Response).values(values).on_conflict_do_nothing(index_elements=["key_hash"])
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        statement = insert(Response).values(values)
    db.session.execute(statement)


def answers(response: Response | Record | None, stage: Stage = Stage.DRAFT) -> dict[str, str]:
    """{question_id: value} of one stage of a response (empty for no response)."""
    if response is None or response.id is None:
        return {}
    db.session.flush()  # Core statements do not autoflush: pending ORM changes first
    rows = db.session.execute(_STAGE_ANSWERS, {"response_id": response.id, "stage": stage.value})
    return {question_id: value for question_id, value in rows}


def _insert_stage(response_id: int, stage: Stage, values: Mapping[str, str]) -> None:
    if values:
        db.session.execute(
            _INSERT_ANSWER,
            [
                {"response_id": response_id, "stage": stage.value, "question_id": q, "value": v}
                for q, v in values.items()
            ],
        )


def _take_stage(response_id: int, stage: Stage) -> dict[str, str]:
    """Delete one stage of a response's answers; return what they were."""
    rows = db.session.execute(_TAKE_STAGE, {"response_id": response_id, "stage": stage.value})
    return {question_id: value for question_id, value in rows}


def _touch(response_id: int) -> None:
    db.session.execute(_TOUCH, {"response_id": response_id, "updated_on": today()})
    # An ORM copy of the row loaded in this session is now out of date: read it again on use.
    loaded = db.session.identity_map.get(db.session.identity_key(Response, response_id))
    if loaded is not None:
        db.session.expire(loaded)


def save_section(
    response_id: int, questionnaire: Questionnaire, section: Section, posted: Mapping[str, str]
) -> dict[str, str]:
    """Replace the answers to `section` with `posted`; return the stored working answers.

    The response's row must be locked in this transaction (`lock_id_or_create`, or a row
    just made). `posted` holds this section's answers, already validated; a question of the
    section missing from it (or empty) has no answer afterwards. Answers anywhere in the
    questionnaire that are hidden by the result are removed, and the response's version
    moves on.
    """
    db.session.flush()  # Core statements do not autoflush: pending ORM changes first
    section_ids = {q.id for q in section.questions}
    current = _take_stage(response_id, Stage.DRAFT)
    merged = {q: v for q, v in current.items() if q not in section_ids}
    merged.update({q: v for q, v in posted.items() if q in section_ids and v != ""})
    stored = questionnaire.visible_answers(merged)
    _insert_stage(response_id, Stage.DRAFT, stored)
    _touch(response_id)
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
    db.session.flush()
    _touch(response.id)


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
    working = answers(response)
    _take_stage(response.id, Stage.SUBMITTED)
    _insert_stage(response.id, Stage.SUBMITTED, questionnaire.visible_answers(working))
    if response.draft_profile:
        _apply_profile(response, response.draft_profile)
    response.status = Status.SUBMITTED
    response.submitted_on = today()
    response.version += 1
    response.updated_on = today()
    response.has_unsubmitted_changes = False
    db.session.flush()
    return True
