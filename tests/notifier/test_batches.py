"""A worker handles a batch of recorded events in one transaction: each event
once, a customer's messages in the order of their events, whichever batch
comes first."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pika
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from services.ingest.batch import record_batch
from services.ingest.delivery import Delivery
from services.notifier.decide import on_event
from services.runtime.actor_kit import handle_recorded_events
from services.runtime.event_batch import Dispatched
from services.runtime.policies import load_policies
from services.runtime.rendering import Renderer
from services.runtime.settings import Settings
from services.runtime.store.models import HandledEvent, Notification
from services.runtime.workers import WorkerContext
from tests.support import factories


def record(sessions: sessionmaker[Session], *events: dict[str, Any]) -> list[Dispatched]:
    """Record events as the ingest does; their dispatches, in log order."""
    properties = pika.BasicProperties()
    deliveries = [
        Delivery(n, "aftersale.events", e["type"], properties, json.dumps(e).encode())
        for n, e in enumerate(events, start=1)
    ]
    outcome = record_batch(deliveries, sessions, load_policies(None), lambda: datetime.now(UTC))
    assert not outcome.dead_letters, outcome.dead_letters
    return [Dispatched(d.shop_id, d.event_id, d.type) for d in outcome.dispatches]


def context_for(database_url: str, sessions: sessionmaker[Session], tmp: Path) -> WorkerContext:
    settings = Settings(database_url=database_url, secret_key="t", outbox_dir=tmp)
    context = WorkerContext(settings, sessions, load_policies(None))
    context.extras.update(renderer=Renderer(), secret_key="t")
    return context


def kinds_in_order(sessions: sessionmaker[Session], order_id: str) -> list[str]:
    with sessions() as session:
        query = select(Notification.kind).where(Notification.order_id == order_id)
        return list(session.scalars(query.order_by(Notification.id)))


def test_a_batch_is_handled_once_and_a_redelivery_changes_nothing(
    database_url: str, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    dispatched = record(sessions, *(factories.order_placed(f"ord-b{n}") for n in range(30)))
    context = context_for(database_url, sessions, tmp_path)
    first = handle_recorded_events(context, "notifier", dispatched, on_event)
    again = handle_recorded_events(context, "notifier", dispatched, on_event)
    assert (first.handled, first.skipped) == (30, 0)
    assert (again.handled, again.skipped) == (0, 30)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Notification)) == 30
        assert session.scalar(select(func.count()).select_from(HandledEvent)) == 30


def test_a_later_event_handled_first_brings_its_earlier_one_along_in_order(
    database_url: str, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    placed, shipped = record(
        sessions, factories.order_placed("ord-seq"), factories.order_shipped("ord-seq")
    )
    context = context_for(database_url, sessions, tmp_path)
    # The shipment's batch is taken before the placement's (another thread was faster).
    later = handle_recorded_events(context, "notifier", [shipped], on_event)
    assert (later.handled, later.earlier) == (1, 1)
    assert kinds_in_order(sessions, "ord-seq") == ["order_confirmation", "order_shipped"]
    earlier = handle_recorded_events(context, "notifier", [placed], on_event)
    assert (earlier.handled, earlier.skipped) == (0, 1)
    assert kinds_in_order(sessions, "ord-seq") == ["order_confirmation", "order_shipped"]


def test_events_of_one_batch_are_handled_in_log_order_whatever_the_message_says(
    database_url: str, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    placed, shipped = record(
        sessions, factories.order_placed("ord-rev"), factories.order_shipped("ord-rev")
    )
    context = context_for(database_url, sessions, tmp_path)
    handle_recorded_events(context, "notifier", [shipped, placed], on_event)
    assert kinds_in_order(sessions, "ord-rev") == ["order_confirmation", "order_shipped"]
