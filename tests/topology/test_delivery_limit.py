"""A poison event (every consumer that takes it dies or returns it) ends in the
dead letters after `x-delivery-limit` deliveries instead of looping, and the
operator sees why and can replay it to its routing key."""

from __future__ import annotations

import pika

from services.operator.dlq import list_dead_letters, replay_dead_letters
from services.runtime import topology
from services.runtime.routing import SUBSCRIPTIONS, worker_queue_names
from tests.support import factories
from tests.support.polling import wait_until


def test_an_event_returned_past_the_delivery_limit_is_dead_lettered_with_the_broker_reason(
    amqp_url: str,
) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    channel = connection.channel()
    channel.confirm_delivery()  # the publish is in the quorum queue before the first get
    topology.declare(channel, worker_queue_names(SUBSCRIPTIONS), "quorum")
    event = factories.order_placed()
    channel.basic_publish(topology.EVENTS_EXCHANGE, "order.placed", factories.to_bytes(event))

    returned = 0
    for _ in range(topology.DELIVERY_LIMIT + 5):
        method, _, _ = channel.basic_get(topology.INGEST_QUEUE)
        if method is None:
            break
        channel.basic_nack(method.delivery_tag, requeue=True)  # as a dying consumer
        returned += 1
    assert returned == topology.DELIVERY_LIMIT + 1
    wait_until(
        lambda: (
            channel.queue_declare(topology.DEAD_LETTER_QUEUE, passive=True).method.message_count
            == 1
        ),
        timeout=10,
    )

    [listed] = list_dead_letters(amqp_url)
    assert listed["error_code"] == "delivery_limit"
    assert f"x-delivery-limit of {topology.INGEST_QUEUE}" in listed["reason"]
    assert listed["routing_key"] == "order.placed"
    assert listed["event_id"] == event["event_id"]

    report = replay_dead_letters(amqp_url, listed["id"])
    assert [r["id"] for r in report.replayed] == [listed["id"]]
    method, properties, body = channel.basic_get(topology.INGEST_QUEUE, auto_ack=True)
    assert method is not None and method.routing_key == "order.placed"
    assert body == factories.to_bytes(event)
    assert "x-death" not in (properties.headers or {})
    connection.close()
