"""`insert_new` on both stores: new rows in order, clashes left out, defaults filled in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session, sessionmaker

from services.runtime.store.bulk import insert_new
from services.runtime.store.models import HandledEvent, Notification

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
_NOTIFICATIONS = cast(Table, Notification.__table__)


def _row(key: str, **overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "idempotency_key": key,
        "shop_id": "shop-1",
        "kind": "order_confirmation",
        "channel": "email",
        "recipient": f"{key}@example.com",
        "content": {"subject": f"Zamówienie {key} — dziękujemy", "text": "łódź\n", "n": 1},
        "created_at": NOW,
        "next_attempt_at": NOW + timedelta(seconds=1),
    }
    row.update(overrides)
    return row


def test_new_rows_are_returned_in_order_and_clashes_left_out(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        insert_new(session, _NOTIFICATIONS, [_row("k-2")], ["idempotency_key"])
    rows = [_row("k-1"), _row("k-2"), _row("k-3"), _row("k-1", recipient="other@example.com")]
    with sessions.begin() as session:
        inserted = insert_new(session, _NOTIFICATIONS, rows, ["idempotency_key"],
                              returning=["id", "idempotency_key"])  # fmt: skip
    assert [key for _, key in inserted] == ["k-1", "k-3"]
    assert inserted[0][0] < inserted[1][0]  # ids ascend in the order given
    with sessions() as session:
        stored = {n.idempotency_key: n for n in session.scalars(select(Notification))}
    assert set(stored) == {"k-1", "k-2", "k-3"}
    first = stored["k-1"]
    assert first.recipient == "k-1@example.com"  # the later clash in the batch is left out
    assert first.content == rows[0]["content"]
    assert first.created_at == NOW and first.next_attempt_at == NOW + timedelta(seconds=1)
    assert (first.status, first.attempts) == ("pending", 0)  # scalar defaults filled in
    assert first.order_id is None and first.sent_at is None


def test_thousands_of_rows_in_one_call(sessions: sessionmaker[Session]) -> None:
    table = cast(Table, HandledEvent.__table__)
    rows = [
        {"worker": "notifier", "shop_id": "shop-1", "event_id": f"e-{n:05d}", "handled_at": NOW}
        for n in range(1_234)
    ]
    with sessions.begin() as session:
        first = insert_new(session, table, rows[:600], ["worker", "shop_id", "event_id"],
                           returning=["event_id"])  # fmt: skip
        again = insert_new(session, table, rows, ["worker", "shop_id", "event_id"],
                           returning=["event_id"])  # fmt: skip
        without = insert_new(session, table, rows, ["worker", "shop_id", "event_id"])
    assert [e for (e,) in first] == [r["event_id"] for r in rows[:600]]
    assert [e for (e,) in again] == [r["event_id"] for r in rows[600:]]
    assert without == []
    with sessions() as session:
        assert len(session.scalars(select(HandledEvent.id)).all()) == 1_234
