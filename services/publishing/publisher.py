"""A small, dependable publisher: confirms, persistent, mandatory, message_id = event_id.

Shops in Python can use it as it is; `aftersale publish` is built on it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

import pika
import pika.exceptions

from services.runtime.amqp import connect
from services.runtime.topology import EVENTS_EXCHANGE

Outcome = Literal["confirmed", "unroutable", "nacked"]


class NotAnEnvelope(ValueError):
    """The line cannot even be routed: not a JSON object with `type` and `event_id`."""


@dataclass(frozen=True)
class Envelope:
    """The raw body plus what routing needs; the body goes out byte for byte."""

    body: bytes
    event_id: str
    type: str


def read_envelope(body: bytes) -> Envelope:
    """Check just enough to route the body; full validation is the ingest's job."""
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise NotAnEnvelope(f"not JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise NotAnEnvelope(f"not an envelope: a JSON {type(document).__name__}, not an object")
    event_type, event_id = document.get("type"), document.get("event_id")
    if not isinstance(event_type, str) or not event_type:
        raise NotAnEnvelope("not an envelope: `type` is missing or not a string")
    if not isinstance(event_id, str) or not event_id:
        raise NotAnEnvelope("not an envelope: `event_id` is missing or not a string")
    return Envelope(body=body, event_id=event_id, type=event_type)


class EventPublisher:
    """Publishes envelopes to the events exchange and waits for each confirm.

    Use as a context manager. `publish` returns "confirmed", "unroutable"
    (no queue is bound: the broker returned it) or "nacked".
    """

    def __init__(self, amqp_url: str, *, exchange: str = EVENTS_EXCHANGE) -> None:
        self.amqp_url = amqp_url
        self.exchange = exchange
        self._connection: pika.BlockingConnection | None = None
        self._channel: Any = None

    def __enter__(self) -> EventPublisher:
        self._connection = connect(self.amqp_url)
        self._channel = self._connection.channel()
        self._channel.exchange_declare(self.exchange, exchange_type="topic", durable=True)
        self._channel.confirm_delivery()
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._connection is not None and self._connection.is_open:
            self._connection.close()

    def publish(self, envelope: Envelope) -> Outcome:
        try:
            self._channel.basic_publish(
                exchange=self.exchange,
                routing_key=envelope.type,
                body=envelope.body,
                properties=pika.BasicProperties(
                    content_type="application/json",
                    delivery_mode=2,
                    message_id=envelope.event_id,
                ),
                mandatory=True,
            )
        except pika.exceptions.UnroutableError:
            return "unroutable"
        except pika.exceptions.NackError:
            return "nacked"
        return "confirmed"

    def publish_event(self, event: dict[str, Any]) -> Outcome:
        body = json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()
        return self.publish(read_envelope(body))
