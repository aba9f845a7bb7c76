"""Which dramatiq actors react to which event type: the one table to read.

The ingest sends each recorded event to every actor listed for its type: one
dramatiq message per worker and ingest batch, `([[shop_id, event_id, type],
…],)`, on the worker's queue. Workers never import each other; this table
names them by queue and actor name only, and tells each worker which event
types reach it.
"""

from __future__ import annotations

from collections.abc import Mapping

from services.runtime.workers import ActorRef

__all__ = [
    "SUBSCRIPTIONS",
    "ActorRef",
    "Subscriptions",
    "event_types_of",
    "worker_queue_names",
]

Subscriptions = Mapping[str, tuple[ActorRef, ...]]

NOTIFIER = ActorRef("aftersale.notifier", "notifier.on_events", batch=True)
ESCALATOR = ActorRef("aftersale.escalator", "escalator.on_events", batch=True)
CHECKINS = ActorRef("aftersale.checkins", "checkins.on_events", batch=True)
FEEDBACK = ActorRef("aftersale.feedback", "feedback.on_events", batch=True)

#: event type → the actors that react to it.
SUBSCRIPTIONS: Subscriptions = {
    "order.placed": (NOTIFIER,),
    "order.shipped": (NOTIFIER,),
    "shipment.delayed": (NOTIFIER,),
    "order.delivered": (NOTIFIER, CHECKINS),
    "order.cancelled": (NOTIFIER, CHECKINS),
    "return.requested": (NOTIFIER, ESCALATOR),
    "return.received": (NOTIFIER, ESCALATOR),
    "return.resolved": (NOTIFIER, ESCALATOR),
    "ticket.opened": (NOTIFIER, ESCALATOR),
    "ticket.replied": (ESCALATOR,),
    "ticket.resolved": (ESCALATOR,),
    "callback.promised": (ESCALATOR,),
    "callback.completed": (ESCALATOR,),
    "feedback.received": (FEEDBACK,),
}


def worker_queue_names(subscriptions: Subscriptions) -> tuple[str, ...]:
    return tuple(sorted({ref.queue for refs in subscriptions.values() for ref in refs}))


def event_types_of(worker: str, subscriptions: Subscriptions = SUBSCRIPTIONS) -> frozenset[str]:
    """The event types that reach `worker` (whose actors are named `<worker>.…`)."""
    return frozenset(
        event_type
        for event_type, refs in subscriptions.items()
        if any(ref.actor.partition(".")[0] == worker for ref in refs)
    )
