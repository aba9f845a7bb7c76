"""The envelope every event travels in, and one model per event type."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from events.customers import CustomerUpdated
from events.feedback import FeedbackReceivedData
from events.fields import EventId, SchemaVersion, ShopId, Timestamp
from events.orders import (
    OrderCancelledData,
    OrderDeliveredData,
    OrderPlacedData,
    OrderShippedData,
    ShipmentDelayedData,
)
from events.returns import ReturnReceivedData, ReturnRequestedData, ReturnResolvedData
from events.tickets import (
    CallbackCompletedData,
    CallbackPromisedData,
    TicketOpenedData,
    TicketRepliedData,
    TicketResolvedData,
)

#: The version of the wire contract these models describe.
SCHEMA_VERSION = 1


class EnvelopeBase(BaseModel):
    """Fields common to every event; unknown extra fields are ignored (the raw body is kept).

    Strict: a JSON value of the wrong kind is refused, never converted (see `WireModel`).
    """

    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)

    event_id: EventId
    type: str
    schema_version: SchemaVersion
    occurred_at: Timestamp
    shop_id: ShopId


class OrderPlaced(EnvelopeBase):
    type: Literal["order.placed"]
    data: OrderPlacedData


class OrderShipped(EnvelopeBase):
    type: Literal["order.shipped"]
    data: OrderShippedData


class ShipmentDelayed(EnvelopeBase):
    type: Literal["shipment.delayed"]
    data: ShipmentDelayedData


class OrderDelivered(EnvelopeBase):
    type: Literal["order.delivered"]
    data: OrderDeliveredData


class OrderCancelled(EnvelopeBase):
    type: Literal["order.cancelled"]
    data: OrderCancelledData


class ReturnRequested(EnvelopeBase):
    type: Literal["return.requested"]
    data: ReturnRequestedData


class ReturnReceived(EnvelopeBase):
    type: Literal["return.received"]
    data: ReturnReceivedData


class ReturnResolved(EnvelopeBase):
    type: Literal["return.resolved"]
    data: ReturnResolvedData


class FeedbackReceived(EnvelopeBase):
    type: Literal["feedback.received"]
    data: FeedbackReceivedData


class TicketOpened(EnvelopeBase):
    type: Literal["ticket.opened"]
    data: TicketOpenedData


class TicketReplied(EnvelopeBase):
    type: Literal["ticket.replied"]
    data: TicketRepliedData


class TicketResolved(EnvelopeBase):
    type: Literal["ticket.resolved"]
    data: TicketResolvedData


class CallbackPromised(EnvelopeBase):
    type: Literal["callback.promised"]
    data: CallbackPromisedData


class CallbackCompleted(EnvelopeBase):
    type: Literal["callback.completed"]
    data: CallbackCompletedData


class CustomerUpdatedEvent(EnvelopeBase):
    type: Literal["customer.updated"]
    data: CustomerUpdated


Event = Annotated[
    OrderPlaced
    | OrderShipped
    | ShipmentDelayed
    | OrderDelivered
    | OrderCancelled
    | ReturnRequested
    | ReturnReceived
    | ReturnResolved
    | FeedbackReceived
    | TicketOpened
    | TicketReplied
    | TicketResolved
    | CallbackPromised
    | CallbackCompleted
    | CustomerUpdatedEvent,
    Field(discriminator="type"),
]

#: Every event type of version 1, in the order of the contract, with its model.
EVENT_MODELS: dict[str, type[EnvelopeBase]] = {
    "order.placed": OrderPlaced,
    "order.shipped": OrderShipped,
    "shipment.delayed": ShipmentDelayed,
    "order.delivered": OrderDelivered,
    "order.cancelled": OrderCancelled,
    "return.requested": ReturnRequested,
    "return.received": ReturnReceived,
    "return.resolved": ReturnResolved,
    "feedback.received": FeedbackReceived,
    "ticket.opened": TicketOpened,
    "ticket.replied": TicketReplied,
    "ticket.resolved": TicketResolved,
    "callback.promised": CallbackPromised,
    "callback.completed": CallbackCompleted,
    "customer.updated": CustomerUpdatedEvent,
}

EVENT_TYPES: tuple[str, ...] = tuple(EVENT_MODELS)


def event_adapter() -> TypeAdapter[Event]:
    """The validator of the whole union (built on demand, not at import)."""
    return TypeAdapter(Event)
