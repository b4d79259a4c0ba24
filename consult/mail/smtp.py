"""Sending one email over SMTP: the settings from the app's config and a connection.

Only the transport: what is sent, to whom and when is `consult.mail.sending`'s job.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

__all__ = ["MailError", "MailSettings", "connection", "send_one", "settings_from"]


class MailError(RuntimeError):
    """Mail that cannot be sent now, with a message fit to show an officer."""


@dataclass(frozen=True)
class MailSettings:
    server: str
    port: int
    use_starttls: bool
    username: str | None
    password: str | None
    sender: str
    timeout: float = 30.0


def settings_from(config: Mapping[str, Any]) -> MailSettings | None:
    """The SMTP settings in an app's config, or None if email is not set up."""
    if not config.get("MAIL_SERVER") or not config.get("MAIL_FROM"):
        return None
    return MailSettings(
        server=str(config["MAIL_SERVER"]),
        port=int(config.get("MAIL_PORT") or 25),
        use_starttls=bool(config.get("MAIL_USE_STARTTLS")),
        username=config.get("MAIL_USERNAME") or None,
        password=config.get("MAIL_PASSWORD") or None,
        sender=str(config["MAIL_FROM"]),
        timeout=float(config.get("MAIL_TIMEOUT") or 30),
    )


@contextmanager
def connection(settings: MailSettings) -> Iterator[smtplib.SMTP]:
    """An open SMTP connection (STARTTLS and login if configured); MailError if it cannot open."""
    try:
        smtp = smtplib.SMTP(settings.server, settings.port, timeout=settings.timeout)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"Could not connect to the mail server {settings.server}:{settings.port}") from exc
    try:
        if settings.use_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.username:
            smtp.login(settings.username, settings.password or "")
    except (OSError, smtplib.SMTPException) as exc:
        smtp.close()
        raise MailError(f"The mail server {settings.server} refused the connection: {exc}") from exc
    try:
        yield smtp
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()


def send_one(settings: MailSettings, message: EmailMessage) -> None:
    """Send a single email on a connection of its own; MailError if it is not accepted."""
    with connection(settings) as smtp:
        try:
            smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError("The mail server did not accept the email") from exc
