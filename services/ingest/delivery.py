"""A message as the ingest received it, and the headers it carries between tries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pika

#: When the ingest first saw a message that waits for its parent (ISO 8601).
FIRST_SEEN = "x-aftersale-first-seen"
#: How many times it has been parked on a retry queue.
ATTEMPT = "x-aftersale-attempt"
#: The routing key and exchange it was first published with.
ORIGINAL_ROUTING_KEY = "x-aftersale-routing-key"
ORIGINAL_EXCHANGE = "x-aftersale-exchange"
#: Why it was dead-lettered, in words (SPEC section 3), and a short code.
ERROR = "x-aftersale-error"
ERROR_CODE = "x-aftersale-error-code"
DEAD_LETTERED_AT = "x-aftersale-dead-lettered-at"
#: A short id per dead letter, for `aftersale dlq show|replay ID`.
DEAD_LETTER_ID = "x-aftersale-dead-letter-id"

#: Headers RabbitMQ adds on dead-lettering; not ours to copy onward.
BROKER_HEADERS = (
    "x-death",
    "x-first-death-exchange",
    "x-first-death-queue",
    "x-first-death-reason",
    # A quorum queue's count of earlier deliveries of this message.
    "x-delivery-count",
)


@dataclass
class Delivery:
    tag: int
    exchange: str
    routing_key: str
    properties: pika.BasicProperties
    body: bytes
    headers: dict[str, Any] = field(init=False)

    def __post_init__(self) -> None:
        self.headers = dict(self.properties.headers or {})

    @property
    def original_routing_key(self) -> str:
        return str(self.headers.get(ORIGINAL_ROUTING_KEY, self.routing_key))

    @property
    def original_exchange(self) -> str:
        return str(self.headers.get(ORIGINAL_EXCHANGE, self.exchange))

    def first_seen(self, default: datetime) -> datetime:
        raw = self.headers.get(FIRST_SEEN)
        if isinstance(raw, bytes):
            raw = raw.decode()
        if isinstance(raw, str):
            try:
                return datetime.fromisoformat(raw)
            except ValueError:
                return default
        return default

    @property
    def attempt(self) -> int:
        raw = self.headers.get(ATTEMPT, 0)
        return raw if isinstance(raw, int) else 0

    def onward_headers(self, **extra: Any) -> dict[str, Any]:
        """Our headers for the next hop: the original route kept, broker bookkeeping dropped."""
        headers = {k: v for k, v in self.headers.items() if k not in BROKER_HEADERS}
        headers.setdefault(ORIGINAL_ROUTING_KEY, self.routing_key)
        headers.setdefault(ORIGINAL_EXCHANGE, self.exchange)
        headers.update(extra)
        return headers

    def onward_properties(self, **extra_headers: Any) -> pika.BasicProperties:
        """The original properties (content type, message_id, …), persistent, new headers."""
        props = self.properties
        return pika.BasicProperties(
            content_type=props.content_type,
            content_encoding=props.content_encoding,
            headers=self.onward_headers(**extra_headers),
            delivery_mode=2,
            priority=props.priority,
            correlation_id=props.correlation_id,
            message_id=props.message_id,
            timestamp=props.timestamp,
            type=props.type,
            app_id=props.app_id,
        )
