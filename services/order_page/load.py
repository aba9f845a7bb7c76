"""Read one order's rows for its page: the order, its items and history, its
returns and the tickets about it, and its customer."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from services.order_page.model import HistoryStep, OrderFacts, ReturnFacts, TicketFacts
from services.runtime.order_links import OrderRef
from services.runtime.store.models import Order, Return, Ticket


def load_order(session: Session, ref: OrderRef) -> OrderFacts | None:
    """The order a link names, or None: a link never reaches another shop's order."""
    order = session.scalar(
        select(Order)
        .where(Order.shop_id == ref.shop_id, Order.order_id == ref.order_id)
        .options(
            selectinload(Order.items), selectinload(Order.history), selectinload(Order.customer)
        )
    )
    if order is None:
        return None
    returns = session.scalars(
        select(Return).where(Return.order_pk == order.id).order_by(Return.requested_at, Return.id)
    )
    tickets = session.scalars(
        select(Ticket)
        .where(Ticket.shop_id == ref.shop_id, Ticket.order_id == ref.order_id)
        .order_by(Ticket.opened_at, Ticket.id)
    )
    customer = order.customer
    return OrderFacts(
        shop_id=order.shop_id,
        order_id=order.order_id,
        status=order.status,
        total=order.total,
        currency=order.currency,
        items=[
            {"sku": i.sku, "name": i.name, "quantity": i.quantity, "unit_price": i.unit_price}
            for i in order.items
        ],
        placed_at=order.placed_at,
        carrier=order.carrier,
        tracking_number=order.tracking_number,
        tracking_url=order.tracking_url,
        delivered_at=order.delivered_at,
        cancelled_at=order.cancelled_at,
        history=[HistoryStep(h.status, h.at, dict(h.detail or {})) for h in order.history],
        returns=[
            ReturnFacts(
                r.return_id,
                r.kind,
                r.status,
                r.requested_at,
                r.received_at,
                r.resolved_at,
                r.outcome,
                r.source,
                list(r.items),
            )
            for r in returns
        ],
        tickets=[
            TicketFacts(
                t.ticket_id,
                t.subject,
                t.status,
                t.opened_at,
                t.reply_due_at or t.first_reply_due_at,
                t.resolved_at,
            )
            for t in tickets
        ],
        customer_name=customer.name,
        customer_email=customer.email,
        locale=customer.locale,
        timezone=customer.timezone,
    )
