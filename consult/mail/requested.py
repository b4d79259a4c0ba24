"""Sending the emails people ask for on the site: officers' sign-in links, respondents' own links.

The request only stored a `RequestedEmail` (`consult.data.requested_emails`); here, in a
background job, is where it is decided what the address gets: a sign-in link if it is an
enabled account's, nothing if not; a respondent's own link, or a note that they are on
the invitation list already. Each email is claimed, its link minted and committed, then
sent with no transaction open; its row is deleted once sent. When the mail server cannot
be reached the email stays waiting and the next run sends it: nothing asked for is lost.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

from consult.data import audit, consultations, invitations, links, officers
from consult.data import requested_emails as requested
from consult.data.consultations import ConsultationState
from consult.extensions import db
from consult.mail import text as mail_text
from consult.mail.sending import link_url
from consult.mail.smtp import MailError, MailSettings, connection
from consult.models import Consultation, Invitation, Origin
from consult.web.public_url import sign_in_link_url


@dataclass
class RequestedReport:
    """What a run did: emails sent, dropped (nothing to send), and why it stopped early."""

    sent: int = 0
    dropped: int = 0
    problem: str | None = None


@dataclass(frozen=True)
class _Composed:
    letter: mail_text.Letter
    to: str
    invitation_id: int | None = None  # a respondent's link minted for this email


def _sign_in_link(claimed: requested.Claimed) -> _Composed | None:
    officer = officers.get_by_email(claimed.address)
    if officer is None or officer.disabled_on is not None:
        return None  # no account: nothing is sent, and the page asked on said the same
    token = officers.create_sign_in_link(officer)
    audit.record("asked for a sign-in link", officer.email)
    hours = int(officers.SIGN_IN_LINK_LIFETIME.total_seconds() // 3600)
    return _Composed(mail_text.sign_in_link(sign_in_link_url(token, claimed.link_root), hours), officer.email)


def _own_link(claimed: requested.Claimed) -> _Composed | None:
    consultation = db.session.get(Consultation, claimed.consultation_id) if claimed.consultation_id else None
    if (
        consultation is None
        or consultation.response_key is None
        or consultations.state(consultation) is not ConsultationState.OPEN
    ):
        return None  # closed (or its contacts purged) since it was asked for
    questionnaire = consultations.questionnaire_of(consultation)
    languages = claimed.languages or ("en",)
    if invitations.is_on_list(consultation, claimed.address):
        letter = mail_text.already_invited(questionnaire, consultation.closes_on, languages)
        return _Composed(letter, claimed.address)
    issued = links.issue_link(consultation, kind=Origin.SELF_SERVICE)
    letter = mail_text.self_service(
        questionnaire, consultation.closes_on, link_url(claimed.link_root, issued.token), languages
    )
    return _Composed(letter, claimed.address, issued.invitation.id)


_COMPOSERS = {requested.SIGN_IN_LINK: _sign_in_link, requested.SELF_SERVICE: _own_link}


def _withdraw(composed: _Composed) -> None:
    """An unsent respondent's link is revoked, so that no one holds it."""
    if composed.invitation_id is not None:
        invitation = db.session.get(Invitation, composed.invitation_id)
        if invitation is not None:
            links.revoke(invitation)


REFUSED = "refused"


def _deliver(smtp: smtplib.SMTP, message: EmailMessage) -> str | None:
    """None once the server took the message; REFUSED if it refused the address for good;
    else why it could not be sent now."""
    try:
        smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused:
        return REFUSED
    except smtplib.SMTPResponseException as exc:
        if exc.smtp_code >= 500:
            return REFUSED
        return f"The mail server asked to try later ({exc.smtp_code})"
    except (OSError, smtplib.SMTPException) as exc:
        return f"The connection to the mail server was lost ({exc.__class__.__name__})"
    return None


def send_requested(settings: MailSettings) -> RequestedReport:
    """Send every waiting asked-for email, one at a time, committing after each.

    Stops at the first failure to reach the mail server, leaving the rest waiting.
    """
    report = RequestedReport()
    db.session.commit()  # no transaction is held while talking to the mail server
    waiting = requested.waiting_count()
    db.session.commit()
    if waiting == 0:
        return report
    try:
        with connection(settings) as smtp:
            while (claimed := requested.claim_next()) is not None:
                composed = _COMPOSERS[claimed.kind](claimed)
                if composed is None:
                    requested.finish(claimed)
                    db.session.commit()
                    report.dropped += 1
                    continue
                db.session.commit()  # the link's digest is stored before the link leaves
                message = mail_text.to_message(composed.letter, sender=settings.sender, to=composed.to)
                outcome = _deliver(smtp, message)
                if outcome == REFUSED:
                    # This address is refused for good: asking again will not change that.
                    _withdraw(composed)
                    requested.finish(claimed)
                    db.session.commit()
                    report.dropped += 1
                    continue
                if outcome is not None:
                    _withdraw(composed)
                    report.problem = outcome
                    requested.put_back(claimed, outcome)
                    db.session.commit()
                    break
                requested.finish(claimed)
                db.session.commit()
                report.sent += 1
    except MailError as exc:
        db.session.rollback()
        report.problem = str(exc)
    return report
