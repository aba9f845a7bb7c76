"""Two events of one order published back to back reach the customer in that
order, under a burst, with batches, several worker threads and several senders."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from services.publishing.publisher import EventPublisher
from services.runtime.policies import parse_policies
from services.runtime.settings import Settings
from tests.support import factories
from tests.support.polling import wait_until
from tests.support.smtp import smtp_sink
from tests.support.system import running_system

pytestmark = pytest.mark.slow

ORDERS = 150


def pair(n: int) -> list[dict[str, Any]]:
    order_id = f"ord-seq-{n}"
    placed = factories.order_placed(order_id)
    placed["data"]["customer"] = factories.customer(f"c-seq-{n}", email=f"c{n}@example.com")
    return [placed, factories.order_shipped(order_id)]


def test_a_customer_gets_the_confirmation_before_the_shipment_notice(
    amqp_url: str, database_url: str, tmp_path: Path
) -> None:
    events = [event for n in range(ORDERS) for event in pair(n)]
    with smtp_sink() as (inbox, port):
        settings = Settings(
            amqp_url=amqp_url,
            database_url=database_url,
            smtp_url=f"smtp://127.0.0.1:{port}",
            secret_key="t",
            outbox_dir=tmp_path / "outbox",
            deliverer_concurrency=4,
        )
        with running_system(settings, parse_policies("")):
            with EventPublisher(amqp_url) as publisher:
                for event in events:
                    assert publisher.publish_event(event) == "confirmed"
            wait_until(lambda: len(inbox.messages) >= 2 * ORDERS, timeout=120, what="all emails")
    arrivals: dict[str, list[str]] = {}
    for message in inbox.messages:
        arrivals.setdefault(str(message["To"]), []).append(str(message["X-Aftersale-Kind"]))
    assert len(arrivals) == ORDERS
    out_of_order = {to: kinds for to, kinds in arrivals.items()
                    if kinds != ["order_confirmation", "order_shipped"]}  # fmt: skip
    assert not out_of_order, out_of_order
