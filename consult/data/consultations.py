"""Consultations: creating one from its questionnaire, its dates, and whether it is open."""

from __future__ import annotations

import datetime as dt
import secrets
from enum import StrEnum

from sqlalchemy import select

from analysis.counts.disclosure import DEFAULT_THRESHOLD
from consult.data.clock import today
from consult.data.links import Record
from consult.extensions import db
from consult.models import Consultation
from questions import Questionnaire, load_questionnaire
from questions import languages as question_languages

DEFAULT_WEEKS_OPEN = 12  # the usual length of a public consultation in the UK


class ConsultationState(StrEnum):
    NOT_YET_OPEN = "not_yet_open"
    OPEN = "open"
    CLOSED = "closed"


class DateError(ValueError):
    """Dates that cannot be used, with a message fit to show the person who gave them."""


def get_by_slug(slug: str) -> Consultation | None:
    return db.session.scalar(select(Consultation).where(Consultation.slug == slug))


def get(consultation_id: int) -> Consultation | None:
    return db.session.get(Consultation, consultation_id)


def questionnaire_of(consultation: Consultation | Record) -> Questionnaire:
    return load_questionnaire(consultation.questionnaire)


def disclosure_threshold(consultation: Consultation) -> int:
    """Counts below this are not published for `consultation` (the analysis default if unset)."""
    return consultation.disclosure_threshold or DEFAULT_THRESHOLD


def ensure_consultation(
    questionnaire_slug: str,
    opens_on: dt.date | None = None,
    closes_on: dt.date | None = None,
) -> tuple[Consultation, bool]:
    """The consultation for `questionnaire_slug`, created if missing; (consultation, created).

    Repeating this is safe: an existing consultation keeps its dates and keys.
    """
    questionnaire = load_questionnaire(questionnaire_slug)
    existing = get_by_slug(questionnaire.slug)
    if existing is not None:
        return existing, False
    return create(questionnaire, opens_on, closes_on), True


def create(
    questionnaire: Questionnaire, opens_on: dt.date | None = None, closes_on: dt.date | None = None
) -> Consultation:
    """A new consultation of `questionnaire`, open from `opens_on` (today) for 12 weeks unless
    `closes_on` says otherwise; a `DateError` for dates out of order."""
    opens_on = opens_on or today()
    closes_on = closes_on or opens_on + dt.timedelta(weeks=DEFAULT_WEEKS_OPEN)
    check_dates(opens_on, closes_on)
    consultation = Consultation(
        slug=questionnaire.slug,
        title=questionnaire.title,
        questionnaire=questionnaire.slug,
        opens_on=opens_on,
        closes_on=closes_on,
        response_key=secrets.token_bytes(32),
        created_on=today(),
    )
    db.session.add(consultation)
    db.session.flush()
    return consultation


def check_dates(opens_on: dt.date, closes_on: dt.date) -> None:
    if closes_on < opens_on:
        raise DateError("The closing date must be the same as or after the opening date")


def set_dates(consultation: Consultation, opens_on: dt.date | None, closes_on: dt.date | None) -> None:
    opens_on = opens_on or consultation.opens_on
    closes_on = closes_on or consultation.closes_on
    check_dates(opens_on, closes_on)
    consultation.opens_on, consultation.closes_on = opens_on, closes_on
    db.session.flush()


def state(consultation: Consultation | Record, on: dt.date | None = None) -> ConsultationState:
    """Open from the start of the opening date to the end of the closing date."""
    on = on or today()
    if on < consultation.opens_on:
        return ConsultationState.NOT_YET_OPEN
    if on > consultation.closes_on:
        return ConsultationState.CLOSED
    return ConsultationState.OPEN


# The language every page and email has; translations come on top.
DEFAULT_LANGUAGE = "en"


def offered_languages(questionnaire: Questionnaire | None) -> tuple[str, ...]:
    """The languages respondents may use for `questionnaire`: English, and each translation ready in it."""
    from flask import current_app

    if questionnaire is None:
        return (DEFAULT_LANGUAGE,)
    return question_languages.offered_languages(
        questionnaire, offer_drafts=bool(current_app.config.get("OFFER_DRAFT_TRANSLATIONS"))
    )
