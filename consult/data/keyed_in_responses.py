"""Responses keyed in by an officer from an email or a paper reply (the paper accepts
replies by email and post as well as online).

A keyed-in response has no link: its key hash is empty, its origin `keyed_in`, its channel
how it arrived. It goes through the same saves as a web response — About you, then each
section (answers to questions hidden by the other answers are cleared), then submit — so
it is stored and counted exactly as if its respondent had answered online.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping

from consult.data import audit, responses
from consult.data.clock import today
from consult.extensions import db
from consult.models import Channel, Consultation, Origin, Response, Status
from questions import Questionnaire

KEYED_IN_CHANNELS = (Channel.EMAIL, Channel.PAPER, Channel.OTHER)


def hidden_answers(questionnaire: Questionnaire, answers: Mapping[str, str]) -> list[int]:
    """Numbers of the questions answered in `answers` that the other answers make hidden."""
    kept = questionnaire.visible_answers(answers)
    return [
        questionnaire.question(q).number
        for q in questionnaire.question_ids
        if answers.get(q) not in (None, "") and q not in kept
    ]


def key_in(
    consultation: Consultation,
    questionnaire: Questionnaire,
    answers: Mapping[str, str],
    profile: responses.Profile,
    channel: Channel,
    who: str | None,
) -> Response:
    """Store a submitted response with no link; return it. `answers` are already validated."""
    if channel not in KEYED_IN_CHANNELS:
        raise ValueError(f"a keyed-in response arrives by email, paper or other, not {channel}")
    on = today()
    response = Response(
        consultation_id=consultation.id,
        public_id=secrets.token_hex(8),
        key_hash=None,
        status=Status.DRAFT,
        channel=channel,
        origin=Origin.KEYED_IN,
        version=0,
        started_on=on,
        updated_on=on,
        has_unsubmitted_changes=False,
    )
    db.session.add(response)
    db.session.flush()
    responses.save_profile(response, profile)
    for section in questionnaire.sections:
        responses.save_section(response.id, questionnaire, section, answers)
    responses.submit(response, questionnaire)
    audit.record("keyed in a response", who, f"{consultation.slug}: received by {channel}")
    return response
