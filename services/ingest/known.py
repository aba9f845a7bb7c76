"""The state a batch works on: rows loaded in one query per table, up front.

Projecting an event then needs no query of its own; rows the batch creates are
added here too, so a later event of the same batch finds them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, joinedload

import events as ev
from services.runtime.store.keys import shop_keys_in
from services.runtime.store.models import (
    Customer,
    EventRecord,
    Feedback,
    Order,
    OrderItem,
    OrderStatusChange,
    Return,
    Ticket,
)

Key = tuple[str, str]
Row = TypeVar("Row", Order, Return, Ticket, Customer)

#: Rows per IN (…) list; well under SQLite's and PostgreSQL's parameter limits.
CHUNK = 400


def _ids(event: ev.EnvelopeBase) -> dict[str, set[str]]:
    """The ids of orders, returns, tickets, customers and feedback an event touches."""
    data: Any = getattr(event, "data", None)
    ids: dict[str, set[str]] = {"order": set(), "return": set(), "ticket": set(),
                                "customer": set(), "feedback": set()}  # fmt: skip
    for field, kind in (("order_id", "order"), ("return_id", "return"), ("ticket_id", "ticket"),
                        ("customer_id", "customer"), ("feedback_id", "feedback")):  # fmt: skip
        value = getattr(data, field, None)
        if isinstance(value, str):
            ids[kind].add(value)
    customer = getattr(data, "customer", None)
    if customer is not None:
        ids["customer"].add(customer.customer_id)
    return ids


class Known:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.orders: dict[Key, Order] = {}
        self.returns: dict[Key, Return] = {}
        self.tickets: dict[Key, Ticket] = {}
        self.customers: dict[Key, Customer] = {}
        self.feedback: set[Key] = set()
        #: Rows written in bulk when the batch is done (`write`): no ORM objects.
        self.pending_events: list[dict[str, Any]] = []
        self.pending_items: list[tuple[Order, dict[str, Any]]] = []
        self.pending_history: list[tuple[Order, dict[str, Any]]] = []

    def write(self) -> None:
        """Flush the ORM rows (orders get their ids), then insert the bulk rows."""
        session = self.session
        session.flush()
        if self.pending_items:
            session.execute(
                insert(OrderItem),
                [{"order_pk": order.id, **row} for order, row in self.pending_items],
            )
        if self.pending_history:
            session.execute(
                insert(OrderStatusChange),
                [{"order_pk": order.id, **row} for order, row in self.pending_history],
            )
        if self.pending_events:
            session.execute(insert(EventRecord), self.pending_events)
        self.pending_events, self.pending_items, self.pending_history = [], [], []

    def load(self, events: Sequence[ev.EnvelopeBase]) -> None:
        wanted: dict[str, set[Key]] = {k: set() for k in ("order", "return", "ticket",
                                                          "customer", "feedback")}  # fmt: skip
        for event in events:
            for kind, ids in _ids(event).items():
                wanted[kind].update((event.shop_id, i) for i in ids)
        for ret in self._fetch(Return, Return.return_id, wanted["return"],
                               joinedload(Return.order)):  # fmt: skip
            self.returns[(ret.shop_id, ret.return_id)] = ret
            self.orders[(ret.order.shop_id, ret.order.order_id)] = ret.order
        for order in self._fetch(Order, Order.order_id, wanted["order"] - set(self.orders)):
            self.orders[(order.shop_id, order.order_id)] = order
        for ticket in self._fetch(Ticket, Ticket.ticket_id, wanted["ticket"]):
            self.tickets[(ticket.shop_id, ticket.ticket_id)] = ticket
        for customer in self._fetch(Customer, Customer.customer_id, wanted["customer"]):
            self.customers[(customer.shop_id, customer.customer_id)] = customer
        for chunk in _chunks(wanted["feedback"]):
            rows = self.session.execute(
                select(Feedback.shop_id, Feedback.feedback_id).where(
                    shop_keys_in(Feedback.shop_id, Feedback.feedback_id, chunk)
                )
            )
            self.feedback.update((shop, fid) for shop, fid in rows)

    def _fetch(self, model: type[Row], id_column: Any, keys: set[Key], *options: Any) -> list[Row]:
        found: list[Row] = []
        for chunk in _chunks(keys):
            query = select(model).where(shop_keys_in(model.shop_id, id_column, chunk))
            found += self.session.scalars(query.options(*options)).unique()
        return found

    def has(self, kind: str, shop_id: str, item_id: str) -> bool:
        key = (shop_id, item_id)
        if kind == "order":
            return key in self.orders
        if kind == "return":
            return key in self.returns
        if kind == "customer":
            return key in self.customers
        return key in self.tickets


def _chunks(keys: Iterable[Key]) -> Iterable[list[Key]]:
    items = sorted(keys)
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]
