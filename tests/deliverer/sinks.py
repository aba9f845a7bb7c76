"""Real servers on loopback for the deliverer tests: an SMTP sink and an HTTP sink."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    raw: bytes
    #: The client's address and port: one per connection.
    peer: object = None


class SmtpHandler:
    """Accepts everything except the addresses in ``reject`` (answered with their reply).

    ``slow`` recipients are answered after that many seconds; for ``drop``
    recipients the connection is closed instead of answering DATA. With
    ``pipelining`` the server offers PIPELINING (RFC 2920), as Postfix does.
    """

    def __init__(
        self,
        reject: dict[str, str] | None = None,
        *,
        slow: dict[str, float] | None = None,
        drop: set[str] | None = None,
        pipelining: bool = False,
    ) -> None:
        self.reject = reject or {}
        self.slow = slow or {}
        self.drop = drop or set()
        self.pipelining = pipelining
        self.messages: list[Received] = []
        self.logins: list[str] = []
        self._lock = threading.Lock()

    async def handle_EHLO(
        self, server: SMTP, session: Session, envelope: Envelope, hostname: str,
        responses: list[str],
    ) -> list[str]:  # fmt: skip
        session.host_name = hostname
        if self.pipelining:
            responses.insert(-1, "250-PIPELINING")
        return responses

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address in self.reject:
            return self.reject[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        rcpt = envelope.rcpt_tos[0] if envelope.rcpt_tos else ""
        if rcpt in self.drop:
            assert server.transport is not None
            server.transport.close()
            return "421 closing"
        if rcpt in self.slow:
            await asyncio.sleep(self.slow[rcpt])
        raw = envelope.original_content or b""
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self.messages.append(
                Received(
                    str(envelope.mail_from), list(envelope.rcpt_tos), message, raw, session.peer
                )
            )
        return "250 Message accepted for delivery"

    def count(self) -> int:
        with self._lock:
            return len(self.messages)

    def received(self) -> list[Received]:
        with self._lock:
            return list(self.messages)


def smtp_sink(handler: SmtpHandler, port: int | None = None, **options: Any) -> Controller:
    """A started aiosmtpd server on 127.0.0.1 (stop it with ``.stop()``)."""
    controller = Controller(
        handler, hostname="127.0.0.1", port=port or free_port(), ready_timeout=10, **options
    )
    controller.start()
    return controller


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class HttpSink:
    """Records every POST; ``respond`` picks the status for each (200 unless told)."""

    respond: Callable[[Request], int] = lambda _request: 200
    requests: list[Request] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def received(self) -> list[Request]:
        with self._lock:
            return list(self.requests)

    def start(self) -> HttpSink:
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                request = Request(self.path, dict(self.headers.items()), self.rfile.read(length))
                with sink._lock:
                    sink.requests.append(request)
                status = sink.respond(request)
                body = b'{"ok": true}' if status < 400 else b'{"error": "no"}'
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "/elsewhere")
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
