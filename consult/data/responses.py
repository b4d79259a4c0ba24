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

from sqlalchemy import delete, insert, select
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
    _create(consultation, key_hash, invitation)
    response = _lock(key_hash)
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
    rows = db.session.execute(
        select(Answer.question_id, Answer.value).where(
            Answer.response_id == response.id, Answer.stage == stage
        )
    )
    return {question_id: value for question_id, value in rows}


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
