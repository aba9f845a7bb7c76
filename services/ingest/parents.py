"""Which earlier thing (order, return, ticket) an event refers to. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from events import EnvelopeBase

ParentKind = Literal["order", "return", "ticket"]


@dataclass(frozen=True)
class ParentRef:
    kind: ParentKind
    id: str

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
    connected, so their `order_id` is kept but not waited for.
    """
    data = getattr(event, "data", None)
    if event.type in _ORDER_CHILDREN:
        return ParentRef("order", data.order_id)  # type: ignore[union-attr]
    if event.type in _RETURN_CHILDREN:
        return ParentRef("return", data.return_id)  # type: ignore[union-attr]
    if event.type in _TICKET_CHILDREN:
        return ParentRef("ticket", data.ticket_id)  # type: ignore[union-attr]
    return None
