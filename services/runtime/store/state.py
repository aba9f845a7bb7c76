"""Look-ups of the current state: customers, orders, returns and tickets."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.runtime.store.keys import shop_keys_in
from services.runtime.store.models import Customer, Feedback, Order, Return, Ticket

#: ``session.info`` entry: tickets of this session by (shop_id, ticket_id),
#: filled by :func:`prefetch_tickets`; a ticket not there is looked up.
_TICKETS = "aftersale.tickets"
_CHUNK = 400


def customer(session: Session, shop_id: str, customer_id: str) -> Customer | None:
    return session.scalar(
        select(Customer).where(Customer.shop_id == shop_id, Customer.customer_id == customer_id)
    )


def order(session: Session, shop_id: str, order_id: str) -> Order | None:
    return session.scalar(select(Order).where(Order.shop_id == shop_id, Order.order_id == order_id))


def return_(session: Session, shop_id: str, return_id: str) -> Return | None:
    return session.scalar(
        select(Return).where(Return.shop_id == shop_id, Return.return_id == return_id)
    )


def ticket(session: Session, shop_id: str, ticket_id: str) -> Ticket | None:
    known: dict[tuple[str, str], Ticket] | None = session.info.get(_TICKETS)
    if known is not None:
        found = known.get((shop_id, ticket_id))
        # Not one added in a savepoint that was rolled back since.
        if found is not None and found in session:
            return found
    found = session.scalar(
        select(Ticket).where(Ticket.shop_id == shop_id, Ticket.ticket_id == ticket_id)
    )
    if found is not None and known is not None:
        known[(shop_id, ticket_id)] = found
    return found


def prefetch_tickets(session: Session, keys: Iterable[tuple[str, str]]) -> None:
    """Load the tickets of ``keys`` in a few queries, so that :func:`ticket` finds
    them in memory: a batch's SLA clocks cost no SELECT (and flush) each."""
    known: dict[tuple[str, str], Ticket] = session.info.setdefault(_TICKETS, {})
    wanted = sorted(set(keys) - set(known))
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        query = select(Ticket).where(shop_keys_in(Ticket.shop_id, Ticket.ticket_id, chunk))
        known.update({(t.shop_id, t.ticket_id): t for t in session.scalars(query)})


def remember_ticket(session: Session, row: Ticket) -> None:
    """A ticket added in this session, for :func:`ticket` to find."""
    known: dict[tuple[str, str], Ticket] | None = session.info.get(_TICKETS)
    if known is not None:
        known[(row.shop_id, row.ticket_id)] = row


def feedback(session: Session, shop_id: str, feedback_id: str) -> Feedback | None:
    return session.scalar(
        select(Feedback).where(Feedback.shop_id == shop_id, Feedback.feedback_id == feedback_id)
    )
