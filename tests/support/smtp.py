"""A real SMTP server in the test (aiosmtpd), collecting what it receives."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Inbox:
    messages: list[EmailMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)  # type: ignore[arg-type]
        return "250 OK"

    def of_kind(self, kind: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.messages if m["X-Aftersale-Kind"] == kind]

    def kinds(self) -> list[str]:
        with self.lock:
            return [str(m["X-Aftersale-Kind"]) for m in self.messages]


@contextmanager
def smtp_server(handler: Any, port: int | None = None) -> Iterator[int]:
    """A real SMTP server on loopback handing each message to `handler`; its port."""
    port = port or free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@contextmanager
def smtp_sink(port: int | None = None) -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    with smtp_server(inbox, port) as bound:
        yield inbox, bound


def body_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())
