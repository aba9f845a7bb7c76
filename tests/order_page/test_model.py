"""What the order page says at each moment of an order's life. Pure, clock passed in."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from services.order_page.model import (
    HistoryStep,
    OrderFacts,
    ReturnFacts,
    TicketFacts,
    build_page,
)
from services.runtime.policies import load_policies, parse_policies

PLACED = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
POLICIES = load_policies(None).for_shop("shop-42")


def facts(**changes: object) -> OrderFacts:
    base = OrderFacts(
        shop_id="shop-42", order_id="o-1", status="placed", total=Decimal("99.80"),
        currency="PLN", items=[{"sku": "MUG-1", "name": "Kubek", "quantity": 2,
                                "unit_price": Decimal("49.90")}],
        placed_at=PLACED, carrier=None, tracking_number=None, tracking_url=None,
        delivered_at=None, cancelled_at=None, history=[HistoryStep("placed", PLACED, {})],
        returns=[], tickets=[], customer_name="Anna", customer_email="anna@example.com",
        locale="pl", timezone="Europe/Warsaw",
    )  # fmt: skip
    return replace(base, **changes)  # type: ignore[arg-type]


SHIPPED = HistoryStep("shipped", PLACED + timedelta(days=1), {"estimated_delivery": "2026-11-23"})
DELAYED = HistoryStep("delayed", PLACED + timedelta(days=2),
                      {"estimated_delivery": "2026-11-26", "reason": "Sortownia"})  # fmt: skip


def states(page_facts: OrderFacts, now: datetime) -> list[tuple[str, str]]:
    return [(s.key, s.state) for s in build_page(page_facts, now, POLICIES).stages]


@pytest.mark.parametrize(
    ("history", "delivered", "now", "expected"),
    [
        ([], None, PLACED, [("placed", "done"), ("shipped", "waiting"), ("delivered", "waiting")]),
        ([SHIPPED], None, datetime(2026, 11, 23, 12, 0, tzinfo=UTC),
         [("placed", "done"), ("shipped", "done"), ("estimate", "due"), ("delivered", "waiting")]),
        # The estimated day ended at midnight in Warsaw (23:00 UTC): late, said so.
        ([SHIPPED], None, datetime(2026, 11, 23, 23, 0, tzinfo=UTC),
         [("placed", "done"), ("shipped", "done"), ("estimate", "late"), ("delivered", "waiting")]),
        # A new estimate: the old one crossed out, the new one due.
        ([SHIPPED, DELAYED], None, datetime(2026, 11, 24, 8, 0, tzinfo=UTC),
         [("placed", "done"), ("shipped", "done"), ("estimate", "superseded"),
          ("estimate", "due"), ("delivered", "waiting")]),
        ([SHIPPED, DELAYED], PLACED + timedelta(days=5), datetime(2026, 12, 1, tzinfo=UTC),
         [("placed", "done"), ("shipped", "done"), ("estimate", "superseded"),
          ("estimate", "done"), ("delivered", "done")]),
    ],
)  # fmt: skip
def test_every_stage_with_its_state(
    history: list[HistoryStep], delivered: datetime | None, now: datetime,
    expected: list[tuple[str, str]],
) -> None:  # fmt: skip
    page_facts = facts(
        history=[HistoryStep("placed", PLACED, {}), *history], delivered_at=delivered
    )
    assert states(page_facts, now) == expected


def test_the_new_estimate_carries_its_reason_and_date() -> None:
    page = build_page(facts(history=[SHIPPED, DELAYED]), PLACED, POLICIES)
    estimates = [s for s in page.stages if s.key == "estimate"]
    assert [s.at for s in estimates] == [date(2026, 11, 23), date(2026, 11, 26)]
    assert estimates[1].detail["reason"] == "Sortownia" and estimates[1].detail["changed"]


def ret(kind: str, **changes: object) -> ReturnFacts:
    base = ReturnFacts("R-1", kind, "requested", PLACED + timedelta(days=6), None, None, None,
                       None, [])  # fmt: skip
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("the_return", "now", "state", "deadline"),
    [
        (ret("complaint"), PLACED + timedelta(days=7), "due", PLACED + timedelta(days=20)),
        (ret("complaint"), PLACED + timedelta(days=21), "late", PLACED + timedelta(days=20)),
        # A shop's withdrawal: refund counted from the parcel's arrival, not known yet.
        (ret("withdrawal"), PLACED + timedelta(days=7), "waiting", None),
        (ret("withdrawal", received_at=PLACED + timedelta(days=9), status="received"),
         PLACED + timedelta(days=10), "due", PLACED + timedelta(days=23)),
        # The withdrawal function: from the notice.
        (ret("withdrawal", source="withdrawal_function"), PLACED + timedelta(days=7), "due",
         PLACED + timedelta(days=20)),
        (ret("exchange", received_at=PLACED + timedelta(days=9), status="received"),
         PLACED + timedelta(days=24), "late", PLACED + timedelta(days=23)),
        (ret("withdrawal", status="resolved", outcome="refunded",
             resolved_at=PLACED + timedelta(days=12)), PLACED + timedelta(days=30), "done", None),
    ],
)  # fmt: skip
def test_returns_say_answer_by_or_refund_by(
    the_return: ReturnFacts, now: datetime, state: str, deadline: datetime | None
) -> None:
    [stage] = [s for s in build_page(facts(returns=[the_return]), now, POLICIES).stages
               if s.key == "return"]  # fmt: skip
    assert stage.state == state
    if deadline is not None:
        assert stage.detail["deadline"] == deadline


def test_an_open_ticket_says_when_we_reply_and_when_that_is_late() -> None:
    due = PLACED + timedelta(hours=4)
    ticket = TicketFacts("T-1", "Gdzie paczka?", "open", PLACED, due, None)
    [before] = [
        s for s in build_page(facts(tickets=[ticket]), PLACED, POLICIES).stages if s.key == "ticket"
    ]
    [after] = [
        s for s in build_page(facts(tickets=[ticket]), due, POLICIES).stages if s.key == "ticket"
    ]
    assert (before.state, before.at, after.state) == ("due", due, "late")


DELIVERED = PLACED + timedelta(days=3)  # 23 November, 10:00 in Warsaw
#: Fourteen days from then: all of 7 December, to midnight in Warsaw.
UNTIL = datetime(2026, 12, 7, 23, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("changes", "now", "state", "until"),
    [
        ({}, PLACED, "open", None),  # before delivery too
        ({"delivered_at": DELIVERED}, UNTIL - timedelta(seconds=1), "open", UNTIL),
        ({"delivered_at": DELIVERED}, UNTIL, "ended", UNTIL),
        ({"cancelled_at": PLACED}, PLACED, "closed", None),
        ({"returns": [ret("withdrawal", source="withdrawal_function")]}, PLACED, "done", None),
    ],
)  # fmt: skip
def test_the_withdrawal_button_shows_while_the_period_runs(
    changes: dict[str, object], now: datetime, state: str, until: datetime | None
) -> None:
    withdrawal = build_page(facts(**changes), now, POLICIES).withdrawal
    assert (withdrawal.state, withdrawal.until) == (state, until)
    if until is not None:
        assert withdrawal.last_day == date(2026, 12, 7)


def test_a_shops_own_withdrawal_does_not_take_the_button_away() -> None:
    page = build_page(facts(returns=[ret("withdrawal")]), PLACED, POLICIES)
    assert page.withdrawal.state == "open"


def test_a_period_of_seconds_ends_on_the_dot() -> None:
    quick = parse_policies('[withdrawal]\nperiod = "30s"\n').for_shop("shop-42")
    withdrawal = build_page(facts(delivered_at=DELIVERED), DELIVERED, quick).withdrawal
    assert withdrawal.until == DELIVERED + timedelta(seconds=30)


def test_a_shop_with_its_own_withdrawal_function_turns_the_button_off() -> None:
    own = parse_policies("[withdrawal]\nfunction = false\n").for_shop("shop-42")
    assert build_page(facts(), PLACED, own).withdrawal.state == "off"
