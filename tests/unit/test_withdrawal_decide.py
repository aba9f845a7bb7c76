"""A withdrawal made with the order page's function: acknowledged at once, the shop
told, the refund clock started from the notice. Pure."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from services.domain.effects import AlertStaff, NotifyCustomer, ScheduleTimer
from services.domain.views import ReturnView
from services.escalator import decide as escalator
from services.notifier import decide as notifier
from tests.unit.test_notifier_decide import NOW, POLICIES, event, order, world

NOTICE_AT = "2026-11-23T10:00:00+01:00"


def requested(source: str | None) -> Any:
    data: dict[str, Any] = {"return_id": "WD-1", "order_id": "o-1", "kind": "withdrawal",
                            "items": [{"sku": "MUG-1", "quantity": 2}]}  # fmt: skip
    if source:
        data["source"] = source
    return event("return.requested", data, NOTICE_AT)


def ret(source: str | None, status: str = "requested") -> ReturnView:
    at = requested(None).occurred_at
    return ReturnView("WD-1", "withdrawal", status, (), at, None, None, None, source)


def test_the_withdrawal_function_is_acknowledged_with_the_time_of_receipt_and_the_shop_told() -> (
    None
):
    effects = notifier.on_event(requested("withdrawal_function"),
                                world(order=order("delivered"), return_=ret("withdrawal_function")),
                                NOW, POLICIES)  # fmt: skip
    [notice] = [e for e in effects if isinstance(e, NotifyCustomer)]
    [alert] = [e for e in effects if isinstance(e, AlertStaff)]
    received = requested(None).occurred_at
    assert notice.kind == "withdrawal_received" and notice.order_id == "o-1"
    assert notice.context["received_at"] == received.isoformat()
    assert notice.context["refund_by"] == (received + timedelta(days=14)).isoformat()
    assert notice.context["send_back_by"] == (received + timedelta(days=14)).isoformat()
    assert notice.context["items"] == [{"sku": "MUG-1", "name": "Kubek", "quantity": 2}]
    assert alert.kind == "withdrawal_notice" and alert.order_id == "o-1"
    assert "anna@example.com" not in str(alert.context) and "a***" in alert.context["customer"]
    # Not the shop's own return instructions as well.
    assert all(e.kind != "return_instructions" for e in effects if isinstance(e, NotifyCustomer))


def test_a_shops_own_withdrawal_still_gets_return_instructions() -> None:
    effects = notifier.on_event(requested(None), world(order=order(), return_=ret(None)),
                                NOW, POLICIES)  # fmt: skip
    assert [e.kind for e in effects] == ["return_instructions"]


def test_the_refund_clock_runs_from_the_notice_and_the_parcel_does_not_move_it() -> None:
    notice = requested("withdrawal_function")
    deadline = notice.occurred_at + POLICIES.withdrawal.refund_within
    timers = escalator.on_event(notice, world(return_=ret("withdrawal_function")), NOW, POLICIES)
    assert {(t.kind, t.subject_id): t.due_at for t in timers if isinstance(t, ScheduleTimer)} == {
        ("refund_deadline", "WD-1#3d"): deadline - timedelta(days=3),
        ("refund_deadline", "WD-1#1d"): deadline - timedelta(days=1),
    }
    arrived = event("return.received", {"return_id": "WD-1", "received_at": NOW.isoformat()})
    assert escalator.on_event(arrived, world(return_=ret("withdrawal_function", "received")),
                              NOW, POLICIES) == []  # fmt: skip
    # A shop's own withdrawal: the clock starts when the parcel arrives, as before.
    assert escalator.on_event(requested(None), world(return_=ret(None)), NOW, POLICIES) == []
