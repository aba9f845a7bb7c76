"""The notifier's decisions: what is said on each event, with which date. Pure."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from events import parse_event
from services.domain.effects import AlertStaff, CancelTimer, NotifyCustomer, ScheduleTimer
from services.domain.views import CustomerView, OrderView, ReturnView, TicketView, World
from services.notifier import decide
from services.runtime.policies import load_policies, parse_policies

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
POLICIES = load_policies(None).for_shop("shop-42")
CUSTOMER = CustomerView(
    "c-1", "Anna", "anna@example.com", None, "pl", "Europe/Warsaw", False, False
)


def order(status: str = "placed", estimate: str | None = None) -> OrderView:
    return OrderView(
        "o-1", status, Decimal("104.30"), "PLN",
        ({"sku": "MUG-1", "name": "Kubek", "quantity": 2,
          "unit_price": {"amount": "39.90", "currency": "PLN"}, "category": None},),
        NOW - timedelta(days=2), "2026-11-27", "InPost", "620", None, estimate, None, None,
    )  # fmt: skip


def event(event_type: str, data: dict[str, Any], occurred_at: str = "2026-11-23T10:00:00+01:00"):  # type: ignore[no-untyped-def]
    body = {"event_id": "e-1", "type": event_type, "schema_version": 1,
            "occurred_at": occurred_at, "shop_id": "shop-42", "data": data}  # fmt: skip
    return parse_event(json.dumps(body).encode())


def world(**parts: Any) -> World:
    return World(shop_id="shop-42", customer=CUSTOMER, **parts)


def only_notice(effects: list[Any]) -> NotifyCustomer:
    notices = [e for e in effects if isinstance(e, NotifyCustomer)]
    assert len(notices) == 1, effects
    return notices[0]


def test_order_placed_confirms_with_items_total_and_promised_date() -> None:
    placed = event("order.placed", {
        "order_id": "o-1", "customer": {"customer_id": "c-1"},
        "items": [{"sku": "MUG-1", "name": "Kubek", "quantity": 2, "unit_price": "39.90"}],
        "total": "104.30", "currency": "PLN", "promised_delivery_by": "2026-11-27"})  # fmt: skip
    notice = only_notice(decide.on_event(placed, world(order=order()), NOW, POLICIES))
    assert notice.kind == "order_confirmation" and notice.order_id == "o-1"
    assert notice.context["total"] == {"amount": "104.30", "currency": "PLN"}
    assert notice.context["expected_delivery"] == "2026-11-27"
    assert notice.context["items"][0]["quantity"] == 2


@pytest.mark.parametrize(
    ("estimate", "grace", "due"),
    [
        # A whole day runs out at midnight in the customer's zone (23:00 UTC in winter).
        ("2026-11-25", "12h", datetime(2026, 11, 26, 11, 0, tzinfo=UTC)),
        ("2026-11-25", "0s", datetime(2026, 11, 25, 23, 0, tzinfo=UTC)),
        ("2026-11-25T14:00:00+01:00", "2h", datetime(2026, 11, 25, 15, 0, tzinfo=UTC)),
        # Summer time: midnight in Warsaw is 22:00 UTC.
        ("2026-07-01", "1h", datetime(2026, 6, 30, 23, 0, tzinfo=UTC) + timedelta(days=1)),
    ],
)
def test_shipping_tells_the_customer_and_arms_the_delay_check(
    estimate: str, grace: str, due: datetime
) -> None:
    policies = parse_policies(f'[shipping]\ndelay_grace = "{grace}"\n').for_shop("shop-42")
    shipped = event("order.shipped", {"order_id": "o-1", "carrier": "InPost",
                    "tracking_number": "620", "estimated_delivery": estimate})  # fmt: skip
    effects = decide.on_event(shipped, world(order=order("shipped", estimate)), NOW, policies)
    assert only_notice(effects).kind == "order_shipped"
    [timer] = [e for e in effects if isinstance(e, ScheduleTimer)]
    assert (timer.kind, timer.subject_id, timer.due_at) == ("delivery_overdue", "o-1", due)
    assert timer.payload == {"estimate": estimate}


def test_a_delay_event_apologises_with_the_new_estimate_and_re_arms() -> None:
    delayed = event("shipment.delayed", {"order_id": "o-1", "reason": "storm",
                    "new_estimated_delivery": "2026-11-28"})  # fmt: skip
    effects = decide.on_event(delayed, world(order=order("delayed", "2026-11-28")), NOW, POLICIES)
    notice = only_notice(effects)
    assert notice.kind == "shipment_delayed"
    assert notice.context["new_estimated_delivery"] == "2026-11-28"
    assert notice.context["reason"] == "storm"
    assert any(isinstance(e, ScheduleTimer) and e.payload["estimate"] == "2026-11-28"
               for e in effects)  # fmt: skip


@pytest.mark.parametrize("event_type", ["order.delivered", "order.cancelled"])
def test_delivery_or_cancellation_cancels_the_delay_check(event_type: str) -> None:
    data = {"order_id": "o-1", "delivered_at": "2026-11-25T12:00:00+01:00"}
    if event_type == "order.cancelled":
        data = {"order_id": "o-1"}
    effects = decide.on_event(event(event_type, data), world(order=order()), NOW, POLICIES)
    assert effects == [CancelTimer("delivery_overdue", "o-1")]


def ret(kind: str) -> ReturnView:
    return ReturnView("r-1", kind, "requested", ({"sku": "MUG-1", "quantity": 1},),
                      datetime(2026, 11, 23, 9, 0, tzinfo=UTC), None, None, None)  # fmt: skip


def test_a_complaint_is_answered_by_the_policy_date() -> None:
    requested = event("return.requested", {"return_id": "r-1", "order_id": "o-1",
                      "kind": "complaint", "items": [{"sku": "MUG-1", "quantity": 1}]})  # fmt: skip
    notice = only_notice(
        decide.on_event(requested, world(order=order(), return_=ret("complaint")), NOW, POLICIES)
    )
    assert notice.kind == "complaint_received"
    assert notice.context["answer_by"] == "2026-12-07T10:00:00+01:00"


def test_a_withdrawal_gets_instructions_with_the_refund_period() -> None:
    items = [{"sku": "MUG-1", "quantity": 1}]
    requested = event("return.requested", {"return_id": "r-1", "order_id": "o-1",
                      "kind": "withdrawal", "items": items})  # fmt: skip
    notice = only_notice(
        decide.on_event(requested, world(order=order(), return_=ret("withdrawal")), NOW, POLICIES)
    )
    assert notice.kind == "return_instructions"
    assert notice.context["refund_within_days"] == 14


@pytest.mark.parametrize(
    ("kind", "decision_by"),
    [
        ("withdrawal", "2026-12-09T12:00:00+00:00"),  # received + 14 days
        ("complaint", "2026-12-07T09:00:00+00:00"),  # requested + 14 days, not restarted
    ],
)
def test_a_received_return_names_the_decision_date(kind: str, decision_by: str) -> None:
    received = event("return.received", {"return_id": "r-1",
                     "received_at": "2026-11-25T12:00:00+00:00"})  # fmt: skip
    notice = only_notice(
        decide.on_event(received, world(order=order(), return_=ret(kind)), NOW, POLICIES)
    )
    assert notice.kind == "return_received"
    assert notice.context["decision_by"] == decision_by


def ticket(channel: str, opened_at: datetime) -> TicketView:
    return TicketView("t-1", channel, "normal", "Gdzie paczka?", None, "open", opened_at,
                      None, None, None, None, None)  # fmt: skip


@pytest.mark.parametrize(
    ("channel", "policies", "opened", "reply_by"),
    [
        ("email", "", "2026-11-23T10:00:00+01:00", "2026-11-23T10:00:00+00:00"),
        ("form", '[sla.form]\nfirst_response = "30m"\n', "2026-11-23T10:00:00+01:00",
         "2026-11-23T09:30:00+00:00"),
        # Friday 16:30 with business hours: Monday 09:30 Warsaw.
        ("email", "[business_hours]\nenabled = true\n", "2026-11-20T16:30:00+01:00",
         "2026-11-23T08:30:00+00:00"),
    ],
)  # fmt: skip
def test_a_ticket_receipt_promises_the_sla_reply_time(
    channel: str, policies: str, opened: str, reply_by: str
) -> None:
    opened_event = event("ticket.opened", {"ticket_id": "t-1", "customer": {"customer_id": "c-1"},
                         "channel": channel, "priority": "normal", "subject": "Gdzie paczka?"},
                         occurred_at=opened)  # fmt: skip
    book = parse_policies(policies) if policies else load_policies(None)
    at = datetime.fromisoformat(opened)
    effects = decide.on_event(
        opened_event, world(ticket=ticket(channel, at)), NOW, book.for_shop("shop-42")
    )
    notice = only_notice(effects)
    assert notice.kind == "ticket_received"
    assert datetime.fromisoformat(notice.context["reply_by"]) == datetime.fromisoformat(reply_by)


@pytest.mark.parametrize("channel", ["chat", "phone"])
def test_live_channels_get_no_receipt(channel: str) -> None:
    opened_event = event("ticket.opened", {"ticket_id": "t-1", "customer": {"customer_id": "c-1"},
                         "channel": channel, "priority": "normal", "subject": "?"})  # fmt: skip
    assert decide.on_event(opened_event, world(ticket=ticket(channel, NOW)), NOW, POLICIES) == []


def test_an_overdue_delivery_tells_the_customer_first_and_alerts_staff() -> None:
    late = NOW + timedelta(days=3)
    effects = decide.on_delivery_overdue(
        world(order=order("shipped", "2026-11-25")), timer_id=7, version=1,
        estimate="2026-11-25", now=late, policies=POLICIES, customer_label="c-1 (a***@example.com)",
    )  # fmt: skip
    notice = only_notice(effects)
    assert notice.kind == "shipment_delayed"
    assert notice.source == "overdue:o-1:2026-11-25"  # once per estimate, however often it fires
    assert notice.context["new_estimated_delivery"] is None
    [alert] = [e for e in effects if isinstance(e, AlertStaff)]
    assert alert.kind == "delivery_overdue" and alert.level == 1
    assert alert.context["overdue_by"] == int((late - datetime(2026, 11, 25, 23, tzinfo=UTC))
                                              .total_seconds())  # fmt: skip
    assert alert.context["policy"] == "shipping.delay_grace"
    [again] = [e for e in effects if isinstance(e, ScheduleTimer)]
    assert again.due_at == late + timedelta(hours=12)


@pytest.mark.parametrize(
    ("status", "current_estimate"),
    [("delivered", "2026-11-25"), ("cancelled", "2026-11-25"), ("shipped", "2026-11-28")],
)
def test_a_stale_overdue_check_does_nothing(status: str, current_estimate: str) -> None:
    assert decide.on_delivery_overdue(
        world(order=order(status, current_estimate)), timer_id=7, version=1,
        estimate="2026-11-25", now=NOW, policies=POLICIES, customer_label="c-1",
    ) == []  # fmt: skip
