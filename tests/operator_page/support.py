"""Shared by the board and metrics tests: a store seeded row by row, dead letters
put on a real broker, and a real gateway (uvicorn in a thread) to ask."""

from __future__ import annotations

import json
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

import pika
from sqlalchemy.orm import Session

from services.gateway.server import run_gateway
from services.ingest.delivery import (
    DEAD_LETTER_ID,
    DEAD_LETTERED_AT,
    ERROR,
    ERROR_CODE,
    ORIGINAL_EXCHANGE,
    ORIGINAL_ROUTING_KEY,
)
from services.runtime.routing import SUBSCRIPTIONS, worker_queue_names
from services.runtime.settings import Settings
from services.runtime.store.models import (
    Customer,
    EventRecord,
    Notification,
    Ticket,
    Timer,
)
from services.runtime.topology import DEAD_LETTER_QUEUE, EVENTS_EXCHANGE, declare
from tests.support.polling import wait_until

SHOP = "shop-board"
OPERATOR_TOKEN = "operator-test-token-123"
_ids = count(1)


def now() -> datetime:
    return datetime.now(UTC)


def customer(session: Session, customer_id: str = "c-1") -> Customer:
    row = Customer(shop_id=SHOP, customer_id=customer_id, email="jan.kowalski@example.com",
                   phone="+48600100200", name="Jan Kowalski", updated_at=now())  # fmt: skip
    session.add(row)
    session.flush()
    return row


def ticket(session: Session, owner: Customer, ticket_id: str, *, due_in: timedelta,
           level: int = 0, hard_in: timedelta | None = None, status: str = "open",
           subject: str = "Where is my parcel?") -> Ticket:  # fmt: skip
    """A ticket waiting for a reply whose target is `due_in` from now (negative: overdue)."""
    at = now()
    row = Ticket(shop_id=SHOP, ticket_id=ticket_id, customer_pk=owner.id, channel="email",
                 priority="normal", subject=subject, status=status,
                 opened_at=at - timedelta(hours=3), reply_due_at=at + due_in,
                 hard_due_at=at + (hard_in if hard_in is not None else due_in + timedelta(hours=4)),
                 escalation_level=level)  # fmt: skip
    session.add(row)
    return row


def timer(session: Session, kind: str, subject_id: str, *, due_at: datetime, state: str = "pending",
          fired_at: datetime | None = None) -> Timer:  # fmt: skip
    row = Timer(shop_id=SHOP, kind=kind, subject_id=subject_id, due_at=due_at, state=state,
                created_at=due_at - timedelta(hours=1), fired_at=fired_at)  # fmt: skip
    session.add(row)
    return row


def event(session: Session, event_type: str) -> EventRecord:
    at = now()
    row = EventRecord(shop_id=SHOP, event_id=f"e-{next(_ids)}", type=event_type, occurred_at=at,
                      received_at=at, body=b"{}")  # fmt: skip
    session.add(row)
    return row


def notification(session: Session, kind: str, channel: str, recipient: str, *, status: str,
                 created_at: datetime | None = None, sent_after: timedelta | None = None,
                 failure: str | None = None) -> Notification:  # fmt: skip
    created = created_at or now()
    row = Notification(idempotency_key=f"{kind}:{next(_ids)}", shop_id=SHOP, kind=kind,
                       channel=channel, recipient=recipient, status=status, content={},
                       created_at=created, attempts=1,
                       sent_at=None if sent_after is None else created + sent_after,
                       failure_reason=failure)  # fmt: skip
    session.add(row)
    return row


def declare_topology(amqp_url: str) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        declare(connection.channel(), worker_queue_names(SUBSCRIPTIONS))
    finally:
        connection.close()


def put_dead_letter(amqp_url: str, dead_letter_id: str, reason: str) -> None:
    """A bad event on `aftersale.dead-letter`, as the ingest leaves it."""
    body = json.dumps({"event_id": f"ev-{dead_letter_id}", "type": "order.placed",
                       "shop_id": SHOP, "data": {"quantity": "two"}}).encode()  # fmt: skip
    headers = {DEAD_LETTER_ID: dead_letter_id, ERROR: reason, ERROR_CODE: "invalid",
               ORIGINAL_ROUTING_KEY: "order.placed", ORIGINAL_EXCHANGE: EVENTS_EXCHANGE,
               DEAD_LETTERED_AT: now().isoformat()}  # fmt: skip
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        properties = pika.BasicProperties(content_type="application/json", delivery_mode=2,
                                          headers=headers)  # fmt: skip
        channel.basic_publish("", DEAD_LETTER_QUEUE, body, properties=properties, mandatory=True)
    finally:
        connection.close()


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()

    def json(self) -> Any:
        return json.loads(self.body)


def http(url: str, *, method: str = "GET", headers: dict[str, str] | None = None,
         data: bytes | None = None) -> Reply:  # fmt: skip
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return Reply(response.status, {k.lower(): v for k, v in response.headers.items()},
                         response.read())  # fmt: skip
    except urllib.error.HTTPError as error:
        return Reply(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read())


def settings_for(amqp_url: str, database_url: str, token: str | None = OPERATOR_TOKEN) -> Settings:
    return Settings(amqp_url=amqp_url, database_url=database_url, http_addr="127.0.0.1:0",
                    public_url="http://gateway.test", secret_key="board-test-key",
                    operator_token=token)  # fmt: skip


@contextmanager
def running_gateway(settings: Settings) -> Iterator[str]:
    """`run_gateway` on a free loopback port; yields its base URL, stops and joins it."""
    sock = socket.create_server(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    stop = threading.Event()
    errors: list[BaseException] = []

    def _run() -> None:
        try:
            run_gateway(settings, stop, sock=sock)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    thread = threading.Thread(target=_run, name="gateway", daemon=True)
    thread.start()

    def _answers() -> bool:
        try:
            return http(f"{url}/healthz").status == 200
        except OSError:
            return False

    try:
        wait_until(lambda: errors or _answers(), what="the gateway to answer")
        assert not errors, errors
        yield url
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive(), "the gateway did not stop"
    assert not errors, errors
