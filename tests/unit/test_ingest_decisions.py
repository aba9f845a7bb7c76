"""Pure decisions of the ingest: back-off, parents. Tables of cases (the state
transitions it applies: test_transitions.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from events import parse_event
from services.ingest.parents import ParentRef, parent_of
from services.ingest.retry import GiveUp, RetryLater, plan_retry

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
STEPS = (1, 5, 30, 120)
EXAMPLES = Path(__file__).resolve().parents[2] / "schemas" / "examples"


@pytest.mark.parametrize(
    ("waited", "window", "attempt", "expected"),
    [
        (timedelta(0), timedelta(minutes=10), 0, RetryLater(1, 1)),
        (timedelta(seconds=1), timedelta(minutes=10), 1, RetryLater(5, 2)),
        (timedelta(seconds=6), timedelta(minutes=10), 2, RetryLater(30, 3)),
        (timedelta(seconds=36), timedelta(minutes=10), 3, RetryLater(120, 4)),
        (timedelta(minutes=5), timedelta(minutes=10), 9, RetryLater(120, 10)),
        # Never park much past the window: 20 s left means the 5 s step.
        (timedelta(seconds=580), timedelta(minutes=10), 5, RetryLater(5, 6)),
        # Less than the shortest step left: one last short look.
        (timedelta(milliseconds=1500), timedelta(seconds=2), 1, RetryLater(1, 2)),
        (timedelta(minutes=10), timedelta(minutes=10), 7, GiveUp(timedelta(minutes=10))),
        (timedelta(minutes=11), timedelta(minutes=10), 7, GiveUp(timedelta(minutes=11))),
        (timedelta(0), timedelta(0), 0, GiveUp(timedelta(0))),
    ],
)
def test_retry_plan(
    waited: timedelta, window: timedelta, attempt: int, expected: RetryLater | GiveUp
) -> None:
    plan = plan_retry(
        first_seen=T0,
        now=T0 + waited,
        wait_for_parent=window,
        attempt=attempt,
        steps_seconds=STEPS,
    )
    assert plan == expected


def _example(event_type: str) -> bytes:
    return json.dumps(json.loads((EXAMPLES / f"{event_type}.json").read_text())).encode()


@pytest.mark.parametrize(
    ("event_type", "kind"),
    [
        ("order.placed", None),
        ("order.shipped", "order"),
        ("shipment.delayed", "order"),
        ("order.delivered", "order"),
        ("order.cancelled", "order"),
        ("return.requested", "order"),
        ("return.received", "return"),
        ("return.resolved", "return"),
        ("feedback.received", "customer"),  # soft: waited for briefly, then recorded
        ("ticket.opened", None),
        ("ticket.replied", "ticket"),
        ("ticket.resolved", "ticket"),
        ("callback.promised", "ticket"),
        ("callback.completed", "ticket"),
        ("customer.updated", None),
    ],
)
def test_which_events_wait_for_a_parent(event_type: str, kind: str | None) -> None:
    event = parse_event(_example(event_type))
    parent = parent_of(event)
    if kind is None:
        assert parent is None
    else:
        assert isinstance(parent, ParentRef) and parent.kind == kind and parent.id
