"""`/u/{token}` on a real uvicorn and a real broker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.gateway.unsubscribe import unsubscribe_event_id
from services.runtime import tokens
from tests.gateway.client import request, take_ingest
from tests.gateway.conftest import SECRET_KEY, RunningGateway
from tests.support.ingest import queue_depth


def _token(*, valid_for: timedelta = timedelta(days=30), key: str = SECRET_KEY) -> str:
    return tokens.sign(
        key,
        "unsubscribe",
        {"shop": "shop-42", "customer": "c-1"},
        datetime.now(UTC) + valid_for,
    )


def test_a_valid_link_opts_the_customer_out_once(gateway: RunningGateway, amqp_url: str) -> None:
    token = _token()

    first = request(f"{gateway.url}/u/{token}")
    second = request(f"{gateway.url}/u/{token}")  # a double click
    one_click = request(
        f"{gateway.url}/u/{token}", method="POST", body=b"List-Unsubscribe=One-Click"
    )

    for reply in (first, second, one_click):
        assert reply.status == 200
        assert reply.headers["content-type"].startswith("text/html")
        assert "You are unsubscribed" in reply.text
        assert "Wypisano Cię" in reply.text
        assert reply.headers["referrer-policy"] == "no-referrer"
    delivered = take_ingest(amqp_url)
    assert len(delivered) == 3
    assert {d.message_id for d in delivered} == {unsubscribe_event_id(token)}
    event = delivered[0].json()
    assert delivered[0].routing_key == "customer.updated"
    assert event["type"] == "customer.updated"
    assert event["event_id"] == unsubscribe_event_id(token)
    assert event["shop_id"] == "shop-42"
    assert event["data"] == {"customer_id": "c-1", "opted_out": True}
    assert {d.json()["event_id"] for d in delivered} == {event["event_id"]}


def test_a_tampered_link_changes_nothing(gateway: RunningGateway, amqp_url: str) -> None:
    token = _token()
    body, _, mac = token.partition(".")
    tampered = f"{body[:-2]}xx.{mac}"

    reply = request(f"{gateway.url}/u/{tampered}")

    assert reply.status == 400
    assert "the link has been altered" in reply.text
    assert "link został zmieniony" in reply.text
    assert request(f"{gateway.url}/u/{_token(key='another-key')}").status == 400
    assert queue_depth(amqp_url, "aftersale.ingest") == 0


def test_an_expired_link_changes_nothing(gateway: RunningGateway, amqp_url: str) -> None:
    reply = request(f"{gateway.url}/u/{_token(valid_for=timedelta(days=-1))}", method="POST")

    assert reply.status == 400
    assert "the link has expired" in reply.text
    assert queue_depth(amqp_url, "aftersale.ingest") == 0


def test_a_head_request_does_not_unsubscribe(gateway: RunningGateway, amqp_url: str) -> None:
    reply = request(f"{gateway.url}/u/{_token()}", method="HEAD")

    assert reply.status == 200
    assert queue_depth(amqp_url, "aftersale.ingest") == 0
