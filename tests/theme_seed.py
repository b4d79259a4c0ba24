"""Many submitted free-text answers, inserted in bulk for the browser journey and benchmarks.

Responses and answers are written as the respondent's journey would leave a submitted
response (status and stage "submitted", coarse profile, dates only), but in a few bulk
statements, so that 10,000 answers take seconds rather than minutes.
"""

from __future__ import annotations

import random
import secrets

from flask import Flask

from tests.themes.conftest import TOPICS

CLAUSES = [
    "and this matters for small councils",
    "which the LGA should keep funding",
    "especially in rural areas",
    "as our members told us last year",
    "though the burden on officers is high",
    "because residents expect it",
]


def answer_text(rng: random.Random) -> str:
    """A plausible answer: a sentence on one topic, often with a clause added."""
    topic = rng.choice(sorted(TOPICS))
    sentence = rng.choice(TOPICS[topic])
    return f"{sentence}, {rng.choice(CLAUSES)}" if rng.random() < 0.6 else sentence


def insert_submitted_answers(app: Flask, question_id: str, count: int, seed: int = 0) -> list[str]:
    """`count` submitted responses answering `question_id`; returns their public ids."""
    from sqlalchemy import insert, select

    from consult.data import consultations
    from consult.data.clock import today
    from consult.extensions import db
    from consult.models import Answer, Response

    rng = random.Random(seed)
    with app.app_context():
        consultation = consultations.get_by_slug("taking-stock")
        assert consultation is not None
        public_ids = [secrets.token_hex(8) for _ in range(count)]
        day = today()
        db.session.execute(
            insert(Response),
            [
                {
                    "consultation_id": consultation.id,
                    "public_id": public_id,
                    "key_hash": secrets.token_hex(32),
                    "status": "submitted",
                    "channel": "web",
                    "origin": "self_service",
                    "role": "Leader",
                    "organisation_type": "County",
                    "region": "Wales",
                    "consent_to_be_named": False,
                    "version": 1,
                    "started_on": day,
                    "updated_on": day,
                    "submitted_on": day,
                    "has_unsubmitted_changes": False,
                }
                for public_id in public_ids
            ],
        )
        ids = dict(
            db.session.execute(
                select(Response.public_id, Response.id).where(Response.public_id.in_(public_ids))
            ).all()
        )
        db.session.execute(
            insert(Answer),
            [
                {
                    "response_id": ids[p],
                    "stage": "submitted",
                    "question_id": question_id,
                    "value": answer_text(rng),
                }
                for p in public_ids
            ],
        )
        db.session.commit()
    return public_ids
