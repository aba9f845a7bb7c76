"""Email through a real SMTP server (aiosmtpd on loopback) and into .eml files."""

from __future__ import annotations

import email
import email.policy
import hashlib
import random
import socket
from datetime import timedelta
from pathlib import Path

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy.orm import Session, sessionmaker

from services.deliverer.channels import EmailChannel, PermanentFailure, TemporaryFailure
from services.deliverer.channels.email import message_id_for
from services.deliverer.deliverer import Deliverer
from services.runtime.policies import PolicyBook
from tests.deliverer.conftest import (
    ManualClock,
    Tls,
    add_notification,
    email_content,
    load,
    transient,
)
from tests.deliverer.sinks import SmtpHandler, free_port, smtp_sink


def test_message_id_is_derived_from_the_key() -> None:
    key = "evt-1:order_confirmation:jan@example.com"
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    assert message_id_for(key) == f"<{digest}@aftersale>"
    assert message_id_for(key) == message_id_for(key)
    assert message_id_for(key + "x") != message_id_for(key)


def test_email_arrives_with_its_headers_and_both_parts(
    smtp_handler: SmtpHandler, tmp_path: Path
) -> None:
    server = smtp_sink(smtp_handler)
    try:
        channel = EmailChannel(
            f"smtp://127.0.0.1:{server.port}", tmp_path, mail_from="Sklep <sklep@shop.example>"
        )
        plain = transient(content=email_content())
        marketing = transient(
            kind="checkin",
            content=email_content(unsubscribe_url="https://shop.example/u?t=" + "x" * 120),
        )
        channel.send(plain)
        channel.send(marketing)
    finally:
        server.stop()

    first, second = smtp_handler.messages
    assert first.mail_from == "sklep@shop.example"
    assert first.rcpt_tos == ["jan.kowalski@example.com"]
    message = first.message
    assert message["From"] == "Sklep <sklep@shop.example>"
    assert message["To"] == "jan.kowalski@example.com"
    assert message["Subject"] == "Potwierdzenie zamówienia ORD-1"
    assert message["Date"] is not None
    assert message["Message-ID"] == message_id_for(plain.idempotency_key)
    assert message["X-Aftersale-Kind"] == "order_confirmation"
    assert message["X-Aftersale-Key"] == plain.idempotency_key
    assert message["List-Unsubscribe"] is None
    assert message["List-Unsubscribe-Post"] is None
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and "do 25 listopada 2026" in text.get_content()
    assert html is not None and "<b>25 listopada 2026</b>" in html.get_content()

    unsubscribe = second.message
    assert unsubscribe["X-Aftersale-Kind"] == "checkin"
    assert unsubscribe["List-Unsubscribe"] == f"<https://shop.example/u?t={'x' * 120}>"
    assert unsubscribe["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # Never folded into encoded words: filters and one-click unsubscribe read the raw header.
    assert f"X-Aftersale-Key: {marketing.idempotency_key}\r\n".encode() in second.raw
    assert b"List-Unsubscribe: <https://shop.example/u?t=" in second.raw


def test_without_smtp_a_file_is_written_and_rewritten_in_place(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    channel = EmailChannel(None, outbox)
    notification = transient(content=email_content(unsubscribe_url="https://shop.example/u"))
    channel.send(notification)
    channel.send(notification)

    files = list(outbox.iterdir())
    assert [f.name for f in files] == [channel.path_for(notification).name]
    message = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert message["Message-ID"] == message_id_for(notification.idempotency_key)
    assert message["X-Aftersale-Key"] == notification.idempotency_key
    assert message["List-Unsubscribe"] == "<https://shop.example/u>"
    created, kind, digest = files[0].stem.split("-")
    assert created == notification.created_at.strftime("%Y%m%dT%H%M%SZ")
    assert kind == notification.kind and digest in message["Message-ID"]


def test_an_unwritable_outbox_is_a_temporary_failure(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(TemporaryFailure, match="cannot write"):
        EmailChannel(None, blocker / "outbox").send(transient())


@pytest.mark.parametrize(
    "address",
    ["not-an-address", "jan@", "@example.com", "jan kowalski@example.com", "a@b\r\nBcc: x@y.z"],
)
def test_an_invalid_address_is_a_permanent_failure(address: str, tmp_path: Path) -> None:
    with pytest.raises(PermanentFailure, match="invalid email address"):
        EmailChannel(None, tmp_path).send(transient(recipient=address))
    assert list(tmp_path.iterdir()) == []


def test_mailto_targets_of_staff_alerts_are_accepted(tmp_path: Path) -> None:
    channel = EmailChannel(None, tmp_path)
    alert = transient(kind="sla_breach", recipient="mailto:support-lead@shop.example")
    channel.send(alert)
    message = email.message_from_bytes(
        channel.path_for(alert).read_bytes(), policy=email.policy.default
    )
    assert message["To"] == "support-lead@shop.example"


def test_a_server_that_never_answers_times_out_as_temporary(tmp_path: Path) -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        channel = EmailChannel(f"smtp://127.0.0.1:{port}", tmp_path, timeout=0.3)
        with pytest.raises(TemporaryFailure, match="SMTP server"):
            channel.send(transient())


def _accept(
    server: object, session: object, envelope: object, mechanism: str, data: object
) -> AuthResult:
    assert isinstance(data, LoginPassword)
    ok = (data.login, data.password) == (b"mailer", b"p@ss word")
    return AuthResult(success=ok)


def test_starttls_and_login_with_credentials(
    smtp_handler: SmtpHandler, tls: Tls, tmp_path: Path
) -> None:
    server = smtp_sink(
        smtp_handler,
        tls_context=tls.server_context(),
        require_starttls=True,
        authenticator=_accept,
        auth_require_tls=True,
        auth_required=True,
    )
    try:
        url = f"smtp://mailer:p%40ss%20word@127.0.0.1:{server.port}"
        EmailChannel(url, tmp_path, ssl_context=tls.client_context()).send(transient())
    finally:
        server.stop()
    assert smtp_handler.count() == 1


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_implicit_tls(smtp_handler: SmtpHandler, tls: Tls, tmp_path: Path) -> None:
    server = smtp_sink(
        smtp_handler,
        ssl_context=tls.server_context(),
        authenticator=_accept,
        auth_require_tls=False,
        auth_required=True,
    )
    try:
        url = f"smtps://mailer:p%40ss%20word@127.0.0.1:{server.port}"
        EmailChannel(url, tmp_path, ssl_context=tls.client_context()).send(transient())
        with pytest.raises(TemporaryFailure):
            # The default context does not trust the self-signed certificate.
            EmailChannel(url, tmp_path, timeout=5).send(transient())
    finally:
        server.stop()
    assert smtp_handler.count() == 1


def test_rejected_recipient_fails_at_once_with_the_reason(
    sessions: sessionmaker[Session], smtp_handler: SmtpHandler, clock: ManualClock, tmp_path: Path
) -> None:
    server = smtp_sink(smtp_handler)
    try:
        channel = EmailChannel(f"smtp://127.0.0.1:{server.port}", tmp_path)
        deliverer = Deliverer(sessions, {"email": channel}, PolicyBook(), clock)
        rejected = add_notification(sessions, clock(), recipient="nobody@example.com")
        taken = add_notification(sessions, clock())
        assert deliverer.deliver_due() == 2
        clock.advance(hours=1)
        assert deliverer.deliver_due() == 0
    finally:
        server.stop()

    row = load(sessions, rejected)
    assert row.status == "failed"
    assert row.failure_reason is not None and "550 5.1.1 no such user" in row.failure_reason
    assert row.attempts == 1
    assert row.outcomes == ["failed"]
    assert load(sessions, taken).status == "sent"
    assert [m.rcpt_tos for m in smtp_handler.messages] == [["jan.kowalski@example.com"]]


def test_smtp_down_delays_delivery_and_then_sends_once(
    sessions: sessionmaker[Session], smtp_handler: SmtpHandler, clock: ManualClock, tmp_path: Path
) -> None:
    port = free_port()
    channel = EmailChannel(f"smtp://127.0.0.1:{port}", tmp_path, timeout=5)
    deliverer = Deliverer(sessions, {"email": channel}, PolicyBook(), clock, rng=random.Random(3))
    ids = [add_notification(sessions, clock()) for _ in range(3)]

    for _ in range(3):
        assert deliverer.deliver_due() == 3
        assert deliverer.deliver_due() == 0  # not due again before its back-off
        clock.advance(minutes=1)
    for notification_id in ids:
        row = load(sessions, notification_id)
        assert (row.status, row.attempts, row.outcomes) == ("pending", 3, ["retry"] * 3)
        assert (
            row.failure_reason is not None and "cannot reach the SMTP server" in row.failure_reason
        )

    server = smtp_sink(smtp_handler, port=port)
    try:
        clock.advance(minutes=10)
        assert deliverer.deliver_due() == 3
        clock.advance(hours=1)
        assert deliverer.deliver_due() == 0
    finally:
        server.stop()

    assert smtp_handler.count() == 3
    keys = sorted(m.message["X-Aftersale-Key"] for m in smtp_handler.messages)
    assert len(set(keys)) == 3
    for notification_id in ids:
        row = load(sessions, notification_id)
        assert (row.status, row.attempts, row.outcomes) == ("sent", 4, ["retry"] * 3 + ["sent"])
        assert row.sent_at == clock.now - timedelta(hours=1)
        assert row.failure_reason is None


def test_files_written_through_the_deliverer(
    sessions: sessionmaker[Session], clock: ManualClock, tmp_path: Path
) -> None:
    channel = EmailChannel(None, tmp_path / "outbox")
    deliverer = Deliverer(sessions, {"email": channel}, PolicyBook(), clock)
    notification_id = add_notification(sessions, clock())
    assert deliverer.deliver_due() == 1
    assert deliverer.deliver_due() == 0
    assert load(sessions, notification_id).status == "sent"
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1
