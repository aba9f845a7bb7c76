"""`POST /v1/events` on a real uvicorn and a real broker: signed batches in, the rest out."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from tests.gateway.client import post_events, request, signed_headers, take_ingest
from tests.gateway.conftest import RunningGateway
from tests.support.factories import order_placed, ticket_opened, to_bytes
from tests.support.ingest import queue_depth

INGEST = "aftersale.ingest"


def _batch(*events: dict[str, object]) -> bytes:
    return json.dumps(list(events), ensure_ascii=False).encode()


def test_a_signed_batch_is_published_with_confirms_before_202(
    gateway: RunningGateway, amqp_url: str
) -> None:
    events = [order_placed(), order_placed(), ticket_opened()]
    # Pretty-printed on purpose: each event must reach the queue byte for byte.
    body = json.dumps(events, ensure_ascii=False, indent=2).encode()

    reply = post_events(gateway.url, body, signed_headers(body))

    assert reply.status == 202, reply.text
    assert reply.json() == {
        "accepted": 3,
        "results": [
            {"index": i, "event_id": event["event_id"], "status": "accepted"}
            for i, event in enumerate(events)
        ],
    }
    # Confirmed before the answer: already in the queue, no waiting needed.
    delivered = take_ingest(amqp_url)
    assert [(d.routing_key, d.message_id) for d in delivered] == [
        (event["type"], event["event_id"]) for event in events
    ]
    assert all(d.content_type == "application/json" and d.delivery_mode == 2 for d in delivered)
    assert [d.json() for d in delivered] == events
    assert (
        delivered[0].body
        == json.dumps(events[0], ensure_ascii=False, indent=2).replace("\n", "\n  ").encode()
    )


def test_a_single_envelope_keeps_its_exact_bytes(gateway: RunningGateway, amqp_url: str) -> None:
    event = ticket_opened()
    body = to_bytes(event)

    reply = post_events(gateway.url, body, signed_headers(body))

    assert reply.status == 202, reply.text
    assert reply.json()["results"] == [
        {"index": 0, "event_id": event["event_id"], "status": "accepted"}
    ]
    [delivered] = take_ingest(amqp_url)
    assert delivered.body == body
    assert delivered.routing_key == "ticket.opened"


def test_a_tampered_body_is_refused(gateway: RunningGateway, amqp_url: str) -> None:
    body = _batch(order_placed(total="104.30"))
    headers = signed_headers(body)
    tampered = body.replace(b"104.30", b"1.30")

    reply = post_events(gateway.url, tampered, headers)

    assert reply.status == 401
    assert reply.json()["error"] == "bad_signature"
    assert queue_depth(amqp_url, INGEST) == 0


def test_an_unsigned_request_is_refused(gateway: RunningGateway, amqp_url: str) -> None:
    body = _batch(order_placed())

    reply = post_events(gateway.url, body, {"Content-Type": "application/json"})
    assert reply.status == 401
    assert reply.json()["error"] == "missing_shop"

    headers = signed_headers(body)
    del headers["X-Aftersale-Signature"]
    reply = post_events(gateway.url, body, headers)
    assert reply.status == 401
    assert reply.json()["error"] == "missing_signature"
    assert "X-Aftersale-Signature" in reply.json()["message"]
    assert queue_depth(amqp_url, INGEST) == 0


def test_a_signature_with_another_shops_secret_is_refused(gateway: RunningGateway) -> None:
    body = _batch(order_placed())
    reply = post_events(gateway.url, body, signed_headers(body, secret="another-secret"))
    assert reply.status == 401
    assert reply.json()["error"] == "bad_signature"


def test_an_unknown_shop_is_refused(gateway: RunningGateway) -> None:
    body = _batch(order_placed(shop_id="shop-999"))
    reply = post_events(gateway.url, body, signed_headers(body, shop="shop-999"))
    assert reply.status == 401
    assert reply.json()["error"] == "unknown_shop"


def test_a_stale_timestamp_is_refused(gateway: RunningGateway, amqp_url: str) -> None:
    body = _batch(order_placed())
    old = int(time.time()) - 600

    reply = post_events(gateway.url, body, signed_headers(body, timestamp=old))

    assert reply.status == 401
    assert reply.json()["error"] == "stale_timestamp"
    assert "stale timestamp" in reply.json()["message"]
    future = signed_headers(body, timestamp=int(time.time()) + 600)
    assert post_events(gateway.url, body, future).json()["error"] == "stale_timestamp"
    assert queue_depth(amqp_url, INGEST) == 0


def test_the_same_signed_request_is_accepted_once(gateway: RunningGateway, amqp_url: str) -> None:
    body = _batch(order_placed())
    headers = signed_headers(body)

    assert post_events(gateway.url, body, headers).status == 202
    again = post_events(gateway.url, body, headers)

    assert again.status == 401
    assert again.json()["error"] == "replayed"
    assert queue_depth(amqp_url, INGEST) == 1


def test_a_body_over_one_mebibyte_is_refused(gateway: RunningGateway, amqp_url: str) -> None:
    body = b"[" + b" " * (1024 * 1024 - 2) + b"]" + b" "
    assert len(body) == 1024 * 1024 + 1

    reply = post_events(gateway.url, body, signed_headers(body))

    assert reply.status == 413
    assert reply.json()["error"] == "too_large"
    assert queue_depth(amqp_url, INGEST) == 0


def test_a_chunked_body_over_one_mebibyte_is_refused(gateway: RunningGateway) -> None:
    body = b"[" + b" " * (1024 * 1024) + b"]"
    chunks = [body[i : i + 65536] for i in range(0, len(body), 65536)]
    headers = signed_headers(body)  # no Content-Length: urllib sends it chunked

    reply = post_events(gateway.url, iter(chunks), headers)

    assert reply.status == 413


def test_exactly_one_mebibyte_is_read(gateway: RunningGateway) -> None:
    body = b"[" + b" " * (1024 * 1024 - 2) + b"]"
    reply = post_events(gateway.url, body, signed_headers(body))
    assert reply.status == 400
    assert reply.json()["error"] == "empty"


def test_bad_json_is_refused(gateway: RunningGateway, amqp_url: str) -> None:
    body = b'[{"event_id": "e-1", '

    reply = post_events(gateway.url, body, signed_headers(body))

    assert reply.status == 400
    assert reply.json()["error"] == "not_json"
    assert "line 1 column" in reply.json()["message"]
    assert queue_depth(amqp_url, INGEST) == 0


def test_a_schema_error_refuses_the_whole_batch_with_field_paths(
    gateway: RunningGateway, amqp_url: str
) -> None:
    good = order_placed()
    bad = order_placed()
    bad["data"]["items"][0]["quantity"] = "two"
    unknown = order_placed(type="order.teleported")
    body = _batch(good, bad, unknown)

    reply = post_events(gateway.url, body, signed_headers(body))

    assert reply.status == 400, reply.text
    answer = reply.json()
    assert answer["error"] == "invalid"
    assert answer["errors"][0] == {
        "index": 1,
        "path": "data.items[0].quantity",
        "message": 'Input should be a valid integer (got "two")',
    }
    assert answer["errors"][1]["index"] == 2
    assert answer["errors"][1]["path"] == "type"
    assert "unknown event type" in answer["errors"][1]["message"]
    assert queue_depth(amqp_url, INGEST) == 0


def test_an_event_of_another_shop_is_forbidden(gateway: RunningGateway, amqp_url: str) -> None:
    body = _batch(order_placed(), order_placed(shop_id="shop-7"))

    reply = post_events(gateway.url, body, signed_headers(body))

    assert reply.status == 403
    assert reply.json()["errors"][0]["index"] == 1
    assert reply.json()["errors"][0]["path"] == "shop_id"
    assert queue_depth(amqp_url, INGEST) == 0


def test_a_dropped_broker_connection_is_replaced(gateway: RunningGateway, amqp_url: str) -> None:
    first = _batch(order_placed())
    assert post_events(gateway.url, first, signed_headers(first)).status == 202
    pool = gateway.app.state.gateway.pool
    [idle] = pool._idle
    idle.publisher._connection.close()  # as if the broker had gone away meanwhile

    second = _batch(order_placed(), order_placed())
    reply = post_events(gateway.url, second, signed_headers(second))

    assert reply.status == 202, reply.text
    assert queue_depth(amqp_url, INGEST) == 3


def test_without_a_bound_queue_nothing_is_claimed(
    amqp_url: str, start_gateway: Callable[[str], RunningGateway]
) -> None:
    gateway = start_gateway(amqp_url)  # no topology: nothing would receive the event
    body = _batch(order_placed(), order_placed())
    headers = signed_headers(body)

    reply = post_events(gateway.url, body, headers)

    assert reply.status == 503
    assert reply.headers["retry-after"] == "5"
    assert [r["status"] for r in reply.json()["results"]] == ["unroutable", "not_published"]
    assert "ingest" in reply.json()["message"]


def test_an_unreachable_broker_answers_503_and_the_request_may_be_retried(
    start_gateway: Callable[[str], RunningGateway],
) -> None:
    gateway = start_gateway("amqp://guest:guest@127.0.0.1:1/%2F")
    body = _batch(order_placed())
    headers = signed_headers(body)

    first = post_events(gateway.url, body, headers)
    again = post_events(gateway.url, body, headers)

    assert first.status == 503
    assert first.json()["results"][0]["status"] == "failed"
    assert "amqp" not in first.text  # the broker's address stays inside
    assert again.status == 503  # not "replayed": nothing was acted upon


def test_health(gateway: RunningGateway) -> None:
    reply = request(f"{gateway.url}/healthz")
    assert reply.status == 200
    assert reply.json() == {"status": "ok"}
