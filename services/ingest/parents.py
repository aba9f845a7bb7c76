"""Which earlier thing (order, return, ticket) an event refers to. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from events import EnvelopeBase

#: How long an event waits for a soft parent before it is recorded without it:
#: long enough for another ingest to commit the batch that holds it.
SOFT_WAIT = timedelta(seconds=30)

ParentKind = Literal["order", "return", "ticket", "customer"]


@dataclass(frozen=True)
class ParentRef:
    kind: ParentKind
    id: str
    #: Waited for briefly (SOFT_WAIT), then recorded without it: the event can
    #: stand alone, but is better handled with its parent known.
    soft: bool = False

    def describe(self) -> str:
        return f"{self.kind} {self.id!r}"


_ORDER_CHILDREN = {
    "order.shipped",
    "shipment.delayed",
    "order.delivered",
    "order.cancelled",
    "return.requested",
}
_RETURN_CHILDREN = {"return.received", "return.resolved"}
_TICKET_CHILDREN = {"ticket.replied", "ticket.resolved", "callback.promised", "callback.completed"}


def parent_of(event: EnvelopeBase) -> ParentRef | None:
    """The thing that must be known before `event` can be recorded, if any.

    Feedback and tickets may name an order placed before the shop was
    connected, so their `order_id` is kept but not waited for. Feedback names
    its customer only by id, and the customer's address comes with their
    order: with several ingests, the order may still be being recorded by
    another one, so feedback waits for its customer a little (soft).
    """
    data = getattr(event, "data", None)
    if event.type == "feedback.received":
        return ParentRef("customer", data.customer_id, soft=True)  # type: ignore[union-attr]
    if event.type in _ORDER_CHILDREN:
        return ParentRef("order", data.order_id)  # type: ignore[union-attr]
    if event.type in _RETURN_CHILDREN:
        return ParentRef("return", data.return_id)  # type: ignore[union-attr]
    if event.type in _TICKET_CHILDREN:
        return ParentRef("ticket", data.ticket_id)  # type: ignore[union-attr]
    return None
