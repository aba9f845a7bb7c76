"""CloudEvents over HTTP on `POST /v1/events`, built by the official SDK: structured,
binary and batched, signed like any request; published as the native envelope;
problems named by attribute; another shop's event refused."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from cloudevents.core.bindings import http
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

from tests.gateway.client import SHOP, post_events, signed_headers, take_ingest
from tests.gateway.conftest import RunningGateway
from tests.support.factories import order_placed
from tests.support.ingest import queue_depth

INGEST = "aftersale.ingest"


def cloud_event(event: dict[str, Any], **attributes: Any) -> CloudEvent:
    base: dict[str, Any] = {
        "id": event["event_id"],
        "source": "/shops/shop-42",
        "type": "com.aftersale." + event["type"],
        "time": datetime.fromisoformat(event["occurred_at"]),
        "shopid": event["shop_id"],
        "datacontenttype": "application/json",
        **attributes,
    }
    return CloudEvent(attributes=base, data=event["data"])


def signed(body: bytes, extra: dict[str, str]) -> dict[str, str]:
    headers = signed_headers(body)
    headers.pop("Content-Type")
    return {**headers, **extra}


def test_a_structured_cloudevent_is_published_as_its_native_envelope(
    gateway: RunningGateway, amqp_url: str
) -> None:
    event = order_placed()
    message = http.to_structured(cloud_event(event), JSONFormat())
    assert message.headers["content-type"].startswith("application/cloudevents+json")
    reply = post_events(gateway.url, message.body, signed(message.body, message.headers))
    assert reply.status == 202, reply.text
    assert reply.json()["results"] == [
        {"index": 0, "event_id": event["event_id"], "status": "accepted"}
    ]
    [queued] = take_ingest(amqp_url)
    assert (queued.routing_key, queued.message_id) == ("order.placed", event["event_id"])
    assert queued.content_type == "application/json"
    native = queued.json()
    assert (native["event_id"], native["shop_id"], native["type"]) == (
        event["event_id"], SHOP, "order.placed")  # fmt: skip
    assert native["data"] == event["data"]
    assert native["cloudevent"]["source"] == "/shops/shop-42"


def test_a_binary_cloudevent_is_read_from_its_ce_headers(
    gateway: RunningGateway, amqp_url: str
) -> None:
    event = order_placed()
    event["data"]["customer"]["name"] = "Łucja Żółć"  # percent-encoded in no header: in data
    message = http.to_binary(cloud_event(event, subject="zamówienie"), JSONFormat())
    assert "ce-id" in message.headers and "%" in message.headers["ce-subject"]
    reply = post_events(gateway.url, message.body, signed(message.body, message.headers))
    assert reply.status == 202, reply.text
    [queued] = take_ingest(amqp_url)
    native = queued.json()
    assert native["event_id"] == event["event_id"]
    assert native["data"]["customer"]["name"] == "Łucja Żółć"
    assert native["cloudevent"]["subject"] == "zamówienie"  # percent-decoded


def test_a_batch_of_cloudevents_is_all_or_nothing(gateway: RunningGateway, amqp_url: str) -> None:
    good, bad = order_placed(), order_placed()
    bad["data"]["total"] = 104.3
    documents = [json.loads(http.to_structured(cloud_event(e), JSONFormat()).body)
                 for e in (good, bad)]  # fmt: skip
    body = json.dumps(documents).encode()
    headers = signed(body, {"Content-Type": "application/cloudevents-batch+json"})
    reply = post_events(gateway.url, body, headers)
    assert reply.status == 400, reply.text
    assert reply.json()["errors"] == [
        {"index": 1, "path": "data.total", "message": reply.json()["errors"][0]["message"]}
    ]
    assert queue_depth(amqp_url, INGEST) == 0
    body = json.dumps(documents[:1]).encode()
    headers = signed(body, {"Content-Type": "application/cloudevents-batch+json"})
    assert post_events(gateway.url, body, headers).status == 202
    assert [d.message_id for d in take_ingest(amqp_url)] == [good["event_id"]]


def test_problems_are_named_by_the_cloudevent_attribute(
    gateway: RunningGateway, amqp_url: str
) -> None:
    event = order_placed()
    message = http.to_binary(cloud_event(event), JSONFormat())
    message.headers["ce-time"] = "2026-11-23T10:15:00"  # no zone
    reply = post_events(gateway.url, message.body, signed(message.body, message.headers))
    assert reply.status == 400, reply.text
    [error] = reply.json()["errors"]
    assert error["path"] == "time"
    assert queue_depth(amqp_url, INGEST) == 0


def test_another_shops_cloudevent_is_refused(gateway: RunningGateway, amqp_url: str) -> None:
    event = order_placed(shop_id="shop-7")
    message = http.to_structured(cloud_event(event), JSONFormat())
    reply = post_events(gateway.url, message.body, signed(message.body, message.headers))
    assert (reply.status, reply.json()["error"]) == (403, "wrong_shop")
    assert reply.json()["errors"][0]["path"] == "shopid"
    assert queue_depth(amqp_url, INGEST) == 0


def test_a_batch_element_that_is_no_cloudevent_is_a_400(
    gateway: RunningGateway, amqp_url: str
) -> None:
    event = order_placed()
    document = json.loads(http.to_structured(cloud_event(event), JSONFormat()).body)
    del document["shopid"]
    body = json.dumps([document, 7]).encode()
    reply = post_events(
        gateway.url, body, signed(body, {"Content-Type": "application/cloudevents-batch+json"})
    )
    assert reply.status == 400, reply.text
    errors = reply.json()["errors"]
    assert [e["index"] for e in errors] == [0, 1]
    assert "shopid" in errors[0]["message"]
    assert queue_depth(amqp_url, INGEST) == 0
