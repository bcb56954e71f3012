"""Real outside parts for the delivery tests: an SMTP server (aiosmtpd) and a fake WeCom robot,
both listening on 127.0.0.1, with the settings pointing the product's real clients at them."""

from __future__ import annotations

import email
import email.policy
import socket

import pytest
from aiosmtpd.controller import Controller

from .fake_wecom import FakeWeComServer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    """What the SMTP server received: one parsed message per DATA, with its envelope recipients."""

    def __init__(self):
        self.received: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        self.received.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for rcpt, m in self.received if address in rcpt]


class SMTPServer:
    def __init__(self):
        self.port = free_port()
        self.mailbox = Mailbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(settings):
    server = SMTPServer()
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "通报系统 <noreply@bank.example>"
    yield server
    server.stop()


@pytest.fixture(scope="session")
def _fake_wecom_server():
    with FakeWeComServer() as server:
        yield server


@pytest.fixture
def wecom(_fake_wecom_server, settings):
    server = _fake_wecom_server
    server.keys.clear()
    server.requests.clear()
    server.status, server.errcode = 200, 0
    settings.WECOM_TIMEOUT_S = 3
    settings.WECOM_ROBOT_WEBHOOKS = {}
    return server
