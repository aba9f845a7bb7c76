"""The ingest against a real RabbitMQ and a real store: record once, dead-letter
bad input with its reason and its body intact, wait for late parents."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from services.publishing.publisher import EventPublisher, read_envelope
from services.runtime.policies import parse_policies
from services.runtime.store import state
from services.runtime.store.models import EventRecord
from services.runtime.topology import DEAD_LETTER_QUEUE, INGEST_QUEUE
from tests.support import factories
from tests.support.ingest import get_all, queue_depth, running_ingest
from tests.support.polling import wait_until


def publish(amqp_url: str, *bodies: bytes, routing_key: str | None = None) -> None:
    with EventPublisher(amqp_url) as publisher:
        for body in bodies:
            if routing_key is None:
                assert publisher.publish(read_envelope(body)) == "confirmed"
            else:
                publisher._channel.basic_publish(
                    "aftersale.events", routing_key, body, mandatory=True
                )


def dead_letters(amqp_url: str, expected: int) -> list[tuple[object, bytes]]:
    wait_until(
        lambda: queue_depth(amqp_url, DEAD_LETTER_QUEUE) >= expected,
        what=f"{expected} dead letters",
    )
    return get_all(amqp_url, DEAD_LETTER_QUEUE)


def test_an_event_published_twice_is_recorded_once(amqp_url: str, database_url: str) -> None:
    placed = factories.to_bytes(factories.order_placed("ord-twice"))
    with running_ingest(amqp_url, database_url) as ingest:
        publish(amqp_url, placed, placed)
        wait_until(lambda: ingest.service.stats.duplicates >= 1, what="the duplicate")
        assert ingest.recorded() == 1
        publish(amqp_url, placed)  # a republish later, in another batch
        wait_until(lambda: ingest.service.stats.duplicates >= 2, what="the republish")
        assert ingest.recorded() == 1
        with ingest.sessions() as session:
            row = session.scalars(select(EventRecord)).one()
            assert row.body == placed
            assert row.dispatched_at is not None
            order = state.order(session, "shop-42", "ord-twice")
            assert order is not None and len(order.history) == 1
    assert queue_depth(amqp_url, INGEST_QUEUE) == 0


OVERSIZED = json.dumps({"type": "order.placed", "pad": "x" * (256 * 1024)}).encode()
BAD_INPUTS = {
    "not JSON": (b"{this is not json", "not JSON"),
    "not UTF-8": (b"\xff\xfe\x00garbage", "not JSON"),
    "not an envelope": (b"[1, 2, 3]", "not an envelope"),
    "unknown type": (
        factories.to_bytes(factories.envelope("order.exploded", {"order_id": "o"})),
        'unknown event type "order.exploded"',
    ),
    "wrong field type": (
        factories.to_bytes(factories.order_placed()).replace(
            b'"quantity": 2', b'"quantity": "two"'
        ),
        "data.items[0].quantity",
    ),
    "money as a float": (
        factories.to_bytes(factories.order_placed()).replace(b'"104.30"', b"104.3"),
        "data.total",
    ),
    "time without zone": (
        factories.to_bytes(factories.order_placed(occurred_at="2026-11-23T10:15:00")),
        "occurred_at",
    ),
    "too large": (OVERSIZED, "over the limit of 262144 bytes"),
    "absurdly nested": (b"[" * 5000, "not JSON this system can read"),
    "NUL in an id": (
        factories.to_bytes(factories.order_placed(event_id="evt-\u0000-1")),
        "event_id",
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_is_dead_lettered_with_a_reason_and_the_body_intact(
    case: str, amqp_url: str, sqlite_url: str
) -> None:
    body, expected_reason = BAD_INPUTS[case]
    good = factories.to_bytes(factories.order_placed())
    with running_ingest(amqp_url, sqlite_url) as ingest:
        publish(amqp_url, body, good, routing_key="order.placed")
        [(properties, dead_body)] = dead_letters(amqp_url, 1)
        # The ingest kept going: the good event behind the bad one is recorded.
        wait_until(lambda: ingest.recorded() == 1, what="the good event")
        assert ingest.alive
    assert dead_body == body
    headers = properties.headers
    assert expected_reason in headers["x-aftersale-error"]
    assert headers["x-aftersale-routing-key"] == "order.placed"
    assert headers["x-aftersale-exchange"] == "aftersale.events"
    assert properties.delivery_mode == 2


def test_a_child_before_its_parent_waits_and_is_recorded_after_it(
    amqp_url: str, sqlite_url: str
) -> None:
    shipped = factories.to_bytes(factories.order_shipped("ord-late"))
    placed = factories.to_bytes(factories.order_placed("ord-late"))
    with running_ingest(amqp_url, sqlite_url) as ingest:
        publish(amqp_url, shipped)
        wait_until(lambda: ingest.service.stats.retried >= 1, what="the shipment to be parked")
        assert ingest.recorded() == 0
        publish(amqp_url, placed)
        wait_until(lambda: ingest.recorded() == 2, timeout=20, what="both events")
        with ingest.sessions() as session:
            order = state.order(session, "shop-42", "ord-late")
            assert order is not None and order.status == "shipped"
    assert queue_depth(amqp_url, DEAD_LETTER_QUEUE) == 0


def test_a_child_whose_parent_never_comes_is_dead_lettered_after_the_window(
    amqp_url: str, sqlite_url: str
) -> None:
    policies = parse_policies('[ingest]\nwait_for_parent = "2s"\n')
    orphan = factories.to_bytes(factories.order_shipped("ord-never"))
    with running_ingest(amqp_url, sqlite_url, policies=policies) as ingest:
        publish(amqp_url, orphan)
        [(properties, body)] = dead_letters(amqp_url, 1)
        assert ingest.service.stats.retried >= 1
        assert ingest.recorded() == 0
    assert body == orphan
    reason = properties.headers["x-aftersale-error"]
    assert "unknown order 'ord-never'" in reason and "wait_for_parent" in reason
    assert properties.headers["x-aftersale-error-code"] == "unknown_parent"


def feedback_from(customer_id: str, feedback_id: str) -> bytes:
    data = {"feedback_id": feedback_id, "customer_id": customer_id, "order_id": "ord-fb",
            "scale": "csat5", "score": 1, "channel": "survey"}  # fmt: skip
    return factories.to_bytes(factories.envelope("feedback.received", data))


def test_feedback_before_its_customer_is_known_waits_for_the_order_that_brings_them(
    amqp_url: str, sqlite_url: str
) -> None:
    """With several ingests, the order bringing the customer's address may be
    recorded by another one a moment after the feedback arrives here."""
    placed = factories.order_placed("ord-fb")
    customer_id = placed["data"]["customer"]["customer_id"]
    with running_ingest(amqp_url, sqlite_url) as ingest:
        publish(amqp_url, feedback_from(customer_id, "fb-early"))
        wait_until(lambda: ingest.service.stats.retried >= 1, what="the feedback to be parked")
        assert ingest.recorded() == 0
        publish(amqp_url, factories.to_bytes(placed))
        wait_until(lambda: ingest.recorded() == 2, timeout=20, what="both events")
    assert queue_depth(amqp_url, DEAD_LETTER_QUEUE) == 0


def test_feedback_whose_customer_never_comes_is_recorded_after_the_short_wait(
    amqp_url: str, sqlite_url: str
) -> None:
    """A customer from before the shop was connected: the feedback still counts."""
    policies = parse_policies('[ingest]\nwait_for_parent = "2s"\n')
    with running_ingest(amqp_url, sqlite_url, policies=policies) as ingest:
        publish(amqp_url, feedback_from("c-unknown", "fb-orphan"))
        wait_until(lambda: ingest.recorded() == 1, timeout=30, what="the feedback recorded")
        assert ingest.service.stats.retried >= 1
    assert queue_depth(amqp_url, DEAD_LETTER_QUEUE) == 0
