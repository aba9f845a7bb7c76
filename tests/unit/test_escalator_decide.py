"""SLA clocks, legal deadlines and promises: what is scheduled and what a firing says."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from events import EnvelopeBase, parse_event
from services.domain.effects import (
    AlertStaff,
    CancelTimer,
    RaiseLevel,
    ScheduleTimer,
    SetSlaClock,
)
from services.domain.sla import sla_clock
from services.domain.views import OrderView, ReturnView, TicketView, World
from services.escalator import decide
from services.runtime.policies import load_policies, parse_policies

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday, 10:00 in Warsaw
POLICIES = load_policies(None).for_shop("shop-42")


def event(event_type: str, data: dict[str, Any], at: datetime = T0) -> EnvelopeBase:
    body = {"event_id": "e-1", "type": event_type, "schema_version": 1,
            "occurred_at": at.isoformat(), "shop_id": "shop-42", "data": data}  # fmt: skip
    return parse_event(json.dumps(body).encode())


def ticket(status: str = "open", channel: str = "email", priority: str = "normal",
           callback_due_at: datetime | None = None,
           awaiting_since: datetime | None = None) -> TicketView:  # fmt: skip
    return TicketView("t-1", channel, priority, "Gdzie paczka?", "o-1", status, T0, None,
                      awaiting_since, None, callback_due_at, None)  # fmt: skip


def schedules(effects: list[Any]) -> dict[tuple[str, str], datetime]:
    return {(e.kind, e.subject_id): e.due_at for e in effects if isinstance(e, ScheduleTimer)}


@pytest.mark.parametrize(
    ("channel", "priority", "policy", "warn", "due", "hard", "key"),
    [
        ("email", "normal", "", 45, 60, 24 * 60, "sla.email.first_response"),
        ("chat", "high", "", 1, 2, 15, "sla.chat.first_response"),
        ("phone", "low", "", 210, 240, 24 * 60, "sla.phone.first_response"),
        ("email", "urgent", '[sla.email.urgent]\nfirst_response = "15m"\nwarn_before = "5m"\n',
         10, 15, 24 * 60, "sla.email.urgent.first_response"),
    ],
)  # fmt: skip
def test_a_new_ticket_arms_warning_target_and_hard_limit(
    channel: str, priority: str, policy: str, warn: int, due: int, hard: int, key: str
) -> None:
    policies = parse_policies(policy).for_shop("shop-42")
    opened = event("ticket.opened", {"ticket_id": "t-1", "customer": {"customer_id": "c"},
                   "channel": channel, "priority": priority, "subject": "?"})  # fmt: skip
    effects = decide.on_event(
        opened, World("shop-42", ticket=ticket(channel=channel, priority=priority)), T0, policies
    )
    assert schedules(effects) == {
        ("sla_warning", "t-1"): T0 + timedelta(minutes=warn),
        ("sla_breach", "t-1#1"): T0 + timedelta(minutes=due),
        ("sla_breach", "t-1#2"): T0 + timedelta(minutes=hard),
    }
    [clock] = [e for e in effects if isinstance(e, SetSlaClock)]
    assert clock.first_reply_due_at == T0 + timedelta(minutes=due)
    assert all(e.payload["policy"] == key for e in effects if isinstance(e, ScheduleTimer))


def test_business_hours_move_the_clock_friday_to_monday() -> None:
    policies = parse_policies("[business_hours]\nenabled = true\n").for_shop("shop-42")
    friday = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)  # 16:30 in Warsaw
    clock = sla_clock(friday, "email", "normal", policies)
    assert clock.due_at == datetime(2026, 11, 23, 8, 30, tzinfo=UTC)  # Monday 09:30 Warsaw
    assert clock.warn_at == datetime(2026, 11, 23, 8, 15, tzinfo=UTC)


def test_an_agent_reply_stops_the_clock_and_a_customer_reply_restarts_it() -> None:
    # Decisions follow the projected state, so the order replies are handled in
    # does not matter.
    agent = event("ticket.replied", {"ticket_id": "t-1", "author": "agent",
                  "replied_at": (T0 + timedelta(minutes=20)).isoformat()})  # fmt: skip
    stopped = decide.on_event(agent, World("shop-42", ticket=ticket("answered")), T0, POLICIES)
    assert CancelTimer("sla_warning", "t-1") in stopped
    assert CancelTimer("sla_breach", "t-1#1") in stopped
    assert SetSlaClock("t-1", None, None, 0, T0 + timedelta(hours=1)) in stopped
    assert not [e for e in stopped if isinstance(e, ScheduleTimer)]
    later = T0 + timedelta(hours=2)
    customer = event("ticket.replied", {"ticket_id": "t-1", "author": "customer",
                     "replied_at": later.isoformat()})  # fmt: skip
    waiting = World("shop-42", ticket=ticket("awaiting_reply", awaiting_since=later))
    restarted = decide.on_event(customer, waiting, later, POLICIES)
    assert schedules(restarted)[("sla_breach", "t-1#1")] == later + timedelta(hours=1)
    assert all(e.payload["clock"] == "next_reply" for e in restarted
               if isinstance(e, ScheduleTimer))  # fmt: skip


def test_a_customer_chasing_before_any_agent_reply_does_not_move_the_first_clock() -> None:
    chase = event("ticket.replied", {"ticket_id": "t-1", "author": "customer",
                  "replied_at": (T0 + timedelta(minutes=50)).isoformat()})  # fmt: skip
    effects = decide.on_event(chase, World("shop-42", ticket=ticket("open")), T0, POLICIES)
    assert schedules(effects)[("sla_breach", "t-1#1")] == T0 + timedelta(hours=1)


def test_resolution_cancels_every_clock_of_the_ticket() -> None:
    resolved = event("ticket.resolved", {"ticket_id": "t-1", "resolved_at": T0.isoformat()})
    effects = decide.on_event(resolved, World("shop-42", ticket=ticket("resolved")), T0, POLICIES)
    assert {(e.kind, e.subject_id) for e in effects if isinstance(e, CancelTimer)} == {
        ("sla_warning", "t-1"), ("sla_breach", "t-1#1"), ("sla_breach", "t-1#2"),
        ("sla_reminder", "t-1"),
        ("callback_overdue", "t-1"),
    }  # fmt: skip


PAYLOAD = {"clock": "first_reply", "started_at": T0.isoformat(),
           "due_at": (T0 + timedelta(hours=1)).isoformat(),
           "hard_at": (T0 + timedelta(hours=24)).isoformat(),
           "policy": "sla.email.first_response"}  # fmt: skip


def fire(kind: str, subject: str, now: datetime, status: str = "open",
         payload: dict[str, Any] = PAYLOAD) -> list[Any]:  # fmt: skip
    world = World("shop-42", ticket=ticket(status, callback_due_at=T0 + timedelta(hours=3)))
    return decide.on_timer(kind, subject, payload, "timer:1:1", world, now, POLICIES, "c (a***)")


def test_warning_then_level_one_then_level_two_with_reminders() -> None:
    [warning] = fire("sla_warning", "t-1", T0 + timedelta(minutes=45))
    assert warning.kind == "sla_warning" and warning.context["remaining"] == 15 * 60
    level1 = fire("sla_breach", "t-1#1", T0 + timedelta(hours=1, minutes=2))
    assert AlertStaff in {type(e) for e in level1} and RaiseLevel("t-1", 1) in level1
    [alert1] = [e for e in level1 if isinstance(e, AlertStaff)]
    assert (alert1.level, alert1.context["late_by"]) == (1, 120)
    assert alert1.context["policy"] == "sla.email.first_response"
    level2_time = T0 + timedelta(hours=24)
    level2 = fire("sla_breach", "t-1#2", level2_time)
    [alert2] = [e for e in level2 if isinstance(e, AlertStaff)]
    assert alert2.level == 2 and alert2.context["late_by"] == 23 * 3600
    assert schedules(level2) == {("sla_reminder", "t-1"): level2_time + timedelta(hours=4)}
    reminder = fire("sla_reminder", "t-1", level2_time + timedelta(hours=4))
    assert schedules(reminder) == {("sla_reminder", "t-1"): level2_time + timedelta(hours=8)}


@pytest.mark.parametrize("status", ["answered", "resolved"])
def test_an_answered_ticket_raises_no_alert(status: str) -> None:
    assert fire("sla_breach", "t-1#1", T0 + timedelta(hours=2), status=status) == []


def test_a_broken_callback_promise_alerts_level_one() -> None:
    promised = T0 + timedelta(hours=3)
    payload = {"due_at": promised.isoformat(), "agent": "Ola"}
    [alert] = fire("callback_overdue", "t-1", promised + timedelta(minutes=10), payload=payload)
    assert alert.kind == "callback_overdue" and alert.context["late_by"] == 600
    moved = {"due_at": (promised + timedelta(hours=1)).isoformat(), "agent": None}
    assert fire("callback_overdue", "t-1", promised + timedelta(hours=2), payload=moved) == []


def test_a_complaint_gets_alerts_before_it_counts_as_accepted() -> None:
    requested = event("return.requested", {"return_id": "r-1", "order_id": "o-1",
                      "kind": "complaint", "items": [{"sku": "A", "quantity": 1}]})  # fmt: skip
    deadline = T0 + timedelta(days=14)
    assert schedules(decide.on_event(requested, World("shop-42"), T0, POLICIES)) == {
        ("complaint_deadline", "r-1#4d"): deadline - timedelta(days=4),
        ("complaint_deadline", "r-1#1d"): deadline - timedelta(days=1),
    }
    order = OrderView("o-1", "delivered", Decimal("1"), "PLN", (), T0, None, None, None, None,
                      None, None, None)  # fmt: skip
    ret = ReturnView("r-1", "complaint", "requested", (), T0, None, None, None)
    world = World("shop-42", order=order, return_=ret)
    payload = {"deadline": deadline.isoformat(), "policy": "complaints.reply_within"}
    [alert] = decide.on_timer("complaint_deadline", "r-1#4d", payload, "timer:2:1", world,
                              deadline - timedelta(days=4), POLICIES, "c")  # fmt: skip
    assert alert.context["deemed_accepted_on"] == deadline.isoformat()
    assert alert.context["remaining"] == 4 * 86400
    resolved = ReturnView("r-1", "complaint", "resolved", (), T0, None, "repaired", None)
    assert decide.on_timer("complaint_deadline", "r-1#1d", payload, "timer:3:1",
                           World("shop-42", order=order, return_=resolved),
                           deadline, POLICIES, "c") == []  # fmt: skip


def test_a_received_withdrawal_starts_the_refund_clock_and_resolution_stops_it() -> None:
    received_at = T0 + timedelta(days=2)
    received = event(
        "return.received", {"return_id": "r-2", "received_at": received_at.isoformat()}
    )
    ret = ReturnView("r-2", "withdrawal", "received", (), T0, received_at, None, None)
    deadline = received_at + timedelta(days=14)
    assert schedules(decide.on_event(received, World("shop-42", return_=ret), T0, POLICIES)) == {
        ("refund_deadline", "r-2#3d"): deadline - timedelta(days=3),
        ("refund_deadline", "r-2#1d"): deadline - timedelta(days=1),
    }
    resolved = event("return.resolved", {"return_id": "r-2", "outcome": "refunded"})
    assert CancelTimer("refund_deadline", "r-2#", prefix=True) in decide.on_event(
        resolved, World("shop-42"), T0, POLICIES
    )
