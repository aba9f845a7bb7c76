"""The aftersale event contract, version 1: pydantic models and nothing else.

Shops publish these envelopes to the `aftersale.events` exchange with the
event's `type` as routing key. This package imports no other package of the
project.
"""

from events.envelope import (
    EVENT_MODELS,
    EVENT_TYPES,
    SCHEMA_VERSION,
    CallbackCompleted,
    CallbackPromised,
    CustomerUpdatedEvent,
    EnvelopeBase,
    Event,
    FeedbackReceived,
    OrderCancelled,
    OrderDelivered,
    OrderPlaced,
    OrderShipped,
    ReturnReceived,
    ReturnRequested,
    ReturnResolved,
    ShipmentDelayed,
    TicketOpened,
    TicketReplied,
    TicketResolved,
    event_adapter,
)
from events.parsing import MAX_BODY_BYTES, ContractViolation, parse_event

#: Name of the topic exchange shops publish to.
EXCHANGE = "aftersale.events"

__all__ = [
    "EVENT_MODELS",
    "EVENT_TYPES",
    "EXCHANGE",
    "MAX_BODY_BYTES",
    "SCHEMA_VERSION",
    "CallbackCompleted",
    "CallbackPromised",
    "ContractViolation",
    "CustomerUpdatedEvent",
    "EnvelopeBase",
    "Event",
    "FeedbackReceived",
    "OrderCancelled",
    "OrderDelivered",
    "OrderPlaced",
    "OrderShipped",
    "ReturnReceived",
    "ReturnRequested",
    "ReturnResolved",
    "ShipmentDelayed",
    "TicketOpened",
    "TicketReplied",
    "TicketResolved",
    "event_adapter",
    "parse_event",
]
