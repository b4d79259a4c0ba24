"""A reviewed theme set with planted differences between groups, written straight to the database.

200 submitted responses answer q3: leaders raise "Funding" far more often than others;
"Housing" is raised alike by everyone; a few respondents from two small regions (to be
merged) and one theme of 4 answers (to be hidden) test the protection.
"""

from __future__ import annotations

import datetime as dt
import secrets

from flask import Flask

QUESTION = "q3"
FUNDING, HOUSING, STAFF, RARE = "Funding", "Housing", "Staff", "Parking"


def _plan() -> list[tuple[str, str, list[str]]]:
    """(role, region, themes) of each respondent."""
    people: list[tuple[str, str, list[str]]] = []
    roles = [("Leader", 80, 56), ("Chief executive", 60, 12), ("Other councillor", 50, 10)]
    for role, size, funding in roles:
        for i in range(size):
            region = "North East" if i % 2 else "East of England"
            themes = [FUNDING] if i < funding else [STAFF]
            if i % 3 == 0:
                themes.append(HOUSING)
            people.append((role, region, themes))
    people += [("Other council officer", "Greater London", [HOUSING]) for _ in range(3)]
    people += [("Other council officer", "East Midlands", [STAFF]) for _ in range(3)]
    people += [("Other council officer", "North East", [RARE]) for _ in range(4)]
    return people


def truth() -> dict[tuple[str, str], tuple[int, int]]:
    """(role, theme) → (answers of the role raising the theme, answers of the role)."""
    out: dict[tuple[str, str], tuple[int, int]] = {}
    people = _plan()
    for role in {p[0] for p in people}:
        mine = [p for p in people if p[0] == role]
        for theme in (FUNDING, HOUSING, STAFF, RARE):
            out[(role, theme)] = (sum(theme in p[2] for p in mine), len(mine))
    return out


def seed_reviewed_themes(app: Flask) -> None:
    """Write the responses, answers and a reviewed theme set for q3."""
    from sqlalchemy import insert, select

    from consult.data import consultations
    from consult.data.clock import today
    from consult.extensions import db
    from consult.models import Answer, Response, Theme, ThemeAnswer, ThemeAnswerTheme, ThemeSet

    people = _plan()
    with app.app_context():
        consultation = consultations.get_by_slug("taking-stock")
        assert consultation is not None
        day = today()
        ids = [secrets.token_hex(8) for _ in people]
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
                    "role": role,
                    "organisation_type": "County",
                    "region": region,
                    "consent_to_be_named": False,
                    "version": 1,
                    "started_on": day,
                    "updated_on": day,
                    "submitted_on": day,
                    "has_unsubmitted_changes": False,
                }
                for public_id, (role, region, _) in zip(ids, people, strict=True)
            ],
        )
        row_of = dict(db.session.execute(select(Response.public_id, Response.id)).all())
        db.session.execute(
            insert(Answer),
            [
                {
                    "response_id": row_of[p],
                    "stage": "submitted",
                    "question_id": QUESTION,
                    "value": f"Answer about {' and '.join(themes).lower()}",
                }
                for p, (_, _, themes) in zip(ids, people, strict=True)
            ],
        )
        now = dt.datetime.now(dt.UTC)
        theme_set = ThemeSet(
            consultation_id=consultation.id,
            question_id=QUESTION,
            engine="core",
            settings={},
            answers_included=len(people),
            created_at=now,
            run_at=now,
            status="reviewed",
            version=2,
        )
        db.session.add(theme_set)
        db.session.flush()
        theme_of = {}
        for position, name in enumerate((FUNDING, HOUSING, STAFF, RARE)):
            theme = Theme(
                theme_set_id=theme_set.id,
                name=name,
                key_terms=[name.lower()],
                position=position,
                origin="machine",
            )
            db.session.add(theme)
            db.session.flush()
            theme_of[name] = theme.id
        for public_id, (_, _, themes) in zip(ids, people, strict=True):
            answer = ThemeAnswer(theme_set_id=theme_set.id, response_public_id=public_id, state="reviewed")
            db.session.add(answer)
            db.session.flush()
            for name in themes:
                db.session.add(ThemeAnswerTheme(theme_answer_id=answer.id, theme_id=theme_of[name]))
        db.session.commit()
