"""What an operator sees of a dead letter, and what a replay sends. Pure."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pika

from services.operator.dlq_messages import REPLAYED_FROM, REPLAYS, DeadLetter, replay_of
from services.runtime.topology import DEAD_LETTER_QUEUE, EVENTS_EXCHANGE

INGEST_HEADERS = {
    "x-aftersale-error": "not JSON",
    "x-aftersale-error-code": "not_json",
    "x-aftersale-routing-key": "order.placed",
    "x-aftersale-exchange": EVENTS_EXCHANGE,
    "x-aftersale-dead-lettered-at": "2026-11-23T10:15:00+00:00",
    "x-aftersale-dead-letter-id": "0123456789ab",
    "x-aftersale-first-seen": "2026-11-23T10:00:00+00:00",
    "x-aftersale-attempt": 4,
    "x-tenant": "kept",
}


def ingest_letter(body: bytes = b"{oops", /, **headers: object) -> DeadLetter:
    properties = pika.BasicProperties(
        headers={**INGEST_HEADERS, **headers},
        message_id="evt-1",
        content_type="application/json",
        delivery_mode=2,
        timestamp=1_764_000_000,
    )
    return DeadLetter(DEAD_LETTER_QUEUE, 7, DEAD_LETTER_QUEUE, properties, body)


def test_a_replayed_event_goes_to_its_exchange_without_our_error_headers() -> None:
    replay = replay_of(ingest_letter())
    assert (replay.exchange, replay.routing_key, replay.body) == (
        EVENTS_EXCHANGE,
        "order.placed",
        b"{oops",
    )
    headers = replay.properties.headers
    assert headers == {"x-tenant": "kept", REPLAYED_FROM: "0123456789ab", REPLAYS: 1}
    assert replay.properties.message_id == "evt-1"
    assert replay.properties.content_type == "application/json"
    assert replay.properties.delivery_mode == 2


def test_the_replay_count_goes_up_with_each_replay() -> None:
    replay = replay_of(ingest_letter(**{REPLAYS: 2, REPLAYED_FROM: "aaaaaaaaaaaa"}))
    assert replay.properties.headers[REPLAYS] == 3
    assert replay.properties.headers[REPLAYED_FROM] == "0123456789ab"


def test_a_dead_letter_without_an_id_gets_a_stable_one() -> None:
    letter = ingest_letter(**{"x-aftersale-dead-letter-id": None})
    assert letter.id == ingest_letter(**{"x-aftersale-dead-letter-id": None}).id
    assert len(letter.id) == 12


def test_details_are_json_friendly_and_a_binary_body_is_hex() -> None:
    death = {"queue": "q", "time": datetime(2026, 11, 23, tzinfo=UTC), "routing-keys": ["q"]}
    letter = ingest_letter(b"\xff\x00", **{"x-death": [death], "x-raw": b"\xfe"})
    details = letter.details()
    json.dumps(details)
    assert details["body_encoding"] == "hex" and details["body"] == "ff00"
    assert details["headers"]["x-death"][0]["time"] == "2026-11-23T00:00:00+00:00"
    assert details["headers"]["x-raw"] == "hex:fe"
    assert details["properties"]["timestamp"] == 1_764_000_000
    assert details["event_id"] is None


def xq_letter(**message: object) -> DeadLetter:
    body = {
        "queue_name": "aftersale.escalator.DQ",
        "actor_name": "escalator.on_timer",
        "args": [17, 2],
        "kwargs": {},
        "options": {"retries": 12, "eta": 1_764_000_000_000},
        "message_id": "m-1",
        "message_timestamp": 1_764_000_000_000,
        **message,
    }
    death = [{"time": datetime(2026, 11, 23, 9, tzinfo=UTC)}]
    properties = pika.BasicProperties(headers={"x-death": death}, delivery_mode=2, priority=0)
    queue = "aftersale.escalator.XQ"
    return DeadLetter(queue, 1, queue, properties, json.dumps(body).encode())


def test_a_worker_message_without_a_traceback_says_its_retries_ran_out() -> None:
    summary = xq_letter().summary()
    assert summary["id"] == "m-1"
    assert summary["reason"] == "escalator.on_timer: retries ran out (12 retries)"
    assert summary["event_id"] is None and summary["shop_id"] is None
    assert summary["when"] == "2026-11-23T09:00:00+00:00"


def test_a_delayed_worker_message_goes_back_to_its_queue_due_now_with_fresh_retries() -> None:
    replay = replay_of(xq_letter())
    assert (replay.exchange, replay.routing_key) == ("", "aftersale.escalator")
    sent = json.loads(replay.body)
    assert sent["queue_name"] == "aftersale.escalator"
    assert sent["options"]["retries"] == 0 and "eta" not in sent["options"]
    assert sent["args"] == [17, 2] and sent["message_id"] == "m-1"
    assert replay.properties.delivery_mode == 2
