"""When to ask a customer how it went, and when not to. Pure.

The rules are checked when the check-in is due, not only when it is set: an
order with an open return, complaint or ticket, a recent check-in to the same
customer, a cancelled or fully refunded order, all mean no check-in, recorded
with the reason. Quiet hours move it to the morning.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import events as ev
from services.checkins.quiet import end_of_quiet
from services.domain.durations import format_duration
from services.domain.effects import CancelTimer, Effect, NotifyCustomer, ScheduleTimer
from services.domain.views import World
from services.runtime.policies import Policies

CHECKIN = "checkin"


def on_event(
    event: ev.EnvelopeBase, world: World, now: datetime, policies: Policies
) -> list[Effect]:
    """Arm the check-in on delivery (its rules are checked when it is due); disarm it on
    cancellation. `now` is unused: the delay runs from the delivery time."""
    order = world.order
    match event:
        case ev.OrderDelivered(data=data) if order is not None:
            if order.status == "cancelled":
                return []
            categories = {item.get("category") for item in order.items} or {None}
            wait = max(policies.checkins.after_delivery_for(c) for c in categories)
            return [ScheduleTimer(CHECKIN, data.order_id, data.delivered_at + wait)]
        case ev.OrderCancelled(data=data):
            return [CancelTimer(CHECKIN, data.order_id)]
    return []


@dataclass(frozen=True)
class CheckinFacts:
    """What the store says about the order and the customer when the check-in is due."""

    open_returns: tuple[str, ...]
    open_tickets: tuple[str, ...]
    fully_refunded: bool
    last_checkin_at: datetime | None
    csat_links: tuple[dict[str, Any], ...]


def on_due(world: World, facts: CheckinFacts, now: datetime, policies: Policies) -> list[Effect]:
    """The check-in's timer fired: send it, hold it until morning, or record why not."""
    order, customer = world.order, world.customer
    if order is None or customer is None:
        return []
    source = f"checkin:{order.order_id}"
    context: dict[str, Any] = {
        "order_id": order.order_id,
        "delivered_at": order.delivered_at.isoformat() if order.delivered_at else None,
        "csat_links": list(facts.csat_links),
        "help_url": policies.contact.url or None,
        "offer_more": customer.marketing_consent,
    }
    reason = _reason_not_to_ask(order.status, facts, now, policies)
    if reason is not None:
        return [NotifyCustomer(CHECKIN, source, context, order.order_id, suppress=reason)]
    morning = end_of_quiet(now, policies.checkins.quiet_hours, customer.timezone)
    if morning is not None:
        return [ScheduleTimer(CHECKIN, order.order_id, morning, {"moved_from": now.isoformat()})]
    return [NotifyCustomer(CHECKIN, source, context, order.order_id)]


def _reason_not_to_ask(
    status: str, facts: CheckinFacts, now: datetime, policies: Policies
) -> str | None:
    if status == "cancelled":
        return "the order was cancelled"
    if facts.fully_refunded:
        return "the order was fully refunded"
    if facts.open_returns:
        return f"return {', '.join(facts.open_returns)} of this order is still open"
    if facts.open_tickets:
        return f"ticket {', '.join(facts.open_tickets)} about this order is still open"
    interval = policies.checkins.min_interval
    if facts.last_checkin_at is not None and now - facts.last_checkin_at < interval:
        return (
            f"a check-in went to this customer on {facts.last_checkin_at.date().isoformat()}, "
            f"within checkins.min_interval ({format_duration(interval)})"
        )
    return None
