"""Apply an accepted event to the current state: customers, orders, returns, tickets.

Runs inside the ingest's transaction, right after the event is logged, so the
state a later event's parent check sees is always that of the log.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

import events as ev
from services.runtime.store import state
from services.runtime.store.models import (
    Customer,
    Feedback,
    Order,
    OrderItem,
    OrderStatusChange,
    Return,
    Ticket,
)

#: Order statuses by how far along they are; an order never moves back.
STATUS_RANK = {"placed": 0, "shipped": 1, "delayed": 1, "delivered": 2, "cancelled": 3}


def next_status(current: str, incoming: str) -> str:
    """A late `order.shipped` after `order.delivered` must not undo the delivery."""
    if current == "cancelled":
        return current
    return incoming if STATUS_RANK[incoming] >= STATUS_RANK[current] else current


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def upsert_customer(
    session: Session, shop_id: str, fields: dict[str, Any], now: datetime
) -> Customer:
    """Create the customer, or change only the fields the event carried."""
    row = state.customer(session, shop_id, fields["customer_id"])
    if row is None:
        row = Customer(shop_id=shop_id, customer_id=fields["customer_id"], updated_at=now)
        row.locale, row.timezone = "pl", "Europe/Warsaw"
        row.marketing_consent, row.opted_out = False, False
        session.add(row)
    for name, value in fields.items():
        if name != "customer_id" and value is not None:
            setattr(row, name, value)
    row.updated_at = now
    session.flush()
    return row


def _present(model: Any) -> dict[str, Any]:
    return {name: getattr(model, name) for name in model.model_fields_set}


def _history(order: Order, status: str, event: ev.EnvelopeBase, **detail: Any) -> None:
    order.history.append(
        OrderStatusChange(
            status=status,
            at=event.occurred_at,
            event_id=event.event_id,
            detail={k: v for k, v in detail.items() if v is not None} or None,
        )
    )
    order.status = next_status(order.status, status)


def _order(session: Session, event: ev.EnvelopeBase, order_id: str) -> Order:
    row = state.order(session, event.shop_id, order_id)
    if row is None:  # the parent check ran first; this is a bug if reached
        raise LookupError(f"order {order_id!r} vanished during ingest")
    return row


def _return(session: Session, event: ev.EnvelopeBase, return_id: str) -> Return:
    row = state.return_(session, event.shop_id, return_id)
    if row is None:
        raise LookupError(f"return {return_id!r} vanished during ingest")
    return row


def _ticket(session: Session, event: ev.EnvelopeBase, ticket_id: str) -> Ticket:
    row = state.ticket(session, event.shop_id, ticket_id)
    if row is None:
        raise LookupError(f"ticket {ticket_id!r} vanished during ingest")
    return row


def apply_event(
    session: Session, event: ev.EnvelopeBase, now: datetime
) -> tuple[str | None, str | None]:
    """Change the state for `event`; returns the (order_id, ticket_id) it belongs to."""
    match event:
        case ev.OrderPlaced(data=data):
            if state.order(session, event.shop_id, data.order_id) is not None:
                return data.order_id, None  # placed again under a new event_id: keep the first
            customer = upsert_customer(session, event.shop_id, _present(data.customer), now)
            order = Order(
                shop_id=event.shop_id,
                order_id=data.order_id,
                customer_pk=customer.id,
                status="placed",
                total=data.total,
                currency=data.currency,
                placed_at=event.occurred_at,
                promised_delivery_by=_iso(data.promised_delivery_by),
            )
            order.items = [
                OrderItem(
                    sku=item.sku,
                    name=item.name,
                    quantity=item.quantity,
                    unit_price=item.unit_price,
                    category=item.category,
                )
                for item in data.items
            ]
            session.add(order)
            _history(order, "placed", event)
            return data.order_id, None
        case ev.OrderShipped(data=data):
            order = _order(session, event, data.order_id)
            order.carrier, order.tracking_number = data.carrier, data.tracking_number
            order.tracking_url = data.tracking_url
            order.estimated_delivery = _iso(data.estimated_delivery)
            _history(order, "shipped", event, estimated_delivery=order.estimated_delivery)
            return data.order_id, None
        case ev.ShipmentDelayed(data=data):
            order = _order(session, event, data.order_id)
            order.estimated_delivery = _iso(data.new_estimated_delivery)
            _history(
                order,
                "delayed",
                event,
                reason=data.reason,
                estimated_delivery=order.estimated_delivery,
            )
            return data.order_id, None
        case ev.OrderDelivered(data=data):
            order = _order(session, event, data.order_id)
            order.delivered_at = data.delivered_at
            _history(order, "delivered", event)
            return data.order_id, None
        case ev.OrderCancelled(data=data):
            order = _order(session, event, data.order_id)
            order.cancelled_at = event.occurred_at
            _history(order, "cancelled", event, reason=data.reason)
            return data.order_id, None
        case ev.ReturnRequested(data=data):
            order = _order(session, event, data.order_id)
            if state.return_(session, event.shop_id, data.return_id) is None:
                session.add(
                    Return(
                        shop_id=event.shop_id,
                        return_id=data.return_id,
                        order_pk=order.id,
                        kind=data.kind,
                        reason=data.reason,
                        items=[item.model_dump() for item in data.items],
                        status="requested",
                        requested_at=event.occurred_at,
                    )
                )
            return data.order_id, None
        case ev.ReturnReceived(data=data):
            ret = _return(session, event, data.return_id)
            ret.received_at = data.received_at
            if ret.status == "requested":
                ret.status = "received"
            return ret.order.order_id, None
        case ev.ReturnResolved(data=data):
            ret = _return(session, event, data.return_id)
            ret.status, ret.outcome = "resolved", data.outcome
            ret.refund_amount, ret.resolved_at = data.refund_amount, event.occurred_at
            return ret.order.order_id, None
        case ev.FeedbackReceived(data=data):
            if state.feedback(session, event.shop_id, data.feedback_id) is not None:
                return data.order_id, None  # the same answer under a new event_id
            session.add(
                Feedback(
                    shop_id=event.shop_id,
                    feedback_id=data.feedback_id,
                    customer_id=data.customer_id,
                    order_id=data.order_id,
                    scale=data.scale,
                    score=data.score,
                    channel=data.channel,
                    comment=data.comment,
                    received_at=event.occurred_at,
                )
            )
            return data.order_id, None
        case ev.TicketOpened(data=data):
            if state.ticket(session, event.shop_id, data.ticket_id) is None:
                customer = upsert_customer(session, event.shop_id, _present(data.customer), now)
                session.add(
                    Ticket(
                        shop_id=event.shop_id,
                        ticket_id=data.ticket_id,
                        customer_pk=customer.id,
                        channel=data.channel,
                        priority=data.priority,
                        subject=data.subject,
                        order_id=data.order_id,
                        status="open",
                        opened_at=event.occurred_at,
                    )
                )
            return data.order_id, data.ticket_id
        case ev.TicketReplied(data=data):
            ticket = _ticket(session, event, data.ticket_id)
            if ticket.status != "resolved":
                if data.author == "agent":
                    ticket.first_replied_at = ticket.first_replied_at or data.replied_at
                    ticket.awaiting_reply_since, ticket.status = None, "answered"
                else:
                    ticket.awaiting_reply_since, ticket.status = data.replied_at, "awaiting_reply"
            return ticket.order_id, data.ticket_id
        case ev.TicketResolved(data=data):
            ticket = _ticket(session, event, data.ticket_id)
            ticket.status, ticket.resolved_at = "resolved", data.resolved_at
            ticket.awaiting_reply_since = None
            return ticket.order_id, data.ticket_id
        case ev.CallbackPromised(data=data):
            ticket = _ticket(session, event, data.ticket_id)
            ticket.callback_due_at, ticket.callback_completed_at = data.due_at, None
            return ticket.order_id, data.ticket_id
        case ev.CallbackCompleted(data=data):
            ticket = _ticket(session, event, data.ticket_id)
            ticket.callback_completed_at = data.completed_at
            return ticket.order_id, data.ticket_id
        case ev.CustomerUpdatedEvent(data=data):
            upsert_customer(session, event.shop_id, _present(data), now)
            return None, None
    raise TypeError(f"no projection for event type {event.type!r}")


def parent_exists(session: Session, shop_id: str, kind: str, parent_id: str) -> bool:
    lookup = {"order": state.order, "return": state.return_, "ticket": state.ticket}[kind]
    return lookup(session, shop_id, parent_id) is not None
