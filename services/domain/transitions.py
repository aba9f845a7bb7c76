"""How orders, returns and tickets move on: pure functions over typed values.

The ingest's projection loads a row, asks here what it becomes, and writes
that back; these rules are tested by tables of cases (``tests/unit``), not
through a database. Events may arrive in any order: every rule is written so
that a late event cannot undo a later state.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Final, Literal

OrderStatus = Literal["placed", "shipped", "delayed", "delivered", "cancelled"]
ReturnStatus = Literal["requested", "received", "resolved"]
TicketStatus = Literal["open", "answered", "awaiting_reply", "resolved"]
#: Who wrote a ticket reply (``ticket.replied``'s ``author``).
Author = Literal["agent", "customer"]

PLACED: Final = "placed"
SHIPPED: Final = "shipped"
DELAYED: Final = "delayed"
DELIVERED: Final = "delivered"
CANCELLED: Final = "cancelled"

REQUESTED: Final = "requested"
RECEIVED: Final = "received"
RESOLVED: Final = "resolved"

OPEN: Final = "open"
ANSWERED: Final = "answered"
AWAITING_REPLY: Final = "awaiting_reply"

#: Order statuses by how far along they are; an order never moves back.
ORDER_STATUS_RANK: Final[dict[str, int]] = {
    PLACED: 0,
    SHIPPED: 1,
    DELAYED: 1,
    DELIVERED: 2,
    CANCELLED: 3,
}


def next_order_status(current: str, incoming: str) -> str:
    """The order's status after a step: a late ``order.shipped`` after
    ``order.delivered`` must not undo the delivery, and a cancelled order stays so."""
    if current == CANCELLED:
        return current
    return incoming if ORDER_STATUS_RANK[incoming] >= ORDER_STATUS_RANK[current] else current


def return_received(current: str) -> str:
    """A return's status once its parcel arrived: a resolved return stays resolved."""
    return RECEIVED if current == REQUESTED else current


@dataclass(frozen=True)
class Conversation:
    """What a ticket's replies decide: who spoke last, since when the customer waits."""

    status: str
    first_replied_at: datetime | None = None
    last_agent_reply_at: datetime | None = None
    last_customer_reply_at: datetime | None = None
    #: The customer's earliest reply that no agent reply has followed yet.
    awaiting_reply_since: datetime | None = None


def _latest(current: datetime | None, moment: datetime) -> datetime:
    return moment if current is None or moment > current else current


def replied(conversation: Conversation, author: str, at: datetime) -> Conversation:
    """The conversation after a reply, whatever order the replies arrive in: ``open``
    until the first agent reply, then ``answered`` or ``awaiting_reply``. Replies to a
    resolved ticket change nothing."""
    if conversation.status == RESOLVED:
        return conversation
    c = conversation
    if author == "agent":
        first = c.first_replied_at
        waiting = c.awaiting_reply_since
        latest_customer = c.last_customer_reply_at
        if waiting is not None and waiting <= at:
            waiting = (
                latest_customer if latest_customer is not None and latest_customer > at else None
            )
        latest_agent = _latest(c.last_agent_reply_at, at)
        if waiting is None and latest_customer is not None and latest_customer > latest_agent:
            # An agent reply that arrives after a later customer reply: that one waits.
            waiting = latest_customer
        c = replace(
            c,
            first_replied_at=at if first is None or at < first else first,
            last_agent_reply_at=latest_agent,
            awaiting_reply_since=waiting,
        )
    else:
        waiting = c.awaiting_reply_since
        agent = c.last_agent_reply_at
        if agent is not None and at > agent:
            waiting = at if waiting is None or at < waiting else waiting
        c = replace(
            c,
            last_customer_reply_at=_latest(c.last_customer_reply_at, at),
            awaiting_reply_since=waiting,
        )
    if c.last_agent_reply_at is None:
        status = OPEN
    else:
        status = AWAITING_REPLY if c.awaiting_reply_since else ANSWERED
    return replace(c, status=status)


def resolved(conversation: Conversation) -> Conversation:
    """A resolved ticket waits for nobody."""
    return replace(conversation, status=RESOLVED, awaiting_reply_since=None)
