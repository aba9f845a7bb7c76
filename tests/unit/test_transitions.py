"""How orders, returns and tickets move on (services.domain.transitions), and the
encodings the store keeps of them (estimates, breach timers): tables of cases."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.domain.local_days import estimate_deadline, parse_estimate
from services.domain.sla import BREACH_LEVELS, breach_level, breach_subject
from services.domain.transitions import (
    Conversation,
    next_order_status,
    replied,
    resolved,
    return_received,
)

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.mark.parametrize(
    ("current", "incoming", "expected"),
    [
        ("placed", "shipped", "shipped"),
        ("shipped", "delayed", "delayed"),
        ("delayed", "shipped", "shipped"),
        ("shipped", "delivered", "delivered"),
        ("delivered", "shipped", "delivered"),
        ("delivered", "delayed", "delivered"),
        ("placed", "cancelled", "cancelled"),
        ("cancelled", "delivered", "cancelled"),
        ("delivered", "cancelled", "cancelled"),
    ],
)
def test_an_order_never_moves_back(current: str, incoming: str, expected: str) -> None:
    assert next_order_status(current, incoming) == expected


@pytest.mark.parametrize(
    ("current", "expected"),
    [("requested", "received"), ("received", "received"), ("resolved", "resolved")],
)
def test_a_parcel_arriving_late_does_not_reopen_a_return(current: str, expected: str) -> None:
    assert return_received(current) == expected


def _replies(*replies: tuple[str, int]) -> Conversation:
    conversation = Conversation("open")
    for author, minute in replies:
        conversation = replied(conversation, author, at(minute))
    return conversation


@pytest.mark.parametrize(
    ("replies", "status", "first", "waiting_since"),
    [
        ((), "open", None, None),
        ((("customer", 5),), "open", None, None),  # no agent yet: still open
        ((("agent", 10),), "answered", 10, None),
        ((("agent", 10), ("customer", 20)), "awaiting_reply", 10, 20),
        ((("agent", 10), ("customer", 20), ("customer", 30)), "awaiting_reply", 10, 20),
        ((("agent", 10), ("customer", 20), ("agent", 25)), "answered", 10, None),
        # The agent answered the first follow-up only: the customer waits since the second.
        ((("agent", 10), ("customer", 20), ("customer", 30), ("agent", 25)),
         "awaiting_reply", 10, 30),
        # Replies in any order: the same conversation as in time order.
        ((("customer", 20), ("agent", 10)), "awaiting_reply", 10, 20),
        ((("agent", 25), ("customer", 20), ("agent", 10)), "answered", 10, None),
        ((("customer", 30), ("agent", 25), ("customer", 20), ("agent", 10)),
         "awaiting_reply", 10, 30),
    ],
)  # fmt: skip
def test_who_spoke_last_decides_the_status(
    replies: tuple[tuple[str, int], ...], status: str, first: int | None, waiting_since: int | None
) -> None:
    conversation = _replies(*replies)
    assert conversation.status == status
    assert conversation.first_replied_at == (at(first) if first is not None else None)
    assert conversation.awaiting_reply_since == (
        at(waiting_since) if waiting_since is not None else None
    )
    agents = [m for a, m in replies if a == "agent"]
    customers = [m for a, m in replies if a == "customer"]
    assert conversation.last_agent_reply_at == (at(max(agents)) if agents else None)
    assert conversation.last_customer_reply_at == (at(max(customers)) if customers else None)


def test_a_resolved_ticket_waits_for_nobody_and_ignores_later_replies() -> None:
    waiting = _replies(("agent", 10), ("customer", 20))
    done = resolved(waiting)
    assert (done.status, done.awaiting_reply_since) == ("resolved", None)
    assert done.last_customer_reply_at == at(20)
    assert replied(done, "customer", at(40)) == done
    assert replied(done, "agent", at(41)) == done


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-25", date(2026, 11, 25)),
        (" 2026-11-25 ", date(2026, 11, 25)),
        ("2026-11-25T14:00:00+01:00", datetime(2026, 11, 25, 13, 0, tzinfo=UTC)),
        ("2026-11-25 14:00:00+00:00", datetime(2026, 11, 25, 14, 0, tzinfo=UTC)),
    ],
)
def test_an_estimate_is_a_whole_day_or_an_exact_time(text: str, expected: date) -> None:
    parsed = parse_estimate(text)
    assert parsed == expected and type(parsed) is type(expected)


def test_an_estimate_of_a_day_runs_out_at_midnight_in_the_customers_zone() -> None:
    assert estimate_deadline("2026-11-25", "Europe/Warsaw") == datetime(
        2026, 11, 25, 23, 0, tzinfo=UTC
    )
    exact = "2026-11-25T14:00:00+01:00"
    assert estimate_deadline(exact, "Europe/Warsaw") == datetime.fromisoformat(exact)


@pytest.mark.parametrize("level", BREACH_LEVELS)
def test_a_breach_timers_subject_carries_its_level(level: int) -> None:
    for ticket_id in ("T-1", "T#2", "ticket#1#"):
        subject = breach_subject(ticket_id, level)
        assert subject.startswith(ticket_id) and breach_level(subject) == level
