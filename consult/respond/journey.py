"""Where a respondent is in the journey: steps, progress and who is answering."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, g, session

from consult.data import consultations, links
from consult.models import Consultation, Invitation, Response
from questions import Questionnaire, Section

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


def remember(holder: links.LinkHolder) -> None:
    session.clear()  # a new link on this browser replaces any earlier holder
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
    return Respondent(
        holder=holder,
        invitation=invitation,
        consultation=consultation,
        questionnaire=consultations.questionnaire_of(consultation),
        response=response,
    )
