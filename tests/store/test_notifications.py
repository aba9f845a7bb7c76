"""The notification outbox: one row per idempotency key, on every store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, sessionmaker

from services.runtime.store import timers
from services.runtime.store.models import Notification, Timer
from services.runtime.store.notifications import add_once, list_notifications

NOW = datetime(2026, 11, 24, 8, 40, 5, tzinfo=UTC)


def notify(session: Session, key: str, **fields: Any) -> Notification | None:
    values: dict[str, Any] = {
        "shop_id": "shop-42",
        "kind": "order_shipped",
        "channel": "email",
        "recipient": "zofia.wisniewska@example.pl",
        "content": {"subject": "Twoja paczka jest w drodze 🚚", "tracking": "6200…"},
        "now": NOW,
        "locale": "pl",
        "order_id": "PL-2026-000981",
    }
    values.update(fields)
    return add_once(session, idempotency_key=key, **values)


def keys(rows: list[Notification]) -> list[str]:
    return [row.idempotency_key for row in rows]


def test_the_same_key_twice_gives_one_row(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        first = notify(session, "01JD-T002:order_shipped:email")
        assert first is not None
        assert notify(session, "01JD-T002:order_shipped:email", recipient="other") is None
    with sessions.begin() as session:  # a redelivery, in a later transaction
        assert notify(session, "01JD-T002:order_shipped:email") is None

    with sessions() as session:
        row = session.scalars(select(Notification)).one()
    assert row.id == first.id
    assert row.recipient == "zofia.wisniewska@example.pl"
    assert row.content == {"subject": "Twoja paczka jest w drodze 🚚", "tracking": "6200…"}
    assert (row.status, row.attempts, row.next_attempt_at) == ("pending", 0, NOW)


def test_a_row_not_to_be_sent_gets_no_attempt_time(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        notify(session, "k-suppressed", status="suppressed")
    with sessions() as session:
        row = session.scalars(select(Notification)).one()
    assert (row.status, row.next_attempt_at) == ("suppressed", None)


def test_list_notifications_filters_by_order_and_kind(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        notify(session, "a-shipped", now=NOW)
        notify(session, "b-shipped", order_id="PL-2", now=NOW + timedelta(minutes=1))
        notify(session, "a-delayed", kind="shipment_delayed", now=NOW + timedelta(minutes=2))
        notify(session, "ticket", kind="ticket_ack", order_id=None, ticket_id="T-30417")
        notify(session, "a-early", now=NOW - timedelta(minutes=1))

    with sessions() as session:
        assert keys(list_notifications(session)) == [
            "a-early",
            "a-shipped",
            "ticket",
            "b-shipped",
            "a-delayed",
        ]
        by_order = list_notifications(session, order_id="PL-2026-000981")
        assert keys(by_order) == ["a-early", "a-shipped", "a-delayed"]
        by_kind = list_notifications(session, kind="order_shipped")
        assert keys(by_kind) == ["a-early", "a-shipped", "b-shipped"]
        both = list_notifications(session, order_id="PL-2026-000981", kind="shipment_delayed")
        assert keys(both) == ["a-delayed"]
        assert list_notifications(session, order_id="PL-404") == []
        # The newest rows win the limit (an operator looks at what just happened).
        assert keys(list_notifications(session, limit=2)) == ["b-shipped", "a-delayed"]


def test_a_key_taken_by_a_racing_worker_leaves_the_transaction_usable(
    postgres_sessions: sessionmaker[Session],
) -> None:
    # PostgreSQL only: SQLite's BEGIN IMMEDIATE serialises writers, so the race cannot
    # happen there. Here the other worker commits the same key between this worker's
    # look-up and its insert, so the unique constraint has to decide.
    key = "01JD-T002:order_shipped:email"
    engine = postgres_sessions.kw["bind"]
    raced = False

    @event.listens_for(engine, "before_cursor_execute")
    def other_worker_commits_first(*args: Any) -> None:
        nonlocal raced
        if not raced and args[2].startswith("INSERT INTO notifications"):
            raced = True
            with postgres_sessions.begin() as other:
                assert notify(other, key, recipient="winner@example.pl") is not None

    try:
        with postgres_sessions.begin() as session:
            assert notify(session, key) is None
            timers.schedule(
                session,
                shop_id="shop-42",
                kind="check_in",
                subject_id="PL-2026-000981",
                due_at=NOW + timedelta(days=3),
                now=NOW,
            )
    finally:
        event.remove(engine, "before_cursor_execute", other_worker_commits_first)

    assert raced
    with postgres_sessions() as session:
        assert session.scalars(select(Notification.recipient)).all() == ["winner@example.pl"]
        assert session.scalar(select(func.count()).select_from(Timer)) == 1
