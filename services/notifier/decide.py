"""What the customer is told on each event, and when we notice a late parcel. Pure.

Each message's idempotency source names the business fact (the order, the
parcel, the return, the ticket), not the event: the same fact published again
under a new event_id is told once.

Every function takes the state (`World`), the event or timer, the time now and
the shop's policies, and returns effects; nothing here reads a clock or a store.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import events as ev
from events.customers import DEFAULT_TIMEZONE
from services.domain.business_hours import add_business_time
from services.domain.effects import (
    AlertStaff,
    CancelTimer,
    Effect,
    NotifyCustomer,
    ScheduleTimer,
)
from services.domain.local_days import estimate_deadline
from services.domain.views import OrderView, World
from services.runtime.outbox import masked_customer
from services.runtime.policies import Policies

#: Timer kind for "no delivery by the estimate plus the grace".
DELIVERY_OVERDUE = "delivery_overdue"
#: `return.requested` source of the order page's withdrawal function.
WITHDRAWAL_FUNCTION = "withdrawal_function"
#: The consumer sends the goods back within 14 days of withdrawing (Article 14(1)).
SEND_BACK_WITHIN = timedelta(days=14)
#: Ticket channels whose customers get a "we will reply by" receipt.
RECEIPT_CHANNELS = frozenset({"email", "form", "social"})


def money(amount: Decimal, currency: str) -> dict[str, str]:
    return {"amount": str(amount), "currency": currency}


def _overdue_timer(order: OrderView, estimate: str, timezone: str, policies: Policies) -> Effect:
    due = estimate_deadline(estimate, timezone) + policies.shipping.delay_grace
    return ScheduleTimer(DELIVERY_OVERDUE, order.order_id, due, {"estimate": estimate})


def on_event(
    event: ev.EnvelopeBase, world: World, now: datetime, policies: Policies
) -> list[Effect]:
    """The notifier's reaction to one recorded event."""
    timezone = world.customer.timezone if world.customer else DEFAULT_TIMEZONE
    order, ret, ticket = world.order, world.return_, world.ticket
    match event:
        case ev.OrderPlaced(data=data) if order is not None:
            return [
                NotifyCustomer(
                    "order_confirmation",
                    f"order:{data.order_id}",
                    {
                        "order_id": data.order_id,
                        "items": list(order.items),
                        "total": money(order.total, order.currency),
                        "expected_delivery": order.promised_delivery_by,
                    },
                    order_id=data.order_id,
                )
            ]
        case ev.OrderShipped(data=data) if order is not None:
            estimate = data.estimated_delivery.isoformat()
            effects: list[Effect] = [
                NotifyCustomer(
                    "order_shipped",
                    f"shipped:{data.order_id}:{data.tracking_number}",
                    {
                        "order_id": data.order_id,
                        "carrier": data.carrier,
                        "tracking_number": data.tracking_number,
                        "tracking_url": data.tracking_url,
                        "estimated_delivery": estimate,
                    },
                    order_id=data.order_id,
                )
            ]
            if order.status not in ("delivered", "cancelled"):
                effects.append(_overdue_timer(order, estimate, timezone, policies))
            return effects
        case ev.ShipmentDelayed(data=data) if order is not None:
            estimate = data.new_estimated_delivery.isoformat()
            effects = [
                NotifyCustomer(
                    "shipment_delayed",
                    f"delayed:{data.order_id}:{estimate}",
                    {
                        "order_id": data.order_id,
                        "reason": data.reason,
                        "new_estimated_delivery": estimate,
                        "next_update_by": None,
                    },
                    order_id=data.order_id,
                )
            ]
            if order.status not in ("delivered", "cancelled"):
                effects.append(_overdue_timer(order, estimate, timezone, policies))
            return effects
        case ev.OrderDelivered(data=data) | ev.OrderCancelled(data=data):
            return [CancelTimer(DELIVERY_OVERDUE, data.order_id)]
        case ev.ReturnRequested(data=data) if ret is not None:
            if data.kind == "withdrawal" and data.source == WITHDRAWAL_FUNCTION:
                return _withdrawal_received(event, data, world, policies)
            return [_return_requested(event, data, now, policies)]
        case ev.ReturnReceived(data=data) if ret is not None and world.order is not None:
            if ret.kind == "complaint":
                decision_by = ret.requested_at + policies.complaints.reply_within
            elif ret.source == WITHDRAWAL_FUNCTION:  # counted from the notice (Article 13)
                decision_by = ret.requested_at + policies.withdrawal.refund_within
            else:
                decision_by = data.received_at + policies.withdrawal.refund_within
            return [
                NotifyCustomer(
                    "return_received",
                    f"received:{data.return_id}",
                    {
                        "order_id": world.order.order_id,
                        "return_id": data.return_id,
                        "return_kind": ret.kind,
                        "decision_by": decision_by.isoformat(),
                    },
                    order_id=world.order.order_id,
                )
            ]
        case ev.ReturnResolved(data=data) if world.order is not None:
            refund = (
                money(data.refund_amount, world.order.currency)
                if data.refund_amount is not None
                else None
            )
            return [
                NotifyCustomer(
                    "return_resolved",
                    f"resolved:{data.return_id}",
                    {
                        "order_id": world.order.order_id,
                        "return_id": data.return_id,
                        "outcome": data.outcome,
                        "refund_amount": refund,
                        "note": data.note,
                    },
                    order_id=world.order.order_id,
                )
            ]
        case ev.TicketOpened(data=data) if ticket is not None:
            if data.channel not in RECEIPT_CHANNELS:
                return []
            target = policies.sla_for(data.channel, data.priority)
            reply_by = add_business_time(
                ticket.opened_at, target.first_response, policies.business_hours
            )
            return [
                NotifyCustomer(
                    "ticket_received",
                    f"ticket:{data.ticket_id}",
                    {
                        "ticket_id": data.ticket_id,
                        "subject": data.subject,
                        "reply_by": reply_by.isoformat(),
                    },
                    order_id=data.order_id,
                    ticket_id=data.ticket_id,
                )
            ]
    return []


def _withdrawal_received(
    event: ev.EnvelopeBase, data: Any, world: World, policies: Policies
) -> list[Effect]:
    """The acknowledgement on a durable medium (Article 11a): what was withdrawn,
    when it was received, what happens next and by when; and the shop is told."""
    names = {item["sku"]: item["name"] for item in world.order.items} if world.order else {}
    items = [{"sku": i.sku, "name": names.get(i.sku), "quantity": i.quantity} for i in data.items]
    received_at = event.occurred_at
    context = {
        "order_id": data.order_id,
        "return_id": data.return_id,
        "items": items,
        "received_at": received_at.isoformat(),
        "send_back_by": (received_at + SEND_BACK_WITHIN).isoformat(),
        "refund_by": (received_at + policies.withdrawal.refund_within).isoformat(),
    }
    staff = {**context, "customer": masked_customer(world.customer)}
    return [
        NotifyCustomer("withdrawal_received", f"return:{data.return_id}", context,
                       order_id=data.order_id),
        AlertStaff("withdrawal_notice", f"withdrawal:{data.return_id}", 1, staff,
                   order_id=data.order_id),
    ]  # fmt: skip


def _return_requested(
    event: ev.EnvelopeBase, data: Any, now: datetime, policies: Policies
) -> NotifyCustomer:
    items = [{"sku": item.sku, "quantity": item.quantity} for item in data.items]
    if data.kind == "complaint":
        answer_by = event.occurred_at + policies.complaints.reply_within
        return NotifyCustomer(
            "complaint_received",
            f"return:{data.return_id}",
            {
                "order_id": data.order_id,
                "return_id": data.return_id,
                "answer_by": answer_by.isoformat(),
            },
            order_id=data.order_id,
        )
    return NotifyCustomer(
        "return_instructions",
        f"return:{data.return_id}",
        {
            "order_id": data.order_id,
            "return_id": data.return_id,
            "return_kind": data.kind,
            "items": items,
            "refund_within_days": policies.withdrawal.refund_within.days,
        },
        order_id=data.order_id,
    )


def on_delivery_overdue(
    world: World,
    *,
    timer_id: int,
    version: int,
    estimate: str,
    now: datetime,
    policies: Policies,
    customer_label: str,
) -> list[Effect]:
    """The estimate plus the grace passed with no delivery: tell the customer
    first (once per estimate), alert staff (once per firing), look again later."""
    order = world.order
    if order is None or order.status in ("delivered", "cancelled"):
        return []
    if order.estimated_delivery != estimate:
        return []  # a newer estimate re-armed the timer; this firing is stale
    timezone = world.customer.timezone if world.customer else DEFAULT_TIMEZONE
    overdue_since = estimate_deadline(estimate, timezone)
    look_again = now + policies.shipping.delay_grace
    return [
        NotifyCustomer(
            "shipment_delayed",
            f"overdue:{order.order_id}:{estimate}",
            {
                "order_id": order.order_id,
                "reason": None,
                "new_estimated_delivery": None,
                "next_update_by": look_again.isoformat(),
            },
            order_id=order.order_id,
        ),
        AlertStaff(
            "delivery_overdue",
            f"timer:{timer_id}:{version}",
            1,
            {
                "order_id": order.order_id,
                "customer": customer_label,
                "carrier": order.carrier,
                "tracking_number": order.tracking_number,
                "estimated_delivery": estimate,
                "overdue_by": int((now - overdue_since).total_seconds()),
                "policy": "shipping.delay_grace",
            },
            order_id=order.order_id,
        ),
        ScheduleTimer(DELIVERY_OVERDUE, order.order_id, look_again, {"estimate": estimate}),
    ]
