"""Support tickets and promised callbacks."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from events.customers import Customer
from events.fields import Identifier, Priority, TicketChannel

ReplyAuthor = Literal["agent", "customer"]


class TicketOpenedData(BaseModel):
    model_config = ConfigDict(extra="ignore")

    ticket_id: Identifier
    customer: Customer
    channel: TicketChannel
    priority: Priority
    subject: str = Field(min_length=1, max_length=1000)
    order_id: Identifier | None = None


class TicketRepliedData(BaseModel):
    model_config = ConfigDict(extra="ignore")

    ticket_id: Identifier
    author: ReplyAuthor
    replied_at: AwareDatetime


class TicketResolvedData(BaseModel):
    model_config = ConfigDict(extra="ignore")

    ticket_id: Identifier
    resolved_at: AwareDatetime


class CallbackPromisedData(BaseModel):
    model_config = ConfigDict(extra="ignore")

    ticket_id: Identifier
    due_at: AwareDatetime
    agent: str | None = Field(default=None, max_length=256)


class CallbackCompletedData(BaseModel):
    model_config = ConfigDict(extra="ignore")

    ticket_id: Identifier
    completed_at: AwareDatetime
