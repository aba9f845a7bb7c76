"""A batch's tickets are loaded once and found in memory, on every store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from services.runtime.store import state
from services.runtime.store.models import Customer, Ticket

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


def add_ticket(session: Session, ticket_id: str) -> Ticket:
    customer = state.customer(session, "shop-42", "c-1")
    if customer is None:
        customer = Customer(shop_id="shop-42", customer_id="c-1", updated_at=NOW)
        session.add(customer)
        session.flush()
    ticket = Ticket(shop_id="shop-42", ticket_id=ticket_id, customer_pk=customer.id,
                    channel="email", priority="normal", subject="Where is it?",
                    status="open", opened_at=NOW)  # fmt: skip
    session.add(ticket)
    session.flush()
    return ticket


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_prefetched_tickets_are_found_without_a_query(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as session:
        add_ticket(session, "T-1")
        add_ticket(session, "T-2")
    with sessions.begin() as session:
        state.prefetch_tickets(session, [("shop-42", "T-1"), ("shop-42", "T-2")])
        with statements(engine) as seen:
            first, second = (
                state.ticket(session, "shop-42", "T-1"),
                state.ticket(session, "shop-42", "T-2"),
            )
        assert seen == []
        assert (first and first.ticket_id, second and second.ticket_id) == ("T-1", "T-2")


def test_a_ticket_missing_from_the_prefetch_is_looked_up(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as session:
        state.prefetch_tickets(session, [("shop-42", "T-3")])
        assert state.ticket(session, "shop-42", "T-3") is None
        added = add_ticket(session, "T-3")  # e.g. opened by an earlier effect of the batch
        assert state.ticket(session, "shop-42", "T-3") is added


def test_a_ticket_added_in_a_rolled_back_savepoint_is_not_found(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        state.prefetch_tickets(session, [("shop-42", "T-4")])
        try:
            with session.begin_nested():
                state.remember_ticket(session, add_ticket(session, "T-4"))
                raise RuntimeError("the earlier event failed")
        except RuntimeError:
            pass
        assert state.ticket(session, "shop-42", "T-4") is None
