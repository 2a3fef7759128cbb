"""A real SMTP server on loopback (aiosmtpd) that the app sends to, and what it received."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller


@dataclass
class Received:
    """One message as the server took it: the SMTP envelope and the parsed message."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def body(self) -> str:
        """The text, with the CRLF line ends of the wire read as plain newlines."""
        return self.message.get_content().replace("\r\n", "\n")


class Collector:
    def __init__(self) -> None:
        self.received: list[Received] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)  # type: ignore[attr-defined]
        self.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), message)  # type: ignore[attr-defined]
        )
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def mailbox(settings) -> Iterator[list[Received]]:
    """Start an SMTP server on 127.0.0.1 and point Django's SMTP backend at it; yields the list
    of messages it receives."""
    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.DEFAULT_FROM_EMAIL = "Knead <knead@example.test>"
    try:
        yield collector.received
    finally:
        controller.stop()
