"""Two ingests creating the same customer at once: the batch that loses the race
is recorded again as a whole (the winner's row is then found), not event by event."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pika
import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from services.ingest import batch
from services.ingest.delivery import Delivery
from services.ingest.known import Known
from services.runtime.policies import load_policies
from services.runtime.store.models import Customer, EventRecord
from tests.support import factories


def delivery(n: int, event: dict[str, Any]) -> Delivery:
    return Delivery(n, "aftersale.events", event["type"], pika.BasicProperties(),
                    factories.to_bytes(event))  # fmt: skip


def test_a_batch_that_lost_a_race_for_a_customer_is_recorded_again_whole(
    pg_sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    sessions = pg_sessions
    events = [factories.order_placed(f"ord-clash{n}") for n in range(5)]  # one customer
    customer_id = events[0]["data"]["customer"]["customer_id"]
    loads, singles = [], []
    load = Known.load

    def load_then_lose_the_race(self: Known, evts: Any) -> None:
        load(self, evts)
        loads.append(1)
        if len(loads) == 1:  # the other ingest commits the customer meanwhile
            with sessions.begin() as other:
                other.execute(insert(Customer), [{
                    "shop_id": "shop-42", "customer_id": customer_id, "locale": "pl",
                    "timezone": "Europe/Warsaw", "marketing_consent": False,
                    "opted_out": False, "updated_at": datetime.now(UTC)}])  # fmt: skip

    monkeypatch.setattr(Known, "load", load_then_lose_the_race)
    record_single = batch._record_single
    monkeypatch.setattr(batch, "_record_single",
                        lambda *a, **k: singles.append(1) or record_single(*a, **k))  # fmt: skip

    outcome = batch.record_batch(
        [delivery(n, e) for n, e in enumerate(events)], sessions, load_policies(None),
        lambda: datetime.now(UTC),
    )  # fmt: skip

    assert outcome.recorded == 5 and len(outcome.dispatches) == 5
    assert len(loads) == 2  # the clash, then the whole batch again
    assert singles == []  # never one transaction per event
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(EventRecord)) == 5
        assert session.scalar(select(func.count()).select_from(Customer)) == 1
