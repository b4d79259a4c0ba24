"""The words of the emails the service sends: invitations, reminders and self-service links.

Each email is plain text with a simple HTML alternative, in plain GOV.UK-style English or
Welsh, and carries at most one link: the addressee's own. A respondent's email in Welsh
also carries the English (Welsh first, as Welsh councils' own letters do), so that a
colleague who reads only English can act on it too. The interface text comes from the
same catalogues as the pages (Flask-Babel), the questionnaire's from `in_language`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from babel.dates import format_date
from flask_babel import force_locale, gettext
from markupsafe import escape

from questions import Questionnaire

ENGLISH = ("en",)
# Invitees whose region or type of organisation is one of these are Welsh respondents:
# their invitations and reminders are in Welsh and English wherever Welsh is offered.
WELSH_CATEGORIES = frozenset({"Wales", "Welsh"})


@dataclass(frozen=True)
class Letter:
    """An email before it is addressed: subject and paragraphs, with the link in its place."""

    subject: str
    greeting: str
    paragraphs: tuple[str, ...]
    link: str | None = None
    link_label: str = "Respond to the consultation"
    after_link: tuple[str, ...] = ()
    language: str = "en"
    # The same letter in other languages, which follow this one in the email.
    also_in: tuple[Letter, ...] = field(default=())

    @property
    def parts(self) -> tuple[Letter, ...]:
        return (self, *self.also_in)


def letter_languages(language: str) -> tuple[str, ...]:
    """The languages of a letter for someone using `language`: Welsh ones carry English too."""
    return ENGLISH if language == "en" else (language, "en")


def invitee_languages(
    offered: Sequence[str], region: str | None, organisation_type: str | None
) -> tuple[str, ...]:
    """The languages of an invitation or reminder: Welsh and English for Welsh respondents where
    the consultation offers Welsh (`offered`), English for everyone else."""
    if "cy" in offered and ({region, organisation_type} & WELSH_CATEGORIES):
        return letter_languages("cy")
    return ENGLISH


def long_date(value: dt.date, language: str = "en") -> str:
    """A date as GOV.UK writes it: 3 February 2015 (3 Chwefror 2015)."""
    return format_date(value, "d MMMM y", locale=language)


def _in_languages(languages: Sequence[str], write: Callable[[str], Letter]) -> Letter:
    """The letter `write(language)` makes, in each of `languages` (the first leads)."""
    letters = []
    for language in languages or ENGLISH:
        with force_locale(language):
            letters.append(replace(write(language), language=language))
    first, *others = letters
    subjects = list(dict.fromkeys(letter.subject for letter in letters))
    return replace(first, subject=" / ".join(subjects), also_in=tuple(others))


def _closing(closes_on: dt.date, language: str) -> str:
    return gettext(
        "The consultation closes at the end of %(date)s. You can answer in several sittings and "
        "change your answers until then: whatever you last submit is your response.",
        date=long_date(closes_on, language),
    )


def _greeting(name: str | None) -> str:
    return gettext("Dear %(name)s,", name=name) if name else gettext("Hello,")


def _your_link_subject(title: str) -> str:
    return gettext("%(title)s: your link to respond", title=title)


def invitation(
    questionnaire: Questionnaire,
    closes_on: dt.date,
    name: str | None,
    link: str,
    languages: Sequence[str] = ENGLISH,
) -> Letter:
    """The first email to someone on the invitation list, with their own link."""

    def write(language: str) -> Letter:
        shown = questionnaire.in_language(language)
        return Letter(
            subject=_your_link_subject(shown.title),
            greeting=_greeting(name),
            paragraphs=(
                gettext(
                    "The %(publisher)s would like your views in its consultation ‘%(title)s’.",
                    publisher=shown.publisher,
                    title=shown.title,
                ),
                gettext("Use this link to respond. It is yours alone:"),
            ),
            link=link,
            link_label=gettext("Respond to the consultation"),
            after_link=(_closing(closes_on, language), shown.link_sharing, shown.confidentiality),
        )

    return _in_languages(languages, write)


def reminder(
    questionnaire: Questionnaire,
    closes_on: dt.date,
    name: str | None,
    link: str | None,
    sent_on: dt.date,
    languages: Sequence[str] = ENGLISH,
) -> Letter:
    """A reminder to someone who has not submitted: with a new link, or pointing to the first one."""

    def write(language: str) -> Letter:
        shown = questionnaire.in_language(language)
        not_yet = gettext(
            "We have not yet had your response to the %(publisher)s's consultation ‘%(title)s’.",
            publisher=shown.publisher,
            title=shown.title,
        )
        subject = gettext("Reminder: %(title)s", title=shown.title)
        if link is None:
            return Letter(
                subject=subject,
                greeting=_greeting(name),
                paragraphs=(
                    not_yet,
                    gettext(
                        "Use the link in the email we sent you on %(date)s, with the subject ‘%(subject)s’. "
                        "Anything you have already saved through it is still there.",
                        date=long_date(sent_on, language),
                        subject=_your_link_subject(shown.title),
                    ),
                    gettext(
                        "If you cannot find that email, reply to this one and we will send you a new link."
                    ),
                    _closing(closes_on, language),
                ),
            )
        return Letter(
            subject=subject,
            greeting=_greeting(name),
            paragraphs=(
                not_yet,
                gettext(
                    "Use this new link to respond. It replaces the link we sent you before, "
                    "which no longer works:"
                ),
            ),
            link=link,
            link_label=gettext("Respond to the consultation"),
            after_link=(_closing(closes_on, language), shown.link_sharing),
        )

    return _in_languages(languages, write)


def self_service(
    questionnaire: Questionnaire, closes_on: dt.date, link: str, languages: Sequence[str] = ENGLISH
) -> Letter:
    """The email to someone who asked for a link on the public page."""

    def write(language: str) -> Letter:
        shown = questionnaire.in_language(language)
        return Letter(
            subject=_your_link_subject(shown.title),
            greeting=gettext("Hello,"),
            paragraphs=(
                gettext(
                    "You asked for a link to respond to the %(publisher)s's consultation ‘%(title)s’. "
                    "Use this link. It is yours alone:",
                    publisher=shown.publisher,
                    title=shown.title,
                ),
            ),
            link=link,
            link_label=gettext("Respond to the consultation"),
            after_link=(
                _closing(closes_on, language),
                shown.link_sharing,
                shown.confidentiality,
                gettext(
                    "If you did not ask for this link, you can ignore this email. "
                    "We have not kept your email address."
                ),
            ),
        )

    return _in_languages(languages, write)


def already_invited(
    questionnaire: Questionnaire, closes_on: dt.date, languages: Sequence[str] = ENGLISH
) -> Letter:
    """The email to someone on the invitation list who asked for a link on the public page."""

    def write(language: str) -> Letter:
        shown = questionnaire.in_language(language)
        return Letter(
            subject=_your_link_subject(shown.title),
            greeting=gettext("Hello,"),
            paragraphs=(
                gettext(
                    "You asked for a link to respond to the %(publisher)s's consultation ‘%(title)s’.",
                    publisher=shown.publisher,
                    title=shown.title,
                ),
                gettext(
                    "This email address is on the list of people the consultation team invite personally, so "
                    "your own link is sent to it by email with the subject ‘%(subject)s’. "
                    "Use the link in that email.",
                    subject=_your_link_subject(shown.title),
                ),
                gettext(
                    "If you cannot find it, reply to this email and the consultation team will send "
                    "you a new link."
                ),
                _closing(closes_on, language),
                gettext("If you did not ask for a link, you can ignore this email."),
            ),
        )

    return _in_languages(languages, write)


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
    sections = []
    for part in letter.parts:
        texts = [part.greeting, *part.paragraphs]
        if part.link:
            texts.append(part.link)
        texts.extend(part.after_link)
        sections.append("\n\n".join(t.strip() for t in texts if t and t.strip()))
    return "\n\n--------\n\n".join(sections) + "\n"


def _html(letter: Letter) -> str:
    def para(text: str) -> str:
        return f'<p style="font-family: Arial, sans-serif; font-size: 19px;">{escape(text.strip())}</p>'

    sections = []
    for part in letter.parts:
        with force_locale(part.language):
            copy_text = gettext("Or copy this link into your browser:")
        texts = [para(part.greeting), *(para(p) for p in part.paragraphs if p.strip())]
        if part.link:
            texts.append(
                f'<p style="font-family: Arial, sans-serif; font-size: 19px;"><a href="{escape(part.link)}">'
                f"{escape(part.link_label)}</a></p>"
                f'<p style="font-family: Arial, sans-serif; font-size: 16px;">{escape(copy_text)} '
                f"{escape(part.link)}</p>"
            )
        texts.extend(para(p) for p in part.after_link if p and p.strip())
        sections.append(f'<div lang="{escape(part.language)}">' + "".join(texts) + "</div>")
    return (
        f'<!doctype html><html lang="{escape(letter.language)}"><body>'
        + "<hr>".join(sections)
        + "</body></html>"
    )


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
    # After the parts are made: making them moves every Content-* header into the first part.
    message["Content-Language"] = ", ".join(part.language for part in letter.parts)
    return message
