"""Support tickets and promised callbacks."""

from __future__ import annotations

from typing import Annotated, Literal

from events.customers import Customer
from events.fields import Identifier, Priority, TicketChannel, Timestamp, WireModel, line

ReplyAuthor = Literal["agent", "customer"]


class TicketOpenedData(WireModel):
    ticket_id: Identifier
    customer: Customer
    channel: TicketChannel
    priority: Priority
    subject: Annotated[str, line(min_length=1, max_length=1000)]
    order_id: Identifier | None = None


class TicketRepliedData(WireModel):
    ticket_id: Identifier
    author: ReplyAuthor
    replied_at: Timestamp


class TicketResolvedData(WireModel):
    ticket_id: Identifier
    resolved_at: Timestamp


class CallbackPromisedData(WireModel):
    ticket_id: Identifier
    due_at: Timestamp
    agent: Annotated[str, line(max_length=256)] | None = None


class CallbackCompletedData(WireModel):
    ticket_id: Identifier
    completed_at: Timestamp
