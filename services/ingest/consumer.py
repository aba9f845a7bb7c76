"""The ingest consumer: pika, manual acks, bounded prefetch, one batch at a time.

For each batch: record it in the store (one transaction), publish what it
causes (one broker transaction), mark the dispatch, then ack the whole batch
with one `multiple` ack. A crash anywhere before the ack redelivers the batch;
the event log's unique key makes the second pass a no-op apart from
re-dispatching what was not confirmed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pika.exceptions
import structlog
from pika.adapters.blocking_connection import BlockingChannel, BlockingConnection
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from services.ingest.batch import (
    STORE_UNAVAILABLE,
    BatchOutcome,
    DeadLetter,
    merge,
    record_batch,
)
from services.ingest.delivery import Delivery
from services.ingest.outbound import BatchPublisher, UnroutableDispatch
from services.runtime import topology
from services.runtime.amqp import serve_with_reconnects
from services.runtime.clock import Clock, utcnow
from services.runtime.errors import describe_failure
from services.runtime.heartbeat import Heartbeat
from services.runtime.policies import PolicyBook
from services.runtime.routing import SUBSCRIPTIONS, Subscriptions, worker_queue_names
from services.runtime.store.event_log import mark_dispatched
from services.runtime.store.statistics import StatisticsKeeper

log = structlog.get_logger("aftersale.ingest")

#: How long to wait for more messages before a partial batch is handled, and
#: the most a batch's first message waits for the batch to fill.
BATCH_LINGER_SECONDS = 0.05
BATCH_MAX_AGE_SECONDS = 0.2
#: How long to block when idle, so a stop request is noticed promptly.
IDLE_POLL_SECONDS = 0.25


@dataclass
class IngestStats:
    batches: int = 0
    recorded: int = 0
    duplicates: int = 0
    dead_lettered: int = 0
    retried: int = 0
    store_outages: int = 0
    reconnects: int = 0


@dataclass
class IngestService:
    amqp_url: str
    sessions: sessionmaker[Session]
    policies: PolicyBook
    subscriptions: Subscriptions = field(default_factory=lambda: SUBSCRIPTIONS)
    prefetch: int = 200
    #: The longest pause between tries while the store is away.
    outage_pause_cap_seconds: float = 5.0
    queue_type: topology.QueueType = "quorum"
    heartbeat: Heartbeat = field(default_factory=lambda: Heartbeat("ingest"))
    clock: Clock = utcnow
    stats: IngestStats = field(default_factory=IngestStats)
    #: Called after each acked batch (tests and benchmarks watch progress here).
    on_batch: Callable[[BatchOutcome], None] | None = None
    #: Set while consuming: the topology is declared and events are taken.
    ready: threading.Event = field(default_factory=threading.Event)
    _outage_streak: int = field(default=0, init=False)
    _statistics: StatisticsKeeper | None = field(default=None, init=False)

    def run(self, stop: threading.Event, *, fail_fast: bool = True) -> None:
        """Consume until `stop` is set; reconnect with back-off after losses.

        With `fail_fast`, a broker that cannot be reached at the very start
        raises :class:`BrokerUnreachable` instead of waiting for it.
        """

        def _lost() -> None:
            self.stats.reconnects += 1

        bind = self.sessions.kw.get("bind")
        if isinstance(bind, Engine):
            self._statistics = StatisticsKeeper(bind)

        serve_with_reconnects(
            self.amqp_url,
            "aftersale-ingest",
            self._serve,
            stop,
            fail_fast=fail_fast,
            lost=(pika.exceptions.AMQPError, UnroutableDispatch),
            on_lost=_lost,
        )

    def _serve(self, connection: BlockingConnection, stop: threading.Event) -> None:
        consume = connection.channel()
        topology.declare(consume, worker_queue_names(self.subscriptions), self.queue_type)
        consume.basic_qos(prefetch_count=self.prefetch)
        publisher = BatchPublisher(connection.channel())
        buffer: list[Delivery] = []

        def _on_message(_ch: Any, method: Any, properties: Any, body: bytes) -> None:
            buffer.append(
                Delivery(method.delivery_tag, method.exchange, method.routing_key, properties, body)
            )

        consumer_tag = consume.basic_consume(topology.INGEST_QUEUE, _on_message)
        log.info("ingest consuming", queue=topology.INGEST_QUEUE, prefetch=self.prefetch)
        self.ready.set()
        try:
            self._consume(connection, consume, publisher, buffer, stop)
        finally:
            self.ready.clear()
        # Finish what is in hand; the broker returns the rest when the channel closes.
        consume.basic_cancel(consumer_tag)
        if buffer:
            self._handle(buffer[:], consume, publisher, stop)
        log.info("ingest stopped", **self.stats.__dict__)

    def _consume(
        self,
        connection: BlockingConnection,
        consume: BlockingChannel,
        publisher: BatchPublisher,
        buffer: list[Delivery],
        stop: threading.Event,
    ) -> None:
        # When the batch in the buffer began. Messages also arrive while a batch
        # is being handled (its confirms are waited for on this connection), so
        # the next batch begins when the buffer is first seen non-empty.
        opened_at: float | None = None
        while not stop.is_set():
            self.heartbeat.beat()
            if buffer and opened_at is None:
                opened_at = time.monotonic()
            before = len(buffer)
            connection.process_data_events(
                time_limit=BATCH_LINGER_SECONDS if buffer else IDLE_POLL_SECONDS
            )
            if buffer and opened_at is None:
                opened_at = time.monotonic()
            full = len(buffer) >= self.prefetch
            quiet = len(buffer) == before
            old = opened_at is not None and time.monotonic() - opened_at >= BATCH_MAX_AGE_SECONDS
            if buffer and (full or quiet or old):
                batch = buffer[:]
                buffer.clear()
                opened_at = None
                self._handle(batch, consume, publisher, stop)

    def _record(self, batch: list[Delivery]) -> BatchOutcome:
        """Record the batch; a message that breaks it in an unforeseen way is
        found by recording one message at a time, and dead-lettered alone."""
        try:
            return record_batch(batch, self.sessions, self.policies, self.clock)
        except STORE_UNAVAILABLE:
            raise
        except Exception as exc:
            log.error("batch failed; recording message by message", error=describe_failure(exc))
        outcome = BatchOutcome()
        for delivery in batch:
            try:
                merge(outcome, record_batch([delivery], self.sessions, self.policies, self.clock))
            except STORE_UNAVAILABLE:
                raise
            except Exception as exc:
                reason = f"could not be recorded: {describe_failure(exc)}"
                outcome.dead_letters.append(DeadLetter(delivery, "unprocessable", reason))
        return outcome

    def _handle(
        self,
        batch: list[Delivery],
        consume: BlockingChannel,
        publisher: BatchPublisher,
        stop: threading.Event,
    ) -> None:
        last_tag = batch[-1].tag
        # While the store is away the batch is held, not returned: a quorum queue
        # counts every return towards its delivery limit, and an outage longer
        # than that many returns would dead-letter valid events.
        while True:
            try:
                outcome = self._record(batch)
                now = self.clock()
                publisher.publish(outcome, self.subscriptions, now)
                if outcome.dispatches:
                    with self.sessions.begin() as session:
                        mark_dispatched(
                            session, [(d.shop_id, d.event_id) for d in outcome.dispatches], now
                        )
                break
            except STORE_UNAVAILABLE as exc:
                self.stats.store_outages += 1
                self._outage_streak += 1
                pause = min(self.outage_pause_cap_seconds, 0.25 * 2 ** min(self._outage_streak, 10))
                log.error(
                    "store unavailable; holding the batch",
                    size=len(batch),
                    error=str(exc).strip().splitlines()[0][:300],
                    retry_in=pause,
                )
                self.heartbeat.beat(ready=False)
                if stop.is_set():  # stopping: the broker gives the batch to another ingest
                    consume.basic_nack(last_tag, multiple=True, requeue=True)
                    return
                # Heartbeats go on; deliveries meanwhile wait in the buffer.
                consume.connection.sleep(pause)
        self._outage_streak = 0
        consume.basic_ack(last_tag, multiple=True)
        self.stats.batches += 1
        self.stats.recorded += outcome.recorded
        self.stats.duplicates += outcome.duplicates
        self.stats.dead_lettered += len(outcome.dead_letters)
        self.stats.retried += len(outcome.retries)
        if outcome.recorded or outcome.dead_letters or outcome.retries:
            log.debug(
                "batch handled",
                size=len(batch),
                recorded=outcome.recorded,
                duplicates=outcome.duplicates,
                dead_lettered=len(outcome.dead_letters),
                retried=len(outcome.retries),
            )
        if self._statistics is not None:
            self._statistics.recorded(outcome.recorded)
        if self.on_batch is not None:
            self.on_batch(outcome)
