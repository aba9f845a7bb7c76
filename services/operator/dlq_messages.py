"""One dead letter as an operator sees it, and the message that replays it. Pure.

Two kinds of dead letter exist: bad input the ingest put on
`aftersale.dead-letter` (original body, our `x-aftersale-*` headers), and
dramatiq messages whose retries ran out, on a worker queue's `.XQ`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pika

from services.ingest.delivery import (
    ATTEMPT,
    BROKER_HEADERS,
    DEAD_LETTER_ID,
    DEAD_LETTERED_AT,
    ERROR,
    ERROR_CODE,
    FIRST_SEEN,
    ORIGINAL_EXCHANGE,
    ORIGINAL_ROUTING_KEY,
)
from services.operator.broker_deaths import first_death
from services.runtime.logging import mask_personal_data
from services.runtime.topology import DEAD_LETTER_QUEUE, EVENTS_EXCHANGE
from services.runtime.worker_failures import DEAD_LETTERED_AT as WORKER_DEAD_LETTERED_AT
from services.runtime.worker_failures import ERROR as WORKER_ERROR
from services.runtime.worker_failures import ERROR_CODE as WORKER_ERROR_CODE
from services.runtime.worker_failures import FAILURE_OPTIONS

#: Set on a replayed event: the id of the dead letter it came from, and how
#: many times it has been replayed (kept if it comes back dead-lettered).
REPLAYED_FROM = "x-aftersale-replayed-from"
REPLAYS = "x-aftersale-replays"

#: Headers a replay leaves behind: why it failed, and the parked-retry
#: bookkeeping (a replay gets the full `wait_for_parent` window again).
DROPPED_ON_REPLAY = frozenset(
    {ERROR, ERROR_CODE, DEAD_LETTERED_AT, DEAD_LETTER_ID, FIRST_SEEN, ATTEMPT,
     ORIGINAL_ROUTING_KEY, ORIGINAL_EXCHANGE, *BROKER_HEADERS}
)  # fmt: skip

PROPERTY_NAMES = (
    "content_type", "content_encoding", "delivery_mode", "priority", "correlation_id",
    "reply_to", "expiration", "message_id", "timestamp", "type", "user_id", "app_id",
    "cluster_id",
)  # fmt: skip


def text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def plain(value: Any) -> Any:
    """Header and property values made JSON-friendly (x-death holds tables and times)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return "hex:" + value.hex()
    if isinstance(value, Decimal):
        return str(value)
    return value


def is_worker_queue(queue: str) -> bool:
    return queue.endswith(".XQ")


@dataclass
class DeadLetter:
    """A message held (unacked) from a dead-letter queue."""

    queue: str
    tag: int
    routing_key: str
    properties: pika.BasicProperties
    body: bytes

    @property
    def headers(self) -> dict[str, Any]:
        return dict(self.properties.headers or {})

    def parsed(self) -> dict[str, Any] | None:
        try:
            value = json.loads(self.body)
        except ValueError:  # not JSON, not UTF-8
            return None
        return value if isinstance(value, dict) else None

    @property
    def id(self) -> str:
        if is_worker_queue(self.queue):
            found = (self.parsed() or {}).get("message_id") or self.properties.message_id
        else:
            found = self.headers.get(DEAD_LETTER_ID)
        if found:
            return str(text(found))
        # Older dead letters without an id: a stable one from what they carry.
        stamp = str(self.headers.get(DEAD_LETTERED_AT, self.properties.timestamp))
        return hashlib.sha256(self.body + stamp.encode()).hexdigest()[:12]

    def summary(self) -> dict[str, Any]:
        """What `dlq list` shows for this dead letter."""
        if is_worker_queue(self.queue):
            return self._worker_summary()
        headers, body = self.headers, self.parsed() or {}
        # Without our headers, the broker dead-lettered it (x-delivery-limit).
        death = first_death(headers) if ERROR not in headers else None
        return {
            "id": self.id,
            "queue": self.queue,
            "routing_key": text(headers.get(ORIGINAL_ROUTING_KEY))
            or (death.routing_key if death else None)
            or self.routing_key,
            "event_id": _str_or_none(body.get("event_id")),
            "type": _str_or_none(body.get("type")),
            "shop_id": _str_or_none(body.get("shop_id")),
            # Masked: a validation error may quote the customer's address.
            "reason": _masked(text(headers.get(ERROR)) or (death.explained() if death else None)),
            "error_code": text(headers.get(ERROR_CODE)) or (death.error_code if death else None),
            "when": text(headers.get(DEAD_LETTERED_AT)) or self._death_time() or self._timestamp(),
            "size": len(self.body),
            "replays": headers.get(REPLAYS, 0),
        }

    def _worker_summary(self) -> dict[str, Any]:
        message = self.parsed() or {}
        args = message.get("args") or []
        event: list[Any] = [None] * 3
        if len(args) == 3 and all(isinstance(a, str) for a in args):
            event = list(args)
        elif len(args) == 1 and isinstance(args[0], list) and args[0]:  # a batch of events
            first = args[0][0]
            if isinstance(first, list) and len(first) == 3:
                more = len(args[0]) - 1
                event = [first[0], first[1], first[2] + (f" (+{more} more)" if more else "")]
        options = message.get("options") or {}
        actor = message.get("actor_name") or "?"
        last = _last_line(options.get("traceback"))
        retries = options.get("retries")
        reason = text(options.get(WORKER_ERROR)) or (
            f"{actor}: {last}" if last else f"{actor}: retries ran out ({retries} retries)"
        )
        return {
            "id": self.id,
            "queue": self.queue,
            "routing_key": message.get("queue_name") or self.routing_key,
            "event_id": event[1],
            "type": event[2],
            "shop_id": event[0],
            "reason": _masked(reason),
            "error_code": text(options.get(WORKER_ERROR_CODE)) or "retries_exhausted",
            "when": text(options.get(WORKER_DEAD_LETTERED_AT))
            or self._death_time()
            or self._timestamp(message.get("message_timestamp")),
            "size": len(self.body),
            "replays": options.get(REPLAYS, 0),
        }

    def _death_time(self) -> str | None:
        deaths = self.headers.get("x-death")
        if isinstance(deaths, list) and deaths and isinstance(deaths[0], dict):
            moment = deaths[0].get("time")
            if isinstance(moment, datetime):
                return moment.isoformat()
        return None

    def _timestamp(self, millis: Any = None) -> str | None:
        if isinstance(self.properties.timestamp, int):
            return datetime.fromtimestamp(self.properties.timestamp, UTC).isoformat()
        if isinstance(millis, int):
            return datetime.fromtimestamp(millis / 1000, UTC).isoformat()
        return None

    def details(self) -> dict[str, Any]:
        """What `dlq show` prints: the summary, every header and property, the body."""
        properties = {
            name: plain(getattr(self.properties, name))
            for name in PROPERTY_NAMES
            if getattr(self.properties, name) is not None
        }
        try:
            body, encoding = self.body.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            body, encoding = self.body.hex(), "hex"
        return {
            **self.summary(),
            "headers": plain(self.headers),
            "properties": properties,
            "body_encoding": encoding,
            "body": body,
        }


def _masked(reason: str | None) -> str | None:
    return mask_personal_data(reason) if reason is not None else None


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _last_line(traceback: Any) -> str | None:
    if not isinstance(traceback, str):
        return None
    lines = [line.strip() for line in traceback.strip().splitlines() if line.strip()]
    return lines[-1] if lines else None


@dataclass(frozen=True)
class Replay:
    """Where and how to re-publish a dead letter."""

    exchange: str
    routing_key: str
    properties: pika.BasicProperties
    body: bytes


def replay_of(dead: DeadLetter) -> Replay:
    """The message that sends `dead` back to where it came from."""
    if is_worker_queue(dead.queue):
        return _worker_replay(dead)
    if dead.queue != DEAD_LETTER_QUEUE:
        raise ValueError(f"do not know how to replay from {dead.queue}")
    headers = dead.headers
    kept = {k: v for k, v in headers.items() if k not in DROPPED_ON_REPLAY}
    replays = headers.get(REPLAYS)
    kept[REPLAYED_FROM] = dead.id
    kept[REPLAYS] = (replays if isinstance(replays, int) else 0) + 1
    props = dead.properties
    properties = pika.BasicProperties(
        content_type=props.content_type,
        content_encoding=props.content_encoding,
        headers=kept,
        delivery_mode=2,
        priority=props.priority,
        correlation_id=props.correlation_id,
        reply_to=props.reply_to,
        message_id=props.message_id,
        timestamp=props.timestamp,
        type=props.type,
        app_id=props.app_id,
    )
    death = first_death(headers)
    exchange = text(headers.get(ORIGINAL_EXCHANGE))
    routing_key = (
        text(headers.get(ORIGINAL_ROUTING_KEY))
        or (death.routing_key if death else None)
        or dead.routing_key
    )
    return Replay(EVENTS_EXCHANGE if exchange is None else exchange, routing_key, properties,
                  dead.body)  # fmt: skip


def _worker_replay(dead: DeadLetter) -> Replay:
    message = dead.parsed()
    if message is None or not isinstance(message.get("queue_name"), str):
        raise ValueError(f"{dead.id} in {dead.queue} is not a dramatiq message")
    queue = message["queue_name"]
    options = dict(message.get("options") or {})
    if queue.endswith(".DQ"):  # a delayed message: back to its queue, due now
        queue = queue.removesuffix(".DQ")
        options.pop("eta", None)
    options["retries"] = 0  # a fresh set of retries
    for key in FAILURE_OPTIONS:
        options.pop(key, None)
    replays = options.get(REPLAYS)
    options[REPLAYS] = (replays if isinstance(replays, int) else 0) + 1
    body = json.dumps({**message, "queue_name": queue, "options": options},
                      separators=(",", ":")).encode()  # fmt: skip
    properties = pika.BasicProperties(delivery_mode=2, priority=dead.properties.priority)
    return Replay("", queue, properties, body)
