"""A captured request is refused by every gateway on the store, and after a restart."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from services.runtime.topology import INGEST_QUEUE
from tests.gateway.client import post_events, signed_headers
from tests.gateway.conftest import RunningGateway, declare_topology
from tests.support.factories import order_placed, to_bytes
from tests.support.ingest import queue_depth


def test_a_request_accepted_by_one_gateway_is_refused_by_another_and_after_a_restart(
    amqp_url: str, database_url: str, start_gateway: Callable[..., RunningGateway]
) -> None:
    declare_topology(amqp_url)
    first = start_gateway(amqp_url, database_url)
    second = start_gateway(amqp_url, database_url)  # its own app, engine and port
    body = to_bytes(order_placed())
    captured = signed_headers(body)

    assert post_events(first.url, body, captured).status == 202
    replayed = post_events(second.url, body, captured)
    assert (replayed.status, replayed.json()["error"]) == (401, "replayed")

    first.stop()
    restarted = start_gateway(amqp_url, database_url)
    assert post_events(restarted.url, body, captured).json()["error"] == "replayed"
    assert post_events(second.url, body, captured).json()["error"] == "replayed"

    # The same events, signed anew, are a new request (the ingest de-duplicates them).
    fresh = signed_headers(body, timestamp=int(time.time()) + 1)
    assert post_events(second.url, body, fresh).status == 202
    assert queue_depth(amqp_url, INGEST_QUEUE) == 2


def test_without_its_store_the_gateway_answers_503_and_the_request_may_be_retried(
    amqp_url: str, tmp_path: Path, start_gateway: Callable[..., RunningGateway]
) -> None:
    declare_topology(amqp_url)
    gateway = start_gateway(amqp_url, f"sqlite:///{tmp_path / 'never-migrated.db'}")
    body = to_bytes(order_placed())
    headers = signed_headers(body)

    first = post_events(gateway.url, body, headers)

    assert first.status == 503
    assert first.headers["retry-after"] == "5"
    assert "store" in first.json()["message"]
    assert "gateway_replays" not in first.text and "SELECT" not in first.text
    assert queue_depth(amqp_url, INGEST_QUEUE) == 0
    assert post_events(gateway.url, body, headers).status == 503  # not "replayed"
