"""Read-only snapshots of the state a decision needs; built from store rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from services.runtime.store.models import Customer, Order, Return, Ticket


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

    @classmethod
    def of(cls, row: Customer) -> CustomerView:
        return cls(
            row.customer_id,
            row.name,
            row.email,
            row.phone,
            row.locale,
            row.timezone,
            row.marketing_consent,
            row.opted_out,
        )


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

    @classmethod
    def of(cls, row: Order) -> OrderView:
        items = tuple(
            {
                "sku": item.sku,
                "name": item.name,
                "quantity": item.quantity,
                "unit_price": {"amount": str(item.unit_price), "currency": row.currency},
                "category": item.category,
            }
            for item in row.items
        )
        return cls(
            row.order_id,
            row.status,
            row.total,
            row.currency,
            items,
            row.placed_at,
            row.promised_delivery_by,
            row.carrier,
            row.tracking_number,
            row.tracking_url,
            row.estimated_delivery,
            row.delivered_at,
            row.cancelled_at,
        )


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

    @classmethod
    def of(cls, row: Return) -> ReturnView:
        return cls(
            row.return_id,
            row.kind,
            row.status,
            tuple(row.items),
            row.requested_at,
            row.received_at,
            row.outcome,
            row.refund_amount,
            row.source,
        )


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

    @classmethod
    def of(cls, row: Ticket) -> TicketView:
        return cls(
            row.ticket_id,
            row.channel,
            row.priority,
            row.subject,
            row.order_id,
            row.status,
            row.opened_at,
            row.first_replied_at,
            row.awaiting_reply_since,
            row.resolved_at,
            row.callback_due_at,
            row.callback_completed_at,
        )


@dataclass(frozen=True)
class World:
    """Everything known around one event or timer (any part may be absent)."""

    shop_id: str
    customer: CustomerView | None = None
    order: OrderView | None = None
    return_: ReturnView | None = None
    ticket: TicketView | None = None
