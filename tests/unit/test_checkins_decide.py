"""When a check-in goes out, and why it sometimes does not. Pure, clock passed in."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest

from services.checkins.decide import CheckinFacts, on_due
from services.checkins.quiet import end_of_quiet
from services.domain.durations import ClockRange
from services.domain.effects import NotifyCustomer, ScheduleTimer
from services.domain.views import CustomerView, OrderView, World
from services.runtime.policies import load_policies, parse_policies

POLICIES = load_policies(None).for_shop("shop-42")
QUIET = ClockRange(time(21), time(8))
T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "zone", "expected"),
    [
        # 23:00 in Warsaw (22:00 UTC) → 08:00 the next morning in Warsaw.
        ("2026-11-23T22:00:00+00:00", "Europe/Warsaw", "2026-11-24T08:00:00+01:00"),
        # 06:30 in Warsaw → 08:00 the same morning.
        ("2026-11-24T05:30:00+00:00", "Europe/Warsaw", "2026-11-24T08:00:00+01:00"),
        ("2026-11-23T12:00:00+00:00", "Europe/Warsaw", None),  # daytime
        # 21:00 local is the first quiet minute; 20:59 is not quiet.
        ("2026-11-23T20:00:00+00:00", "Europe/Warsaw", "2026-11-24T08:00:00+01:00"),
        ("2026-11-23T19:59:00+00:00", "Europe/Warsaw", None),
        # The customer's zone, not the shop's: 23:00 in New York.
        ("2026-11-24T04:00:00+00:00", "America/New_York", "2026-11-24T08:00:00-05:00"),
        # Summer time: 22:30 in Warsaw is 20:30 UTC.
        ("2026-07-01T20:30:00+00:00", "Europe/Warsaw", "2026-07-02T08:00:00+02:00"),
    ],
)
def test_end_of_quiet(moment: str, zone: str, expected: str | None) -> None:
    result = end_of_quiet(datetime.fromisoformat(moment), QUIET, zone)
    assert result == (datetime.fromisoformat(expected) if expected else None)


def world(consent: bool = True, status: str = "delivered") -> World:
    customer = CustomerView("c-1", "Ewa", "ewa@example.com", None, "pl", "Europe/Warsaw",
                            consent, False)  # fmt: skip
    order = OrderView("o-1", status, Decimal("100"), "PLN", (), T0 - timedelta(days=9), None,
                      None, None, None, None, T0 - timedelta(days=7), None)  # fmt: skip
    return World("shop-42", customer=customer, order=order)


def facts(**changes: Any) -> CheckinFacts:
    base: dict[str, Any] = {
        "open_returns": (),
        "open_tickets": (),
        "fully_refunded": False,
        "last_checkin_at": None,
        "csat_links": ({"score": 1, "url": "u"},),
    }
    return CheckinFacts(**(base | changes))


def test_a_check_in_due_at_23_in_the_customer_zone_moves_to_8_in_the_morning() -> None:
    late_evening = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)  # 23:00 in Warsaw
    [moved] = on_due(world(), facts(), late_evening, POLICIES)
    assert isinstance(moved, ScheduleTimer) and moved.kind == "checkin"
    assert moved.due_at == datetime(2026, 11, 24, 7, 0, tzinfo=UTC)  # 08:00 in Warsaw
    [sent] = on_due(world(), facts(), moved.due_at, POLICIES)
    assert isinstance(sent, NotifyCustomer) and sent.suppress is None


@pytest.mark.parametrize(
    ("change", "status", "reason"),
    [
        ({"open_returns": ("r-1",)}, "delivered", "return r-1"),
        ({"open_tickets": ("t-9",)}, "delivered", "ticket t-9"),
        ({"fully_refunded": True}, "delivered", "fully refunded"),
        ({}, "cancelled", "cancelled"),
        ({"last_checkin_at": T0 - timedelta(days=29)}, "delivered", "checkins.min_interval"),
    ],
)
def test_reasons_not_to_ask_are_recorded(change: dict[str, Any], status: str, reason: str) -> None:
    [notice] = on_due(world(status=status), facts(**change), T0, POLICIES)
    assert isinstance(notice, NotifyCustomer) and notice.kind == "checkin"
    assert notice.suppress is not None and reason in notice.suppress


def test_a_check_in_after_the_interval_goes_out_and_asks_for_more_only_with_consent() -> None:
    [notice] = on_due(world(consent=False), facts(last_checkin_at=T0 - timedelta(days=31)),
                      T0, POLICIES)  # fmt: skip
    assert notice.suppress is None and notice.context["offer_more"] is False  # type: ignore[union-attr]
    assert notice.context["csat_links"] == [{"score": 1, "url": "u"}]  # type: ignore[union-attr]


def test_no_quiet_hours_policy_sends_at_night() -> None:
    policies = parse_policies('[checkins]\nquiet_hours = ""\n').for_shop("shop-42")
    [notice] = on_due(world(), facts(), datetime(2026, 11, 23, 22, 0, tzinfo=UTC), policies)
    assert isinstance(notice, NotifyCustomer)
