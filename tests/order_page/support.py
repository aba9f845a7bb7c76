"""An order's life recorded as the ingest records it (and the escalator's clocks
set), with times relative to now; and its page's URL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from services.escalator.decide import on_event as escalator_reacts
from services.runtime.actor_kit import handle_recorded_events
from services.runtime.order_links import OrderRef, order_page_url
from services.runtime.policies import load_policies
from tests.notifier.test_batches import context_for, record
from tests.support import factories

SECRET = "order-page-test-key"
PEOPLE = {
    "pl": {"name": "Anna Kowalska", "email": "anna.kowalska@example.com",
           "timezone": "Europe/Warsaw"},
    "en": {"name": "Emma Walker", "email": "emma.walker@example.com", "timezone": "Europe/London"},
}  # fmt: skip


def _at(when: datetime) -> str:
    return when.isoformat(timespec="seconds")


def order_story(
    sessions: sessionmaker[Session],
    database_url: str,
    tmp: Path,
    order_id: str,
    *,
    locale: str = "pl",
    delivered_days_ago: int | None = 2,
    complaint: bool = True,
    ticket: bool = True,
) -> datetime:
    """Placed ten days ago, shipped, delayed once (the first estimate crossed out),
    delivered (or not), a complaint and an open ticket; returns now."""
    now = datetime.now(UTC)
    person = PEOPLE[locale]
    customer = factories.customer(f"c-{order_id}", locale=locale, **person)
    events: list[dict[str, Any]] = [
        factories.envelope("order.placed",
                           {**factories.order_placed(order_id)["data"], "customer": customer},
                           occurred_at=_at(now - timedelta(days=10))),
        factories.envelope("order.shipped", {
            "order_id": order_id, "carrier": "InPost", "tracking_number": "6200123456789",
            "tracking_url": "https://inpost.pl/sledzenie-przesylek?number=6200123456789",
            "estimated_delivery": (now - timedelta(days=7)).date().isoformat()},
            occurred_at=_at(now - timedelta(days=9))),
        factories.envelope("shipment.delayed", {
            "order_id": order_id, "reason": "Opóźnienie w sortowni <b>przewoźnika</b>",
            "new_estimated_delivery": (now - timedelta(days=5)).date().isoformat()},
            occurred_at=_at(now - timedelta(days=8))),
    ]  # fmt: skip
    if delivered_days_ago is not None:
        delivered = now - timedelta(days=delivered_days_ago)
        data = {"order_id": order_id, "delivered_at": _at(delivered)}
        events.append(factories.envelope("order.delivered", data, occurred_at=_at(delivered)))
    if complaint:
        events.append(factories.envelope("return.requested", {
            "return_id": f"{order_id}-R1", "order_id": order_id, "kind": "complaint",
            "reason": "Pęknięty kubek", "items": [{"sku": "MUG-1", "quantity": 1}]},
            occurred_at=_at(now - timedelta(days=1))))  # fmt: skip
    if ticket:
        events.append(factories.envelope("ticket.opened", {
            "ticket_id": f"{order_id}-T1", "customer": customer, "channel": "email",
            "priority": "normal", "subject": "Kiedy odpowiedź w sprawie reklamacji?",
            "order_id": order_id}, occurred_at=_at(now - timedelta(hours=1))))  # fmt: skip
    dispatched = record(sessions, *events)
    tickets = [d for d in dispatched if d.type == "ticket.opened"]
    if tickets:  # the reply clock, which the escalator sets
        context = context_for(database_url, sessions, tmp)
        handle_recorded_events(context, "escalator", tickets, escalator_reacts)
    return now


def page_url(base: str, order_id: str, shop_id: str = "shop-42", secret: str = SECRET) -> str:
    policies = load_policies(None).for_shop(shop_id)
    url = order_page_url(secret, base, OrderRef(shop_id, order_id), datetime.now(UTC), policies)
    return url
