"""Where a respondent is in the journey: steps, progress and who is answering."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from flask import abort, g, session

from consult.data import consultations, links
from consult.models import Consultation, Invitation, Response
from consult.web import language
from questions import Profile, Question, Questionnaire, Section

SESSION_KEY = "respondent"
ABOUT_STEP = "about"
REPLACED = "replaced"


@dataclass
class Respondent:
    """The link holder of this request, with their consultation and (possibly no) response."""

    holder: links.LinkHolder
    # Read-only rows (links.Record) with the columns of Invitation, Consultation, Response.
    invitation: Invitation | links.Record
    consultation: Consultation | links.Record
    questionnaire: Questionnaire
    response: Response | links.Record | None

    @cached_property
    def shown(self) -> Questionnaire:
        """The questionnaire in this page's language: its texts translated, its answer values not."""
        return self.questionnaire.in_language(language.current_language())

    @property
    def steps(self) -> list[str]:
        return [ABOUT_STEP, *(s.id for s in self.questionnaire.sections)]

    def step_number(self, step: str) -> int:
        return self.steps.index(step) + 1

    def next_step(self, step: str) -> str | None:
        index = self.steps.index(step) + 1
        return self.steps[index] if index < len(self.steps) else None

    def section(self, section_id: str) -> Section:
        try:
            return self.questionnaire.section(section_id)
        except KeyError:
            abort(404)

    @property
    def asked_about(self) -> set[str]:
        """The "About you" fields asked of this respondent; an invitation's are not re-asked."""
        asked = {
            name for name in ("role", "organisation_type", "region") if getattr(self.invitation, name) is None
        }
        if self.invitation.organisation is None:
            asked.add("organisation_name")
        return asked


@dataclass(frozen=True)
class PageQuestion:
    """A question as a section page draws it, with the questions one of its options reveals."""

    question: Question
    # Option value -> questions drawn inside that option (GOV.UK conditional reveal).
    revealed: dict[str, tuple[Question, ...]]


def page_layout(
    questionnaire: Questionnaire,
    section: Section,
    answers: dict[str, str],
    include: frozenset[str] = frozenset(),
) -> list[PageQuestion]:
    """The questions of `section` that its page draws, given the stored `answers`.

    Every question that applies is drawn. A question asked only after one particular answer
    to a single-choice question drawn on the same page is drawn inside that answer, as the
    design system's conditional reveal: shown once that answer is chosen (always, without
    JavaScript), and its answer kept only if that answer is saved with it. A question that
    follows from several answers is asked once those are saved. Questions in `include` are
    drawn whatever the answers (a page drawn again as it was posted).
    """
    shown = [q for q in section.questions if q.id in include or questionnaire.is_shown(q, answers)]
    top_level = {q.id for q in shown}
    nested: dict[str, dict[str, list[Question]]] = {}
    for question in section.questions:
        condition = question.shown_if
        if condition is None or len(condition.any_of) != 1 or condition.question not in top_level:
            continue
        if not questionnaire.question(condition.question).is_single_choice:
            continue
        if any(other.shown_if and other.shown_if.question == question.id for other in section.questions):
            continue  # one level only: a question that reveals others stays on the page itself
        nested.setdefault(condition.question, {}).setdefault(condition.any_of[0], []).append(question)
        top_level.discard(question.id)
    return [
        PageQuestion(q, {option: tuple(qs) for option, qs in nested.get(q.id, {}).items()})
        for q in section.questions
        if q.id in top_level
    ]


def drawn_questions(layout: list[PageQuestion]) -> tuple[Question, ...]:
    """Every question a page with `layout` draws, revealed ones after their controller."""
    return tuple(
        q for item in layout for q in (item.question, *(r for qs in item.revealed.values() for r in qs))
    )


def answer_label(question: Question, value: str | None) -> str | None:
    """How a stored answer reads in `question`'s language (its option label; free text as typed)."""
    return question.option_label(value) if value is not None and question.is_single_choice else value


def profile_label(profile: Profile, kind: str, value: str | None) -> str | None:
    """How a stored "About you" category reads in `profile`'s language.

    `kind` is role, organisation_type or region.
    """
    if value is None:
        return None
    return {
        "role": profile.role_label,
        "organisation_type": profile.organisation_type_label,
        "region": profile.region_label,
    }[kind](value)


def remember(holder: links.LinkHolder) -> None:
    # A new link on this browser replaces any earlier holder; the chosen language stays.
    language.keep_language_across(session.clear)
    session.permanent = True
    session[SESSION_KEY] = {
        "consultation": holder.consultation_id,
        "invitation": holder.invitation_id,
        "key": holder.response_key_hash,
        "link": holder.link_digest,
    }


def link_replaced() -> bool:
    """Whether this request's session was ended because its link was reissued or withdrawn."""
    return bool(g.get("respondent_link_replaced"))


def current_respondent() -> Respondent | None:
    """The respondent of this session, checked against the invitation's live link on every request."""
    stored = session.get(SESSION_KEY)
    if not isinstance(stored, dict):
        return None
    try:
        holder = links.LinkHolder(
            int(stored["consultation"]), int(stored["invitation"]), str(stored["key"]), str(stored["link"])
        )
    except (KeyError, TypeError, ValueError):
        if stored.get(REPLACED):
            g.respondent_link_replaced = True
        else:
            session.pop(SESSION_KEY, None)
        return None
    found = links.live_invitation_and_response(holder)
    if found is None:
        # The link this session came through was reissued or withdrawn: the session ends
        # with it, so one invitation never has two sittings that can both submit. It keeps
        # only the fact, so that every later page says why until a link is opened again.
        session[SESSION_KEY] = {REPLACED: True}
        g.respondent_link_replaced = True
        return None
    invitation, consultation, response = found
    questionnaire = consultations.questionnaire_of(consultation)
    language.use_questionnaire(questionnaire)  # the languages offered are this questionnaire's
    return Respondent(
        holder=holder,
        invitation=invitation,
        consultation=consultation,
        questionnaire=questionnaire,
        response=response,
    )
