"""One SMTP connection kept for many messages: refusals, a server that goes away, TLS contexts."""

from __future__ import annotations

import re
import smtplib
import ssl
from pathlib import Path
from typing import Any

import pytest

from services.deliverer.channels import EmailChannel, PermanentFailure, TemporaryFailure
from services.deliverer.channels import smtp as smtp_module
from services.deliverer.channels.email import message_bytes
from tests.deliverer.conftest import Tls, transient
from tests.deliverer.sinks import SmtpHandler, free_port, smtp_sink


@pytest.mark.parametrize("pipelining", [False, True], ids=["one-by-one", "pipelining"])
@pytest.mark.parametrize(
    ("reply", "failure"),
    [("550 5.1.1 no such user", PermanentFailure), ("451 4.3.0 try later", TemporaryFailure)],
)
def test_a_refused_recipient_leaves_the_connection_usable(
    pipelining: bool, reply: str, failure: type[Exception], tmp_path: Path
) -> None:
    handler = SmtpHandler(reject={"nobody@example.com": reply}, pipelining=pipelining)
    server = smtp_sink(handler)
    session = EmailChannel(f"smtp://127.0.0.1:{server.port}", tmp_path).open_session()
    try:
        session.send(transient())
        with pytest.raises(failure, match=f"recipient refused: {re.escape(reply)}"):
            session.send(transient(recipient="nobody@example.com"))
        session.send(transient())
    finally:
        session.close()
        server.stop()
    received = handler.received()
    assert [m.rcpt_tos for m in received] == [["jan.kowalski@example.com"]] * 2
    assert len({message.peer for message in received}) == 1


@pytest.mark.parametrize("pipelining", [False, True], ids=["one-by-one", "pipelining"])
def test_a_connection_the_server_dropped_is_replaced_and_the_message_sent(
    pipelining: bool, tmp_path: Path
) -> None:
    handler = SmtpHandler(pipelining=pipelining)
    port = free_port()
    server = smtp_sink(handler, port=port)
    session = EmailChannel(f"smtp://127.0.0.1:{port}", tmp_path).open_session()
    try:
        session.send(transient())
        server.stop()  # closes the kept connection
        server = smtp_sink(handler, port=port)
        session.send(transient())  # noticed at MAIL, before any of it was sent
    finally:
        session.close()
        server.stop()
    received = handler.received()
    assert len(received) == 2
    assert len({message.peer for message in received}) == 2


def test_a_connection_lost_mid_message_fails_that_message_only(tmp_path: Path) -> None:
    handler = SmtpHandler(drop={"drop@example.com"})
    server = smtp_sink(handler)
    session = EmailChannel(f"smtp://127.0.0.1:{server.port}", tmp_path).open_session()
    try:
        session.send(transient())
        with pytest.raises(TemporaryFailure, match="SMTP server"):
            session.send(transient(recipient="drop@example.com"))
        session.send(transient())
    finally:
        session.close()
        server.stop()
    assert [m.rcpt_tos for m in handler.received()] == [["jan.kowalski@example.com"]] * 2


def test_a_message_is_built_once_for_its_retries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[str] = []

    def counting(notification: Any, mail_from: str) -> bytes:
        built.append(notification.idempotency_key)
        return message_bytes(notification, mail_from)

    monkeypatch.setattr("services.deliverer.channels.email.message_bytes", counting)
    channel = EmailChannel(f"smtp://127.0.0.1:{free_port()}", tmp_path, timeout=2)
    notification = transient()
    for _ in range(3):
        with pytest.raises(TemporaryFailure, match="cannot reach"):
            channel.send(notification)
    assert built == [notification.idempotency_key]


def test_plain_smtp_builds_no_tls_context_and_tls_builds_one_per_process(
    smtp_handler: SmtpHandler, tls: Tls, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[ssl.SSLContext] = []
    real = ssl.create_default_context

    def counting(*args: Any, **kwargs: Any) -> ssl.SSLContext:
        made.append(real(*args, **kwargs))
        return made[-1]

    plain = smtp_sink(smtp_handler)
    secure = smtp_sink(smtp_handler, ssl_context=tls.server_context())  # makes contexts itself
    smtp_module.default_tls_context.cache_clear()
    monkeypatch.setattr(ssl, "create_default_context", counting)
    try:
        EmailChannel(f"smtp://127.0.0.1:{plain.port}", tmp_path).send(transient())
        assert made == []
        channel = EmailChannel(f"smtps://127.0.0.1:{secure.port}", tmp_path, timeout=5)
        for _ in range(2):  # the system's trust store does not know the test certificate
            with pytest.raises(TemporaryFailure):
                channel.send(transient())
        assert len(made) == 1
    finally:
        plain.stop()
        secure.stop()
        smtp_module.default_tls_context.cache_clear()


def _writes(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """What the client writes to its SMTP connections, one entry per write."""
    written: list[bytes] = []
    real = smtplib.SMTP.send

    def recording(self: smtplib.SMTP, data: bytes | str) -> None:
        written.append(data.encode("ascii") if isinstance(data, str) else data)
        real(self, data)

    monkeypatch.setattr(smtplib.SMTP, "send", recording)
    return written


@pytest.mark.parametrize("pipelining", [True, False], ids=["pipelining", "one-by-one"])
def test_mail_rcpt_and_data_go_in_one_write_where_the_server_offers_pipelining(
    pipelining: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    handler = SmtpHandler(pipelining=pipelining)
    server = smtp_sink(handler)
    written = _writes(monkeypatch)
    session = EmailChannel(f"smtp://127.0.0.1:{server.port}", tmp_path).open_session()
    try:
        for _ in range(2):
            session.send(transient())
    finally:
        session.close()
        server.stop()
    together = [w for w in written if b"MAIL FROM:" in w and b"RCPT TO:" in w and b"DATA\r\n" in w]
    assert len(together) == (2 if pipelining else 0)
    received = handler.received()
    assert [m.rcpt_tos for m in received] == [["jan.kowalski@example.com"]] * 2
    assert len({m.peer for m in received}) == 1  # one connection for both
    assert all(m.message["X-Aftersale-Key"] for m in received)
