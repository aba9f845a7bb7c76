"""Clocks set, stopped and fired: tickets, complaints, refunds, callbacks. Pure.

Timers (kind, subject):
- `sla_warning` / `sla_breach` (subjects `T#1` at the target, `T#2` at the hard
  limit) / `sla_reminder` for a ticket T's running reply clock;
- `callback_overdue` for a promised callback on ticket T;
- `complaint_deadline` / `refund_deadline` with subjects `R#<offset>`, one per
  `alert_before` offset of return R.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import events as ev
from services.domain.business_hours import add_business_time
from services.domain.durations import format_duration
from services.domain.effects import (
    AlertStaff,
    CancelTimer,
    Effect,
    RaiseLevel,
    ScheduleTimer,
    SetSlaClock,
)
from services.domain.sla import breach_level, sla_clock, start_clock, stop_clock
from services.domain.views import TicketView, World
from services.runtime.policies import Policies

SLA_KINDS = ("sla_warning", "sla_breach", "sla_reminder")
WAITING_FOR_US = frozenset({"open", "awaiting_reply"})


def _deadline_timers(
    kind: str, return_id: str, deadline: datetime, offsets: tuple[Any, ...], policy: str
) -> list[Effect]:
    return [
        ScheduleTimer(
            kind,
            f"{return_id}#{format_duration(offset)}",
            deadline - offset,
            {"deadline": deadline.isoformat(), "policy": policy, "return_id": return_id},
        )
        for offset in offsets
    ]


def clock_for(ticket: TicketView, policies: Policies) -> list[Effect]:
    """The clock the ticket's current state calls for, whatever order its events
    were handled in: the first-reply clock until an agent replies; then none
    while answered, or a next-reply clock from the first unanswered customer
    message. The first reply's target is always recorded (compliance figures)."""
    first = sla_clock(ticket.opened_at, ticket.channel, ticket.priority, policies)
    if ticket.status == "open":
        return start_clock(ticket.ticket_id, first, "first_reply", first=True)
    effects = stop_clock(ticket.ticket_id)
    effects.append(SetSlaClock(ticket.ticket_id, None, None, 0, first.due_at))
    if ticket.status == "awaiting_reply" and ticket.awaiting_reply_since is not None:
        clock = sla_clock(ticket.awaiting_reply_since, ticket.channel, ticket.priority, policies)
        effects += start_clock(ticket.ticket_id, clock, "next_reply", first=False)
    return effects


def on_event(
    event: ev.EnvelopeBase, world: World, now: datetime, policies: Policies
) -> list[Effect]:
    """The escalator's reaction to one recorded event."""
    ticket, ret = world.ticket, world.return_
    match event:
        case ev.TicketOpened() | ev.TicketReplied() if ticket is not None:
            return clock_for(ticket, policies)
        case ev.TicketResolved(data=data):
            return [*stop_clock(data.ticket_id), CancelTimer("callback_overdue", data.ticket_id)]
        case ev.CallbackPromised(data=data):
            due = data.due_at + policies.callbacks.grace
            payload = {
                "due_at": data.due_at.isoformat(),
                "agent": data.agent,
                "ticket_id": data.ticket_id,
            }
            return [ScheduleTimer("callback_overdue", data.ticket_id, due, payload)]
        case ev.CallbackCompleted(data=data):
            return [CancelTimer("callback_overdue", data.ticket_id)]
        case ev.ReturnRequested(data=data) if data.kind == "complaint":
            deadline = event.occurred_at + policies.complaints.reply_within
            return _deadline_timers(
                "complaint_deadline",
                data.return_id,
                deadline,
                policies.complaints.alert_before,
                "complaints.reply_within",
            )
        case ev.ReturnRequested(data=data) if (
            data.kind == "withdrawal" and data.source == "withdrawal_function"
        ):
            # Article 13: the refund is due within the period from the notice itself.
            return _deadline_timers(
                "refund_deadline",
                data.return_id,
                event.occurred_at + policies.withdrawal.refund_within,
                policies.withdrawal.alert_before,
                "withdrawal.refund_within",
            )
        case ev.ReturnReceived() if ret is not None and ret.source == "withdrawal_function":
            return []  # its refund deadline runs from the notice, set when it came
        case ev.ReturnReceived(data=data) if ret is not None and ret.kind == "withdrawal":
            deadline = data.received_at + policies.withdrawal.refund_within
            return _deadline_timers(
                "refund_deadline",
                data.return_id,
                deadline,
                policies.withdrawal.alert_before,
                "withdrawal.refund_within",
            )
        case ev.ReturnResolved(data=data):
            return [
                CancelTimer("complaint_deadline", f"{data.return_id}#", prefix=True),
                CancelTimer("refund_deadline", f"{data.return_id}#", prefix=True),
            ]
    return []


def _ticket_context(ticket: TicketView, customer: str) -> dict[str, Any]:
    return {
        "ticket_id": ticket.ticket_id,
        "channel": ticket.channel,
        "priority": ticket.priority,
        "subject": ticket.subject,
        "customer": customer,
        "order_id": ticket.order_id,
    }


def on_timer(
    kind: str,
    subject_id: str,
    payload: dict[str, Any],
    source: str,
    world: World,
    now: datetime,
    policies: Policies,
    customer: str,
) -> list[Effect]:
    """What a fired timer means now; nothing if the situation has moved on."""
    ticket, ret = world.ticket, world.return_
    if kind in SLA_KINDS:
        if ticket is None or ticket.status not in WAITING_FOR_US:
            return []
        due = datetime.fromisoformat(payload["due_at"])
        context = {**_ticket_context(ticket, customer), "due_at": payload["due_at"],
                   "policy": payload["policy"], "clock": payload["clock"]}  # fmt: skip
        if kind == "sla_warning":
            context["remaining"] = max(0, int((due - now).total_seconds()))
            return [AlertStaff("sla_warning", source, 1, context, ticket.order_id,
                               ticket.ticket_id)]  # fmt: skip
        level = breach_level(subject_id)
        context["late_by"] = max(0, int((now - due).total_seconds()))
        context["level"] = level
        effects: list[Effect] = [
            AlertStaff("sla_breach", source, level, context, ticket.order_id, ticket.ticket_id),
            RaiseLevel(ticket.ticket_id, level),
        ]
        if level == 2:
            again = add_business_time(now, policies.escalation.repeat_every,
                                      policies.business_hours)  # fmt: skip
            effects.append(ScheduleTimer("sla_reminder", ticket.ticket_id, again, payload))
        return effects
    if kind == "callback_overdue":
        if ticket is None or ticket.callback_completed_at is not None:
            return []
        promised = datetime.fromisoformat(payload["due_at"])
        if ticket.callback_due_at != promised:
            return []  # promised again for another time; that timer will speak
        context = {**_ticket_context(ticket, customer), "due_at": payload["due_at"],
                   "late_by": max(0, int((now - promised).total_seconds())),
                   "agent": payload.get("agent"), "policy": "callbacks.grace"}  # fmt: skip
        return [AlertStaff("callback_overdue", source, 1, context, ticket.order_id,
                           ticket.ticket_id)]  # fmt: skip
    if kind in ("complaint_deadline", "refund_deadline"):
        if ret is None or ret.status == "resolved" or world.order is None:
            return []
        deadline = datetime.fromisoformat(payload["deadline"])
        context = {
            "return_id": ret.return_id,
            "order_id": world.order.order_id,
            "customer": customer,
            "deadline": payload["deadline"],
            "remaining": max(0, int((deadline - now).total_seconds())),
            "policy": payload["policy"],
        }
        if kind == "complaint_deadline":
            context["deemed_accepted_on"] = payload["deadline"]
        return [AlertStaff(kind, source, 1, context, world.order.order_id)]
    return []
