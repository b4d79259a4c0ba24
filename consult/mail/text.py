"""The words of the emails the service sends: invitations, reminders and self-service links.

Each email is plain text with a simple HTML alternative, in plain GOV.UK-style English,
and carries at most one link: the addressee's own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from markupsafe import escape

from questions import Questionnaire


@dataclass(frozen=True)
class Letter:
    """An email before it is addressed: subject and paragraphs, with the link in its place."""

    subject: str
    greeting: str
    paragraphs: tuple[str, ...]
    link: str | None = None
    link_label: str = "Respond to the consultation"
    after_link: tuple[str, ...] = ()


def long_date(value: dt.date) -> str:
    """A date as GOV.UK writes it: 3 February 2015."""
    return f"{value.day} {value:%B %Y}"


def _closing(questionnaire: Questionnaire, closes_on: dt.date) -> str:
    return (
        f"The consultation closes at the end of {long_date(closes_on)}. You can answer in several "
        "sittings and change your answers until then: whatever you last submit is your response."
    )


def invitation(questionnaire: Questionnaire, closes_on: dt.date, name: str | None, link: str) -> Letter:
    """The first email to someone on the invitation list, with their own link."""
    return Letter(
        subject=f"{questionnaire.title}: your link to respond",
        greeting=f"Dear {name}," if name else "Hello,",
        paragraphs=(
            f"The {questionnaire.publisher} would like your views in its consultation "
            f"‘{questionnaire.title}’.",
            "Use this link to respond. It is yours alone:",
        ),
        link=link,
        after_link=(
            _closing(questionnaire, closes_on),
            questionnaire.link_sharing,
            questionnaire.confidentiality,
        ),
    )


def reminder(
    questionnaire: Questionnaire, closes_on: dt.date, name: str | None, link: str | None, sent_on: dt.date
) -> Letter:
    """A reminder to someone who has not submitted: with a new link, or pointing to the first one."""
    if link is None:
        return Letter(
            subject=f"Reminder: {questionnaire.title}",
            greeting=f"Dear {name}," if name else "Hello,",
            paragraphs=(
                f"We have not yet had your response to the {questionnaire.publisher}'s consultation "
                f"‘{questionnaire.title}’.",
                f"Use the link in the email we sent you on {long_date(sent_on)}, with the subject "
                f"‘{questionnaire.title}: your link to respond’. Anything you have already saved "
                "through it is still there.",
                "If you cannot find that email, reply to this one and we will send you a new link.",
                _closing(questionnaire, closes_on),
            ),
        )
    return Letter(
        subject=f"Reminder: {questionnaire.title}",
        greeting=f"Dear {name}," if name else "Hello,",
        paragraphs=(
            f"We have not yet had your response to the {questionnaire.publisher}'s consultation "
            f"‘{questionnaire.title}’.",
            "Use this new link to respond. It replaces the link we sent you before, which no longer works:",
        ),
        link=link,
        after_link=(_closing(questionnaire, closes_on), questionnaire.link_sharing),
    )


def self_service(questionnaire: Questionnaire, closes_on: dt.date, link: str) -> Letter:
    """The email to someone who asked for a link on the public page."""
    return Letter(
        subject=f"{questionnaire.title}: your link to respond",
        greeting="Hello,",
        paragraphs=(
            f"You asked for a link to respond to the {questionnaire.publisher}'s consultation "
            f"‘{questionnaire.title}’. Use this link. It is yours alone:",
        ),
        link=link,
        after_link=(
            _closing(questionnaire, closes_on),
            questionnaire.link_sharing,
            questionnaire.confidentiality,
            "If you did not ask for this link, you can ignore this email. "
            "We have not kept your email address.",
        ),
    )


def already_invited(questionnaire: Questionnaire, closes_on: dt.date) -> Letter:
    """The email to someone on the invitation list who asked for a link on the public page."""
    return Letter(
        subject=f"{questionnaire.title}: your link to respond",
        greeting="Hello,",
        paragraphs=(
            f"You asked for a link to respond to the {questionnaire.publisher}'s consultation "
            f"‘{questionnaire.title}’.",
            "This email address is on the list of people the consultation team invite personally, so "
            "your own link is sent to it by email with the subject "
            f"‘{questionnaire.title}: your link to respond’. Use the link in that email.",
            "If you cannot find it, reply to this email and the consultation team will send you a new link.",
            _closing(questionnaire, closes_on),
            "If you did not ask for a link, you can ignore this email.",
        ),
    )


def sign_in_link(link: str, hours: int) -> Letter:
    """The email to an officer or analyst who asked for a one-time sign-in link."""
    return Letter(
        subject="Your sign-in link for the consultation team's pages",
        greeting="Hello,",
        paragraphs=(
            "You asked for a link to sign in to the consultation team's pages. "
            f"It works once, within {hours} hours:",
        ),
        link=link,
        link_label="Sign in",
        after_link=(
            "If you did not ask for this link, you can ignore this email: your password has not "
            "been changed and no one can sign in without the link.",
        ),
    )


def _plain(letter: Letter) -> str:
    parts = [letter.greeting, *letter.paragraphs]
    if letter.link:
        parts.append(letter.link)
    parts.extend(letter.after_link)
    return "\n\n".join(p.strip() for p in parts if p and p.strip()) + "\n"


def _html(letter: Letter) -> str:
    def para(text: str) -> str:
        return f'<p style="font-family: Arial, sans-serif; font-size: 19px;">{escape(text.strip())}</p>'

    parts = [para(letter.greeting), *(para(p) for p in letter.paragraphs if p.strip())]
    if letter.link:
        parts.append(
            f'<p style="font-family: Arial, sans-serif; font-size: 19px;"><a href="{escape(letter.link)}">'
            f"{escape(letter.link_label)}</a></p>"
            f'<p style="font-family: Arial, sans-serif; font-size: 16px;">Or copy this link into your '
            f"browser: {escape(letter.link)}</p>"
        )
    parts.extend(para(p) for p in letter.after_link if p and p.strip())
    return '<!doctype html><html lang="en-GB"><body>' + "".join(parts) + "</body></html>"


def to_message(letter: Letter, *, sender: str, to: str) -> EmailMessage:
    """The letter as an email to one person: plain text with an HTML alternative."""
    message = EmailMessage()
    message["Subject"] = letter.subject
    message["From"] = sender
    message["To"] = to
    message["Date"] = formatdate(localtime=False)
    domain = sender.rpartition("@")[2].strip(">").strip() or None
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(_plain(letter))
    message.add_alternative(_html(letter), subtype="html")
    return message
