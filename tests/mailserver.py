"""A real SMTP server on loopback (aiosmtpd) for tests, and helpers to read what it received."""

from __future__ import annotations

import email
import email.policy
import re
import socket
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask

LINK = re.compile(r"https?://[^\s\"<>]+/r/([A-Za-z0-9_-]{43})")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Mailbox:
    """aiosmtpd handler keeping every accepted message; refuses recipients in `refuse`."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address.lower() in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def recipients(self) -> list[str]:
        return [str(m["To"]) for m in self.messages]


class MailServer:
    """A loopback SMTP server that can be stopped and started again on the same port."""

    def __init__(self) -> None:
        self.mailbox = Mailbox()
        self.port = free_port()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def configure(self, app: Flask) -> None:
        app.config.update(
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=self.port,
            MAIL_USE_STARTTLS=False,
            MAIL_FROM="Taking Stock consultation <consultation@lga.example>",
            MAIL_TIMEOUT=10,
            BASE_URL="http://consult.example",
        )

    @property
    def messages(self) -> list[EmailMessage]:
        return self.mailbox.messages


def plain_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return part.get_content()


def links_in(message: EmailMessage) -> list[str]:
    """Every distinct link token in a message's text and HTML parts."""
    tokens: list[str] = []
    for part in message.walk():
        if part.get_content_maintype() == "text":
            for token in LINK.findall(part.get_content()):
                if token not in tokens:
                    tokens.append(token)
    return tokens


@pytest.fixture
def mail_server(app: Flask) -> Iterator[MailServer]:
    """A running loopback SMTP server, with the app configured to send through it."""
    server = MailServer()
    server.start()
    server.configure(app)
    try:
        yield server
    finally:
        server.stop()
