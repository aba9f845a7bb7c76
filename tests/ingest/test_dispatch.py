"""Recorded events reach the dramatiq actors that subscribe to their type, once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import dramatiq
import pytest

from services.publishing.publisher import EventPublisher, read_envelope
from services.runtime.dramatiq_broker import TopologyBroker
from services.runtime.routing import ActorRef
from tests.support import factories
from tests.support.ingest import running_ingest
from tests.support.polling import wait_until

QUEUE = "aftersale-test.orders"


@pytest.fixture
def worker(amqp_url: str) -> Iterator[list[tuple[Any, ...]]]:
    """A real dramatiq worker with one actor that notes what it was sent."""
    broker = TopologyBroker(amqp_url)
    seen: list[tuple[Any, ...]] = []
    lock = threading.Lock()

    @dramatiq.actor(broker=broker, queue_name=QUEUE, actor_name="note_order", max_retries=0)
    def note_order(shop_id: str, event_id: str, event_type: str) -> None:
        with lock:
            seen.append((shop_id, event_id, event_type))

    worker = dramatiq.Worker(broker, worker_threads=2, worker_timeout=100)
    worker.start()
    yield seen
    worker.stop()
    broker.close()


def test_each_recorded_event_is_dispatched_once_to_its_subscribers(
    amqp_url: str, sqlite_url: str, worker: list[tuple[Any, ...]]
) -> None:
    subscriptions = {"order.placed": (ActorRef(QUEUE, "note_order"),)}
    placed = factories.order_placed("ord-dispatch")
    ticket = factories.ticket_opened("tkt-no-subscriber")
    with running_ingest(amqp_url, sqlite_url, subscriptions=subscriptions) as ingest:
        with EventPublisher(amqp_url) as publisher:
            for event in (placed, placed, ticket, placed):
                body = factories.to_bytes(event)
                assert publisher.publish(read_envelope(body)) == "confirmed"
        wait_until(lambda: ingest.recorded() == 2, what="two distinct events")
        wait_until(lambda: worker, what="the actor to run")
        wait_until(lambda: ingest.service.stats.duplicates == 2, what="both duplicates")
    assert worker == [("shop-42", placed["event_id"], "order.placed")]
