"""CloudEvents on the exchange, against a real RabbitMQ, store and SMTP server: the
same order as a native envelope, a structured and a binary CloudEvent is recorded
and told once each; the three forms of one id are one event; a bad CloudEvent is
dead-lettered with its body and headers intact."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pika
from cloudevents.core.bindings import amqp, rabbitmq
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent
from sqlalchemy import func, select

from services.runtime.policies import parse_policies
from services.runtime.settings import Settings
from services.runtime.store.models import EventRecord, Notification
from services.runtime.topology import DEAD_LETTER_QUEUE
from tests.support import factories
from tests.support.ingest import get_all, queue_depth, running_ingest
from tests.support.polling import wait_until
from tests.support.smtp import smtp_sink
from tests.support.system import running_system

EXCHANGE = "aftersale.events"


def order(n: int, event_id: str | None = None) -> dict[str, Any]:
    placed = factories.order_placed(f"ord-ce-{n}", event_id=event_id or f"evt-ce-{n}")
    placed["data"]["customer"] = factories.customer(f"c-ce-{n}", email=f"ce{n}@example.com")
    return placed


def as_cloud_event(event: dict[str, Any]) -> CloudEvent:
    return CloudEvent(
        attributes={
            "id": event["event_id"],
            "source": "https://shop.example",
            "type": "com.aftersale." + event["type"],
            "time": datetime.fromisoformat(event["occurred_at"]),
            "shopid": event["shop_id"],
            "datacontenttype": "application/json",
        },
        data=event["data"],
    )


def send(
    amqp_url: str, form: str, event: dict[str, Any], routing_key: str = "order.placed"
) -> None:
    """Publish `event` as a native envelope, a structured or a binary CloudEvent."""
    if form == "native":
        body, content_type, headers = factories.to_bytes(event), "application/json", {}
    elif form == "structured":
        message = rabbitmq.to_structured(as_cloud_event(event), JSONFormat())
        body, content_type, headers = message.body, message.content_type, {}
    else:  # binary, the AMQP binding's `cloudEvents:` application properties
        amqp_message = amqp.to_binary(as_cloud_event(event), JSONFormat())
        body, content_type = amqp_message.application_data, "application/json"
        headers = {key.replace("cloudEvents_", "cloudEvents:"): value
                   for key, value in amqp_message.application_properties.items()}  # fmt: skip
    publish_raw(amqp_url, body, content_type, headers, routing_key)


def publish_raw(
    amqp_url: str, body: bytes, content_type: str | None, headers: dict[str, Any], key: str
) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        channel.basic_publish(
            EXCHANGE,
            key,
            body,
            properties=pika.BasicProperties(
                content_type=content_type, headers=headers, delivery_mode=2
            ),
            mandatory=True,
        )
    finally:
        connection.close()


def test_native_structured_and_binary_are_each_recorded_and_told_once_and_one_id_is_one_event(
    amqp_url: str, database_url: str, tmp_path: Path
) -> None:
    forms = ["native", "structured", "binary"]
    with smtp_sink() as (inbox, port):
        settings = Settings(
            amqp_url=amqp_url,
            database_url=database_url,
            smtp_url=f"smtp://127.0.0.1:{port}",
            secret_key="t",
            outbox_dir=tmp_path / "outbox",
        )
        with running_system(settings, parse_policies("")) as system:
            for n, form in enumerate(forms):
                send(amqp_url, form, order(n))
            wait_until(lambda: len(inbox.messages) >= 3, timeout=60, what="three confirmations")
            # One event, three forms: the second and third are duplicates.
            same = order(9, event_id="evt-ce-same")
            for form in forms:
                send(amqp_url, form, same)
            wait_until(lambda: system.ingest.stats.duplicates >= 2, what="two duplicates")
            wait_until(lambda: len(inbox.messages) >= 4, timeout=60, what="the fourth email")
            with system.sessions() as session:
                events = session.scalars(select(EventRecord)).all()
                notifications = session.scalar(
                    select(func.count())
                    .select_from(Notification)
                    .where(Notification.kind == "order_confirmation")
                )
    assert sorted(e.event_id for e in events) == [
        "evt-ce-0", "evt-ce-1", "evt-ce-2", "evt-ce-same"]  # fmt: skip
    assert notifications == 4
    recipients = sorted(str(m["To"]) for m in inbox.messages)
    assert recipients == [f"ce{n}@example.com" for n in (0, 1, 2, 9)]
    for record in events:  # the log keeps native envelopes, whatever came in
        assert json.loads(record.body)["event_id"] == record.event_id
    structured = next(e for e in events if e.event_id == "evt-ce-1")
    assert json.loads(structured.body)["cloudevent"]["source"] == "https://shop.example"


def test_a_bad_cloudevent_is_dead_lettered_with_its_body_and_headers(
    amqp_url: str, sqlite_url: str
) -> None:
    event = order(1)
    event["data"]["total"] = 104.3  # money as a float
    message = rabbitmq.to_binary(as_cloud_event(event), JSONFormat())
    good = order(2)
    with running_ingest(amqp_url, sqlite_url) as ingest:
        publish_raw(amqp_url, message.body, message.content_type, message.headers, "order.placed")
        send(amqp_url, "structured", good)
        wait_until(lambda: queue_depth(amqp_url, DEAD_LETTER_QUEUE) >= 1, what="the dead letter")
        wait_until(lambda: ingest.recorded() == 1, what="the good event behind it")
    [(properties, body)] = get_all(amqp_url, DEAD_LETTER_QUEUE)
    assert body == message.body
    assert properties.content_type == "application/json"
    assert properties.headers["ce-id"] == event["event_id"]
    assert properties.headers["ce-type"] == "com.aftersale.order.placed"
    assert "data.total" in properties.headers["x-aftersale-error"]
    assert properties.headers["x-aftersale-error-code"] == "invalid"


def test_a_cloudevent_before_its_parent_waits_for_it(amqp_url: str, sqlite_url: str) -> None:
    placed = order(3)
    shipped = factories.order_shipped(placed["data"]["order_id"])
    with running_ingest(amqp_url, sqlite_url) as ingest:
        send(amqp_url, "binary", shipped, routing_key="order.shipped")
        wait_until(lambda: ingest.service.stats.retried >= 1, what="the shipment parked")
        send(amqp_url, "structured", placed)
        wait_until(lambda: ingest.recorded() == 2, timeout=20, what="both events")
    assert queue_depth(amqp_url, DEAD_LETTER_QUEUE) == 0
