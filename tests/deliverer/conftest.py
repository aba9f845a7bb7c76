"""Fixtures of the deliverer tests: a clock to move by hand, sinks, outbox rows."""

from __future__ import annotations

import itertools
import random
import shutil
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from services.runtime.store.models import DeliveryAttempt, Notification
from services.runtime.store.notifications import add_once
from tests.deliverer.sinks import HttpSink, SmtpHandler

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
_keys = itertools.count(1)


class ManualClock:
    """Time stands still until a test moves it."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def rng() -> random.Random:
    return random.Random(7)


@pytest.fixture
def http_sink() -> Iterator[HttpSink]:
    sink = HttpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def smtp_handler() -> SmtpHandler:
    return SmtpHandler(reject={"nobody@example.com": "550 5.1.1 no such user"})


def new_key(prefix: str = "evt") -> str:
    return f"{prefix}-{next(_keys):06d}:order_confirmation:jan.kowalski@example.com"


def email_content(**overrides: Any) -> dict[str, Any]:
    return {
        "subject": "Potwierdzenie zamówienia ORD-1",
        "text": "Dziękujemy za zamówienie. Wyślemy je do 25 listopada 2026.",
        "html": "<p>Dziękujemy za zamówienie. Wyślemy je do <b>25 listopada 2026</b>.</p>",
        "unsubscribe_url": None,
        **overrides,
    }


def add_notification(
    sessions: sessionmaker[Session],
    now: datetime,
    *,
    channel: str = "email",
    recipient: str = "jan.kowalski@example.com",
    content: dict[str, Any] | None = None,
    key: str | None = None,
    kind: str = "order_confirmation",
    shop_id: str = "shop-42",
) -> int:
    """A pending outbox row, as the notifier writes it; its id."""
    with sessions.begin() as session:
        row = add_once(
            session,
            idempotency_key=key or new_key(),
            shop_id=shop_id,
            kind=kind,
            channel=channel,
            recipient=recipient,
            content=content if content is not None else email_content(),
            now=now,
            locale="pl",
            order_id="ORD-1",
        )
        assert row is not None
        session.flush()
        return row.id


def transient(**fields: Any) -> Notification:
    """A notification object for channel tests that need no store."""
    values: dict[str, Any] = {
        "id": 1,
        "idempotency_key": new_key(),
        "shop_id": "shop-42",
        "kind": "order_confirmation",
        "channel": "email",
        "recipient": "jan.kowalski@example.com",
        "status": "pending",
        "order_id": "ORD-1",
        "ticket_id": None,
        "locale": "pl",
        "content": email_content(),
        "created_at": START,
        "attempts": 0,
    }
    values.update(fields)
    return Notification(**values)


@dataclass
class Row:
    status: str
    attempts: int
    failure_reason: str | None
    next_attempt_at: datetime | None
    sent_at: datetime | None
    outcomes: list[str]
    details: list[str | None]


def load(sessions: sessionmaker[Session], notification_id: int) -> Row:
    with sessions() as session:
        row = session.get(Notification, notification_id)
        assert row is not None
        tries = session.scalars(
            select(DeliveryAttempt)
            .where(DeliveryAttempt.notification_pk == notification_id)
            .order_by(DeliveryAttempt.id)
        ).all()
        return Row(
            row.status,
            row.attempts,
            row.failure_reason,
            row.next_attempt_at,
            row.sent_at,
            [attempt.outcome for attempt in tries],
            [attempt.detail for attempt in tries],
        )


@dataclass
class Tls:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert))


@pytest.fixture(scope="session")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    """A self-signed certificate for 127.0.0.1, made with the openssl command."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return Tls(cert, key)
