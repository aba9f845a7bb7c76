"""Publishing from the gateway: a small pool of confirming publishers.

pika's BlockingConnection is not thread-safe, so each publisher is used by one
request thread at a time (checked out of the pool, returned after). A dropped
connection is replaced and the publish retried once: a repeat is harmless,
the ingest records each (shop_id, event_id) once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Literal, Protocol

import pika.exceptions

from services.publishing.publisher import Envelope, EventPublisher, Outcome
from services.runtime.amqp import BrokerUnreachable
from services.runtime.logging import get_logger

log = get_logger("aftersale.gateway")

#: A publisher idle longer than this is replaced rather than reused: its
#: connection has had no heartbeats serviced meanwhile.
MAX_IDLE_SECONDS = 20.0

Status = Literal["accepted", "unroutable", "nacked", "failed", "not_published"]


class Publisher(Protocol):
    def __enter__(self) -> Publisher: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def publish(self, envelope: Envelope) -> Outcome: ...


PublisherFactory = Callable[[str], Publisher]

_CONNECTION_ERRORS = (pika.exceptions.AMQPError, BrokerUnreachable, OSError)


def default_publisher_factory(amqp_url: str) -> Publisher:
    return EventPublisher(amqp_url)


@dataclass
class BatchOutcome:
    """One status per envelope, in order; `problem` says why when not all were accepted."""

    statuses: list[Status]
    problem: str | None = None

    @property
    def all_accepted(self) -> bool:
        return self.problem is None


@dataclass
class _Idle:
    publisher: Publisher
    since: float = field(default_factory=time.monotonic)


class PublisherPool:
    """At most `size` open publishers, each used by one thread at a time."""

    def __init__(self, amqp_url: str, factory: PublisherFactory, size: int = 4) -> None:
        self._amqp_url = amqp_url
        self._factory = factory
        self._slots = threading.BoundedSemaphore(size)
        self._idle: list[_Idle] = []
        self._lock = threading.Lock()

    def _open(self) -> Publisher:
        publisher = self._factory(self._amqp_url)
        return publisher.__enter__()

    def _take(self) -> Publisher:
        with self._lock:
            while self._idle:
                idle = self._idle.pop()
                if time.monotonic() - idle.since <= MAX_IDLE_SECONDS:
                    return idle.publisher
                _close(idle.publisher)
        return self._open()

    def _give_back(self, publisher: Publisher) -> None:
        with self._lock:
            self._idle.append(_Idle(publisher))

    def publish_all(self, envelopes: Sequence[Envelope]) -> BatchOutcome:
        """Publish in order with confirms (blocking); stop at the first that is not confirmed."""
        statuses: list[Status] = ["not_published"] * len(envelopes)
        with self._slots:
            publisher: Publisher | None = None
            retried = False
            index = 0
            while index < len(envelopes):
                try:
                    if publisher is None:
                        publisher = self._take()
                    outcome = publisher.publish(envelopes[index])
                except _CONNECTION_ERRORS as exc:
                    if publisher is not None:
                        _close(publisher)
                        publisher = None
                    if retried:
                        statuses[index] = "failed"
                        log.error("gateway.broker_unavailable", error=str(exc))
                        return BatchOutcome(statuses, "the event broker is unavailable")
                    retried = True
                    log.warning("gateway.reconnecting", error=str(exc))
                    continue
                if outcome != "confirmed":
                    statuses[index] = outcome
                    self._give_back(publisher)
                    return BatchOutcome(statuses, _explain(outcome))
                statuses[index] = "accepted"
                index += 1
            if publisher is not None:
                self._give_back(publisher)
        return BatchOutcome(statuses)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for entry in idle:
            _close(entry.publisher)


def _explain(outcome: Outcome) -> str:
    if outcome == "unroutable":
        return (
            "no queue is bound to the events exchange (is the ingest running?); "
            "nothing after this event was published"
        )
    return "the broker refused the event (nack); nothing after this event was published"


def _close(publisher: Publisher) -> None:
    try:
        publisher.__exit__(None, None, None)
    except Exception as exc:  # a dead connection may fail to close; it is dropped anyway
        log.debug("gateway.publisher_close_failed", error=str(exc))
