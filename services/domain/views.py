"""Read-only snapshots of the state a decision needs (the store builds them from its rows:
`services.runtime.store.view_rows`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class CustomerView:
    customer_id: str
    name: str | None
    email: str | None
    phone: str | None
    locale: str
    timezone: str
    marketing_consent: bool
    opted_out: bool


@dataclass(frozen=True)
class OrderView:
    order_id: str
    status: str
    total: Decimal
    currency: str
    items: tuple[dict[str, Any], ...]
    placed_at: datetime
    promised_delivery_by: str | None
    carrier: str | None
    tracking_number: str | None
    tracking_url: str | None
    estimated_delivery: str | None
    delivered_at: datetime | None
    cancelled_at: datetime | None


@dataclass(frozen=True)
class ReturnView:
    return_id: str
    kind: str
    status: str
    items: tuple[dict[str, Any], ...]
    requested_at: datetime
    received_at: datetime | None
    outcome: str | None
    refund_amount: Decimal | None
    source: str | None = None


@dataclass(frozen=True)
class TicketView:
    ticket_id: str
    channel: str
    priority: str
    subject: str
    order_id: str | None
    status: str
    opened_at: datetime
    first_replied_at: datetime | None
    awaiting_reply_since: datetime | None
    resolved_at: datetime | None
    callback_due_at: datetime | None
    callback_completed_at: datetime | None


@dataclass(frozen=True)
class World:
    """Everything known around one event or timer (any part may be absent)."""

    shop_id: str
    customer: CustomerView | None = None
    order: OrderView | None = None
    return_: ReturnView | None = None
    ticket: TicketView | None = None
