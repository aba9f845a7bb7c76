"""Store rows as the domain's read-only views (`services.domain.views`)."""

from __future__ import annotations

from services.domain.views import CustomerView, OrderView, ReturnView, TicketView
from services.runtime.store.models import Customer, Order, Return, Ticket


def customer_view(row: Customer) -> CustomerView:
    return CustomerView(
        row.customer_id,
        row.name,
        row.email,
        row.phone,
        row.locale,
        row.timezone,
        row.marketing_consent,
        row.opted_out,
    )


def order_view(row: Order) -> OrderView:
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
    return OrderView(
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


def return_view(row: Return) -> ReturnView:
    return ReturnView(
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


def ticket_view(row: Ticket) -> TicketView:
    return TicketView(
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
