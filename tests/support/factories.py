"""Realistic event envelopes for tests, as dicts (so tests can also break them)."""

from __future__ import annotations

import itertools
import json
from datetime import date, timedelta
from typing import Any

_counter = itertools.count(1)


def _next_id(prefix: str) -> str:
    return f"{prefix}-{next(_counter):06d}"


def days_ahead(days: int) -> str:
    """A whole day `days` after today: estimates stay in the future whenever the
    suite runs (a fixed date would make the delay check fire once it passed)."""
    return (date.today() + timedelta(days=days)).isoformat()


def envelope(event_type: str, data: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    body = {
        "event_id": _next_id("evt"),
        "type": event_type,
        "schema_version": 1,
        "occurred_at": "2026-11-23T10:15:00+01:00",
        "shop_id": "shop-42",
        "data": data,
    }
    body.update(overrides)
    return body


def customer(customer_id: str = "c-1", **fields: Any) -> dict[str, Any]:
    return {
        "customer_id": customer_id,
        "email": "jan.kowalski@example.com",
        "name": "Jan Kowalski",
        "locale": "pl",
        "timezone": "Europe/Warsaw",
        **fields,
    }


def order_placed(order_id: str | None = None, **overrides: Any) -> dict[str, Any]:
    return envelope(
        "order.placed",
        {
            "order_id": order_id or _next_id("ord"),
            "customer": customer(),
            "items": [
                {"sku": "MUG-1", "name": "Kubek", "quantity": 2, "unit_price": "39.90"},
                {"sku": "TEA-7", "name": "Herbata", "quantity": 1, "unit_price": "24.50"},
            ],
            "total": "104.30",
            "currency": "PLN",
        },
        **overrides,
    )


def order_shipped(order_id: str, **overrides: Any) -> dict[str, Any]:
    return envelope(
        "order.shipped",
        {
            "order_id": order_id,
            "carrier": "InPost",
            "tracking_number": "6200123456789",
            "estimated_delivery": days_ahead(3),
        },
        **overrides,
    )


def ticket_opened(ticket_id: str | None = None, **overrides: Any) -> dict[str, Any]:
    return envelope(
        "ticket.opened",
        {
            "ticket_id": ticket_id or _next_id("tkt"),
            "customer": customer(),
            "channel": "email",
            "priority": "normal",
            "subject": "Gdzie jest moja paczka?",
        },
        **overrides,
    )


def to_bytes(event: dict[str, Any]) -> bytes:
    return json.dumps(event, ensure_ascii=False).encode()
