"""Load the snapshot of state around an order, return or ticket."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session, selectinload

from services.domain.views import World
from services.runtime.store import state
from services.runtime.store.keys import shop_keys_in
from services.runtime.store.models import Customer, Order, Return, Ticket
from services.runtime.store.view_rows import customer_view, order_view, return_view, ticket_view

Row = TypeVar("Row", Order, Return, Ticket, Customer)

#: Keys per IN list: far below every store's limit on bound parameters.
_CHUNK = 400


@dataclass(frozen=True)
class Subject:
    """What one event is about, as far as it says."""

    shop_id: str
    order_id: str | None = None
    return_id: str | None = None
    ticket_id: str | None = None
    customer_id: str | None = None


def load_world(
    session: Session,
    shop_id: str,
    *,
    order_id: str | None = None,
    return_id: str | None = None,
    ticket_id: str | None = None,
    customer_id: str | None = None,
) -> World:
    """Follow return → order → customer and ticket → customer as far as known."""
    loader = WorldLoader(session)
    return loader.world(Subject(shop_id, order_id, return_id, ticket_id, customer_id))


@dataclass
class WorldLoader:
    """Rows around many events, fetched in a few queries and kept for the transaction.

    Views are built afresh for every event from the session's rows, so an
    effect of one event (a ticket's clock, a ticket opened) is seen by the next.
    Only rows found are remembered: a miss is looked up again (it may have been
    created since).
    """

    session: Session
    _orders: dict[tuple[str, str], Order] = field(default_factory=dict)
    _returns: dict[tuple[str, str], Return] = field(default_factory=dict)
    _tickets: dict[tuple[str, str], Ticket] = field(default_factory=dict)
    _customers: dict[tuple[str, str], Customer] = field(default_factory=dict)

    def prefetch(self, subjects: Iterable[Subject]) -> None:
        """Load every row the subjects name (with order items and customers)."""
        wanted = list(subjects)
        returns = _keys((s.shop_id, s.return_id) for s in wanted)
        for ret in _fetch(self.session, Return, Return.return_id, returns,
                          selectinload(Return.order).selectinload(Order.items),
                          selectinload(Return.order).selectinload(Order.customer)):  # fmt: skip
            self._returns[(ret.shop_id, ret.return_id)] = ret
            self._orders[(ret.shop_id, ret.order.order_id)] = ret.order
        orders = _keys((s.shop_id, s.order_id) for s in wanted) - set(self._orders)
        for order in _fetch(self.session, Order, Order.order_id, orders,
                            selectinload(Order.items), selectinload(Order.customer)):  # fmt: skip
            self._orders[(order.shop_id, order.order_id)] = order
        tickets = _keys((s.shop_id, s.ticket_id) for s in wanted)
        for ticket in _fetch(self.session, Ticket, Ticket.ticket_id, tickets,
                             selectinload(Ticket.customer)):  # fmt: skip
            self._tickets[(ticket.shop_id, ticket.ticket_id)] = ticket
        customers = _keys((s.shop_id, s.customer_id) for s in wanted)
        for customer in _fetch(self.session, Customer, Customer.customer_id, customers):
            self._customers[(customer.shop_id, customer.customer_id)] = customer

    def world(self, subject: Subject) -> World:
        shop_id = subject.shop_id
        ret = self._row(self._returns, shop_id, subject.return_id, state.return_)
        order = ret.order if ret is not None else None
        if order is None:
            order = self._row(self._orders, shop_id, subject.order_id, state.order)
        ticket = self._row(self._tickets, shop_id, subject.ticket_id, state.ticket)
        customer = (
            order.customer
            if order is not None
            else ticket.customer
            if ticket is not None
            else self._row(self._customers, shop_id, subject.customer_id, state.customer)
        )
        return World(
            shop_id=shop_id,
            customer=customer_view(customer) if customer is not None else None,
            order=order_view(order) if order is not None else None,
            return_=return_view(ret) if ret is not None else None,
            ticket=ticket_view(ticket) if ticket is not None else None,
        )

    def _row(
        self,
        cache: dict[tuple[str, str], Row],
        shop_id: str,
        key: str | None,
        look_up: Callable[[Session, str, str], Row | None],
    ) -> Row | None:
        if not key:
            return None
        found = cache.get((shop_id, key))
        if found is None:
            found = look_up(self.session, shop_id, key)
            if found is not None:
                cache[(shop_id, key)] = found
        return found


def _keys(pairs: Iterable[tuple[str, str | None]]) -> set[tuple[str, str]]:
    return {(shop_id, key) for shop_id, key in pairs if key}


def _fetch(
    session: Session,
    model: type[Row],
    column: InstrumentedAttribute[str],
    keys: set[tuple[str, str]],
    *options: Any,
) -> list[Row]:
    """The rows of `model` whose (shop_id, `column`) is among `keys`."""
    wanted = sorted(keys)
    rows: list[Row] = []
    for start in range(0, len(wanted), _CHUNK):
        shop = model.shop_id
        query = select(model).where(shop_keys_in(shop, column, wanted[start : start + _CHUNK]))
        rows.extend(session.scalars(query.options(*options)))
    return rows
