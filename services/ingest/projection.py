"""Apply an accepted event to the current state: customers, orders, returns, tickets.

Runs inside the ingest's transaction, right after the event is logged, so the
state a later event's parent check sees is always that of the log.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

import events as ev
from events.customers import DEFAULT_LOCALE, DEFAULT_TIMEZONE
from services.domain import transitions
from services.domain.transitions import Conversation
from services.ingest.known import Known
from services.runtime.store.models import (
    Customer,
    Feedback,
    Order,
    Return,
    Ticket,
)


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def upsert_customer(known: Known, shop_id: str, fields: dict[str, Any], now: datetime) -> Customer:
    """Create the customer, or change only the fields the event carried."""
    key = (shop_id, fields["customer_id"])
    row = known.customers.get(key)
    if row is None:
        row = Customer(shop_id=shop_id, customer_id=fields["customer_id"], updated_at=now)
        row.locale, row.timezone = DEFAULT_LOCALE, DEFAULT_TIMEZONE
        row.marketing_consent, row.opted_out = False, False
        known.session.add(row)
        known.customers[key] = row
    changed = False
    for name, value in fields.items():
        if name != "customer_id" and value is not None and getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    if changed:  # a returning customer with the same data costs no UPDATE
        row.updated_at = now
    return row


def _conversation(ticket: Ticket) -> Conversation:
    return Conversation(
        status=ticket.status,
        first_replied_at=ticket.first_replied_at,
        last_agent_reply_at=ticket.last_agent_reply_at,
        last_customer_reply_at=ticket.last_customer_reply_at,
        awaiting_reply_since=ticket.awaiting_reply_since,
    )


def _keep_conversation(ticket: Ticket, conversation: Conversation) -> None:
    ticket.status = conversation.status
    ticket.first_replied_at = conversation.first_replied_at
    ticket.last_agent_reply_at = conversation.last_agent_reply_at
    ticket.last_customer_reply_at = conversation.last_customer_reply_at
    ticket.awaiting_reply_since = conversation.awaiting_reply_since


def _present(model: Any) -> dict[str, Any]:
    return {name: getattr(model, name) for name in model.model_fields_set}


def _history(
    known: Known, order: Order, status: str, event: ev.EnvelopeBase, **detail: Any
) -> None:
    known.pending_history.append(
        (
            order,
            {
                "status": status,
                "at": event.occurred_at,
                "event_id": event.event_id,
                "detail": {k: v for k, v in detail.items() if v is not None} or None,
            },
        )
    )
    order.status = transitions.next_order_status(order.status, status)


def _order(known: Known, event: ev.EnvelopeBase, order_id: str) -> Order:
    row = known.orders.get((event.shop_id, order_id))
    if row is None:  # the parent check ran first; this is a bug if reached
        raise LookupError(f"order {order_id!r} vanished during ingest")
    return row


def _return(known: Known, event: ev.EnvelopeBase, return_id: str) -> Return:
    row = known.returns.get((event.shop_id, return_id))
    if row is None:  # the parent check ran first; this is a bug if reached
        raise LookupError(f"return {return_id!r} vanished during ingest")
    return row


def _ticket(known: Known, event: ev.EnvelopeBase, ticket_id: str) -> Ticket:
    row = known.tickets.get((event.shop_id, ticket_id))
    if row is None:  # the parent check ran first; this is a bug if reached
        raise LookupError(f"ticket {ticket_id!r} vanished during ingest")
    return row


def apply_event(
    session: Session, event: ev.EnvelopeBase, now: datetime, known: Known | None = None
) -> tuple[str | None, str | None]:
    """Change the state for `event`; returns the (order_id, ticket_id) it belongs to."""
    if known is None:  # on its own (tests, tools): write what it changed at once
        known = Known(session)
        known.load([event])
        result = _apply(known, event, now)
        known.write()
        return result
    return _apply(known, event, now)


def _apply(known: Known, event: ev.EnvelopeBase, now: datetime) -> tuple[str | None, str | None]:
    session = known.session
    match event:
        case ev.OrderPlaced(data=data):
            if (event.shop_id, data.order_id) in known.orders:
                return data.order_id, None  # placed again under a new event_id: keep the first
            customer = upsert_customer(known, event.shop_id, _present(data.customer), now)
            order = Order(
                shop_id=event.shop_id,
                order_id=data.order_id,
                customer=customer,
                status=transitions.PLACED,
                total=data.total,
                currency=data.currency,
                placed_at=event.occurred_at,
                promised_delivery_by=_iso(data.promised_delivery_by),
            )
            known.pending_items += [
                (
                    order,
                    {
                        "sku": item.sku,
                        "name": item.name,
                        "quantity": item.quantity,
                        "unit_price": item.unit_price,
                        "category": item.category,
                    },
                )
                for item in data.items
            ]
            session.add(order)
            known.orders[(event.shop_id, data.order_id)] = order
            _history(known, order, transitions.PLACED, event)
            return data.order_id, None
        case ev.OrderShipped(data=data):
            order = _order(known, event, data.order_id)
            order.carrier, order.tracking_number = data.carrier, data.tracking_number
            order.tracking_url = data.tracking_url
            order.estimated_delivery = _iso(data.estimated_delivery)
            _history(
                known,
                order,
                transitions.SHIPPED,
                event,
                estimated_delivery=order.estimated_delivery,
            )
            return data.order_id, None
        case ev.ShipmentDelayed(data=data):
            order = _order(known, event, data.order_id)
            order.estimated_delivery = _iso(data.new_estimated_delivery)
            _history(
                known,
                order,
                transitions.DELAYED,
                event,
                reason=data.reason,
                estimated_delivery=order.estimated_delivery,
            )
            return data.order_id, None
        case ev.OrderDelivered(data=data):
            order = _order(known, event, data.order_id)
            order.delivered_at = data.delivered_at
            _history(known, order, transitions.DELIVERED, event)
            return data.order_id, None
        case ev.OrderCancelled(data=data):
            order = _order(known, event, data.order_id)
            order.cancelled_at = event.occurred_at
            _history(known, order, transitions.CANCELLED, event, reason=data.reason)
            return data.order_id, None
        case ev.ReturnRequested(data=data):
            order = _order(known, event, data.order_id)
            if (event.shop_id, data.return_id) not in known.returns:
                ret = Return(
                    shop_id=event.shop_id,
                    return_id=data.return_id,
                    order=order,
                    kind=data.kind,
                    reason=data.reason,
                    items=[item.model_dump() for item in data.items],
                    status=transitions.REQUESTED,
                    requested_at=event.occurred_at,
                    source=data.source,
                )
                session.add(ret)
                known.returns[(event.shop_id, data.return_id)] = ret
            return data.order_id, None
        case ev.ReturnReceived(data=data):
            ret = _return(known, event, data.return_id)
            ret.received_at = data.received_at
            ret.status = transitions.return_received(ret.status)
            return ret.order.order_id, None
        case ev.ReturnResolved(data=data):
            ret = _return(known, event, data.return_id)
            ret.status, ret.outcome = transitions.RESOLVED, data.outcome
            ret.refund_amount, ret.resolved_at = data.refund_amount, event.occurred_at
            return ret.order.order_id, None
        case ev.FeedbackReceived(data=data):
            if (event.shop_id, data.feedback_id) in known.feedback:
                return data.order_id, None  # the same answer under a new event_id
            known.feedback.add((event.shop_id, data.feedback_id))
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
            if (event.shop_id, data.ticket_id) not in known.tickets:
                customer = upsert_customer(known, event.shop_id, _present(data.customer), now)
                ticket = Ticket(
                    shop_id=event.shop_id,
                    ticket_id=data.ticket_id,
                    customer=customer,
                    channel=data.channel,
                    priority=data.priority,
                    subject=data.subject,
                    order_id=data.order_id,
                    status=transitions.OPEN,
                    opened_at=event.occurred_at,
                )
                session.add(ticket)
                known.tickets[(event.shop_id, data.ticket_id)] = ticket
            return data.order_id, data.ticket_id
        case ev.TicketReplied(data=data):
            ticket = _ticket(known, event, data.ticket_id)
            conversation = _conversation(ticket)
            _keep_conversation(ticket, transitions.replied(conversation, data.author,
                                                           data.replied_at))  # fmt: skip
            return ticket.order_id, data.ticket_id
        case ev.TicketResolved(data=data):
            ticket = _ticket(known, event, data.ticket_id)
            _keep_conversation(ticket, transitions.resolved(_conversation(ticket)))
            ticket.resolved_at = data.resolved_at
            return ticket.order_id, data.ticket_id
        case ev.CallbackPromised(data=data):
            ticket = _ticket(known, event, data.ticket_id)
            ticket.callback_due_at, ticket.callback_completed_at = data.due_at, None
            return ticket.order_id, data.ticket_id
        case ev.CallbackCompleted(data=data):
            ticket = _ticket(known, event, data.ticket_id)
            ticket.callback_completed_at = data.completed_at
            return ticket.order_id, data.ticket_id
        case ev.CustomerUpdatedEvent(data=data):
            upsert_customer(known, event.shop_id, _present(data), now)
            return None, None
    raise TypeError(f"no projection for event type {event.type!r}")


def parent_exists(known: Known, shop_id: str, kind: str, parent_id: str) -> bool:
    return known.has(kind, shop_id, parent_id)
