"""Counts for the officers' dashboard: invited, started and submitted; answers; responses by day.

Invited counts come from the invitation list (kind 'invited'); started and submitted
counts come from the responses' own role, organisation type and region. A response is
never joined to an invitation: there is no link between them, by design, so
the dashboard cannot tell who has answered what.

While the consultation is open, every count below its disclosure threshold (zeros too: no
secondary suppression protects these live counts) is published as "fewer than N" (a `Cell`
with `suppressed` set) and no rate is worked out from it. Which counts are small is the
analysis package's rule (`analysis.counts.disclosure.is_small`), and the default threshold is
`analysis.counts.disclosure.DEFAULT_THRESHOLD`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select

from analysis.counts.disclosure import is_small
from analysis.stored_answers import counted_answers
from consult.data import consultations
from consult.data.consultations import ConsultationState
from consult.extensions import db
from consult.models import Channel, Consultation, Invitation, Origin, Response, Status
from questions import Questionnaire

DIMENSIONS = (
    ("role", "Role"),
    ("organisation_type", "Type of organisation"),
    ("region", "Region"),
)
NOT_STATED = "Not stated"
NOT_ANSWERED = "Not answered"


@dataclass(frozen=True)
class Summary:
    invited: int
    started: int
    submitted: int

    @property
    def response_rate(self) -> float | None:
        return self.submitted / self.invited if self.invited else None


def summary(consultation: Consultation) -> Summary:
    """Whole-consultation counts; invited counts the invitation list only."""
    invited = db.session.scalar(
        select(func.count(Invitation.id)).where(
            Invitation.consultation_id == consultation.id, Invitation.kind == Origin.INVITED
        )
    )
    started, submitted = db.session.execute(
        select(
            func.count(Response.id),
            func.count(Response.id).filter(Response.status == Status.SUBMITTED),
        ).where(Response.consultation_id == consultation.id)
    ).one()
    return Summary(invited=invited or 0, started=started or 0, submitted=submitted or 0)


@dataclass(frozen=True)
class Cell:
    """A count as published: its value, or "fewer than N" when it is suppressed."""

    value: int
    threshold: int
    suppressed: bool

    def __str__(self) -> str:
        return f"fewer than {self.threshold}" if self.suppressed else f"{self.value:,}"


@dataclass(frozen=True)
class Disclosure:
    """The rule for publishing counts: suppress small ones (1 to `threshold` - 1) while `active`."""

    threshold: int
    active: bool

    def cell(self, value: int) -> Cell:
        return Cell(value, self.threshold, self.active and is_small(value, self.threshold, zeros=True))

    def rate(self, numerator: Cell, denominator: Cell) -> str | None:
        """A percentage to one decimal place, or None if either count is hidden or the base is 0."""
        if numerator.suppressed or denominator.suppressed or denominator.value == 0:
            return None
        return f"{100 * numerator.value / denominator.value:.1f}%"


def disclosure_for(consultation: Consultation, on: dt.date | None = None) -> Disclosure:
    """Counts are suppressed while the consultation is not yet closed."""
    threshold = consultations.disclosure_threshold(consultation)
    return Disclosure(threshold, consultations.state(consultation, on) is not ConsultationState.CLOSED)


@dataclass(frozen=True)
class Row:
    """One line of a counts table: a category and its counts (invited is None where not relevant)."""

    label: str
    started: Cell
    submitted: Cell
    invited: Cell | None = None
    rate: str | None = None


@dataclass(frozen=True)
class Table:
    caption: str
    heading: str
    rows: list[Row]
    with_invited: bool = False


@dataclass(frozen=True)
class QuestionCounts:
    number: int
    text: str
    asked: Cell
    options: list[tuple[str, Cell]]


@dataclass(frozen=True)
class Day:
    on: dt.date
    started: Cell
    submitted: Cell


@dataclass
class Dashboard:
    """Everything the dashboard shows, already put through disclosure control."""

    disclosure: Disclosure
    overall: list[Row]
    invited_tables: list[Table]
    self_service_tables: list[Table]
    keyed_in: list[Row]
    questions: list[QuestionCounts] = field(default_factory=list)
    days: list[Day] = field(default_factory=list)


def _response_counts(consultation: Consultation, column: str | None, origins: tuple[str, ...]) -> dict:
    """{category: (started, submitted)} for responses of `origins`, grouped by `column`."""
    key = getattr(Response, column) if column else Response.origin
    rows = db.session.execute(
        select(
            key,
            func.count(Response.id),
            func.count(Response.id).filter(Response.status == Status.SUBMITTED),
        )
        .where(Response.consultation_id == consultation.id, Response.origin.in_(origins))
        .group_by(key)
    )
    return {category: (started, submitted) for category, started, submitted in rows}


def _invited_counts(consultation: Consultation, column: str | None) -> dict:
    key = getattr(Invitation, column) if column else Invitation.kind
    rows = db.session.execute(
        select(key, func.count(Invitation.id))
        .where(Invitation.consultation_id == consultation.id, Invitation.kind == Origin.INVITED)
        .group_by(key)
    )
    return {key: count for key, count in rows}


def _categories(listed: tuple[str, ...], *seen: dict) -> list[str | None]:
    """The questionnaire's categories in order, then any others seen, then "not stated"."""
    found = {k for counts in seen for k in counts}
    ordered: list[str | None] = [c for c in listed if c in found]
    ordered += sorted(k for k in found if k is not None and k not in listed)
    if None in found:
        ordered.append(None)
    return ordered


def _invited_table(
    consultation: Consultation, column: str, heading: str, listed: tuple[str, ...], disclosure: Disclosure
) -> Table:
    invited = _invited_counts(consultation, column)
    responses = _response_counts(consultation, column, (Origin.INVITED,))
    rows = []
    for category in _categories(listed, invited, responses):
        started, submitted = responses.get(category, (0, 0))
        invited_cell = disclosure.cell(invited.get(category, 0))
        submitted_cell = disclosure.cell(submitted)
        rows.append(
            Row(
                label=category or NOT_STATED,
                started=disclosure.cell(started),
                submitted=submitted_cell,
                invited=invited_cell,
                rate=disclosure.rate(submitted_cell, invited_cell),
            )
        )
    return Table(f"Invited respondents by {heading.lower()}", heading, rows, with_invited=True)


def _self_service_table(
    consultation: Consultation, column: str, heading: str, listed: tuple[str, ...], disclosure: Disclosure
) -> Table:
    responses = _response_counts(consultation, column, (Origin.SELF_SERVICE,))
    rows = [
        Row(
            category or NOT_STATED,
            disclosure.cell(responses[category][0]),
            disclosure.cell(responses[category][1]),
        )
        for category in _categories(listed, responses)
    ]
    return Table(f"Self-service respondents by {heading.lower()}", heading, rows)


def _overall(consultation: Consultation, disclosure: Disclosure) -> list[Row]:
    by_origin = _response_counts(consultation, None, tuple(Origin))
    invited = disclosure.cell(sum(_invited_counts(consultation, None).values()))
    labels = (
        (Origin.INVITED, "Invitation list"),
        (Origin.SELF_SERVICE, "Self-service links"),
        (Origin.ISSUED, "Links issued by the team"),
        (Origin.KEYED_IN, "Keyed in from email or paper"),
    )
    rows = []
    for origin, label in labels:
        started, submitted = by_origin.get(origin.value, (0, 0))
        submitted_cell = disclosure.cell(submitted)
        if origin is Origin.INVITED:
            rows.append(
                Row(
                    label,
                    disclosure.cell(started),
                    submitted_cell,
                    invited,
                    disclosure.rate(submitted_cell, invited),
                )
            )
        else:
            rows.append(Row(label, disclosure.cell(started), submitted_cell))
    started_total = sum(s for s, _ in by_origin.values())
    submitted_total = sum(s for _, s in by_origin.values())
    rows.append(Row("All responses", disclosure.cell(started_total), disclosure.cell(submitted_total)))
    return rows


def _keyed_in(consultation: Consultation, disclosure: Disclosure) -> list[Row]:
    rows = db.session.execute(
        select(
            Response.channel,
            func.count(Response.id),
            func.count(Response.id).filter(Response.status == Status.SUBMITTED),
        )
        .where(Response.consultation_id == consultation.id, Response.origin == Origin.KEYED_IN)
        .group_by(Response.channel)
    )
    counts = {channel: (started, submitted) for channel, started, submitted in rows}
    names = {Channel.EMAIL: "Email", Channel.PAPER: "Paper", Channel.OTHER: "Other", Channel.WEB: "Web"}
    return [
        Row(
            names[channel],
            disclosure.cell(counts.get(channel.value, (0, 0))[0]),
            disclosure.cell(counts.get(channel.value, (0, 0))[1]),
        )
        for channel in (Channel.EMAIL, Channel.PAPER, Channel.OTHER)
    ]


def question_counts(
    consultation: Consultation, questionnaire: Questionnaire, disclosure: Disclosure
) -> list[QuestionCounts]:
    """Answer counts for every single-choice question: submitted responses, counted answers only.

    `asked` is the number of submitted responses to which the question applied (its
    condition held); "Not answered" is those asked who gave no answer.
    """
    choice_ids = [q.id for q in questionnaire.questions if q.is_single_choice]
    answers: dict[int, dict[str, str]] = defaultdict(dict)
    counted = counted_answers(consultation.id, submitted_only=True, question_ids=choice_ids)
    for response_id, question_id, value in db.session.execute(counted):
        answers[response_id][question_id] = value
    submitted = (
        db.session.scalar(
            select(func.count(Response.id)).where(
                Response.consultation_id == consultation.id, Response.status == Status.SUBMITTED
            )
        )
        or 0
    )
    chosen: dict[str, Counter[str]] = defaultdict(Counter)
    for given in answers.values():
        for question_id, value in questionnaire.visible_answers(given).items():
            chosen[question_id][value] += 1
    result = []
    for question in questionnaire.questions:
        if not question.is_single_choice:
            continue
        if question.shown_if is None:
            asked = submitted
        else:
            asked = sum(1 for given in answers.values() if questionnaire.is_shown(question, given))
        counts = chosen[question.id]
        options = [(option, disclosure.cell(counts[option])) for option in question.options]
        options.append((NOT_ANSWERED, disclosure.cell(asked - sum(counts.values()))))
        result.append(QuestionCounts(question.number, question.text, disclosure.cell(asked), options))
    return result


def by_day(consultation: Consultation, disclosure: Disclosure) -> list[Day]:
    """Responses started and submitted on each day, every day from the first to the last."""
    started = dict(
        db.session.execute(
            select(Response.started_on, func.count(Response.id))
            .where(Response.consultation_id == consultation.id)
            .group_by(Response.started_on)
        ).all()
    )
    submitted = dict(
        db.session.execute(
            select(Response.submitted_on, func.count(Response.id))
            .where(Response.consultation_id == consultation.id, Response.status == Status.SUBMITTED)
            .group_by(Response.submitted_on)
        ).all()
    )
    submitted.pop(None, None)
    days = sorted({*started, *submitted})
    if not days:
        return []
    out, on = [], days[0]
    while on <= days[-1]:
        out.append(Day(on, disclosure.cell(started.get(on, 0)), disclosure.cell(submitted.get(on, 0))))
        on += dt.timedelta(days=1)
    return out


def dashboard(
    consultation: Consultation, questionnaire: Questionnaire, on: dt.date | None = None
) -> Dashboard:
    """The whole dashboard for `consultation`, with disclosure control applied."""
    disclosure = disclosure_for(consultation, on)
    profile = questionnaire.profile
    listed = {
        "role": profile.roles,
        "organisation_type": profile.organisation_types,
        "region": profile.regions,
    }
    return Dashboard(
        disclosure=disclosure,
        overall=_overall(consultation, disclosure),
        invited_tables=[
            _invited_table(consultation, column, heading, listed[column], disclosure)
            for column, heading in DIMENSIONS
        ],
        self_service_tables=[
            _self_service_table(consultation, column, heading, listed[column], disclosure)
            for column, heading in DIMENSIONS
        ],
        keyed_in=_keyed_in(consultation, disclosure),
        questions=question_counts(consultation, questionnaire, disclosure),
        days=by_day(consultation, disclosure),
    )
